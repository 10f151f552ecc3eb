"""The server side of offline entry: the data an officer's phone keeps for
departures and returns, and the sync endpoint its entries are sent to."""

import contextlib
import datetime
import json
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import translation

from desmigratif.models import Role
from offline import services
from offline.models import OfflineEntry
from tests.budgets import SESSION_WRITE
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.villages.registry_helpers import CPMI, PMI, make_kk
from villages.models import NIK_TAKEN_MESSAGE, Household, IdNumberAccess, Member
from villages.services import household_save

A = "35.24.07.2004"  # officer_a's village (tests/conftest.py)
B = "35.24.07.2001"
SYNC = f"/desa/{A}/luring/kirim/"
DATA = f"/desa/{A}/luring/data/"

KK = "3524070101260001"
HEAD_BORN = datetime.date(1990, 5, 12)
HEAD_NIK = nik_for(HEAD_BORN, "L", 101)
WIFE_BORN = datetime.date(1992, 3, 4)
WIFE_NIK = nik_for(WIFE_BORN, "P", 102)


def text(message, language="id", **params):
    with translation.override(language):
        translated = translation.gettext(message)
    return translated % params if params else translated


def in_indonesian(lazy_message):
    with translation.override("id"):
        return str(lazy_message)


def head(**fields):
    return {
        "nik": HEAD_NIK,
        "name": "Sumarno",
        "sex": "L",
        "birth_date": HEAD_BORN.isoformat(),
        "relation": "head",
        "migration_status": "family",
        **fields,
    }


def wife(**fields):
    return {
        "nik": WIFE_NIK,
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": WIFE_BORN.isoformat(),
        "relation": "wife",
        "migration_status": "cpmi",
        "destination_country": "MY",
        "channel": "procedural",
        **fields,
    }


def household_entry(no_kk=KK, members=None, **fields):
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "no_kk": no_kk,
        "dusun": "Krajan",
        "rt": "001",
        "rw": "002",
        "address": "Jl. Melati 3",
        "members": [head(), wife()] if members is None else members,
        **fields,
    }


def departure_entry(member, **fields):
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "departure",
        "member": member.pk,
        "base_version": Household.objects.get(pk=member.household_id).version,
        "departure_date": "2026-01-15",
        "sector": "informal",
        **fields,
    }


def send(client, entries=None, url=SYNC, body=None):
    body = json.dumps({"entries": entries}) if body is None else body
    return client.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def officer(client, officer_a):
    client.force_login(officer_a)
    return officer_a


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def cpmi(village_a):
    household = HouseholdFactory(village=village_a)
    return MemberFactory(
        household=household, name="Dewi Sartika", sex="P", placement_agency="PT Awal", **CPMI
    )


# Accepted ---------------------------------------------------------------------------------


def test_accepted_household_is_in_the_list_with_the_officers_offline_history(client, officer):
    entry = household_entry()

    (answer,) = results(send(client, [entry]))

    household = Household.objects.get(no_kk=KK)
    assert answer == {
        "client_id": entry["client_id"],
        "status": "accepted",
        "url": f"/desa/{A}/rumah-tangga/{household.pk}/",
        "id": household.pk,
        "version": household.version,
        "warnings": [],
    }
    assert household.village_id == A
    assert sorted(household.members.values_list("name", flat=True)) == ["Siti Aminah", "Sumarno"]
    listed = client.get(f"/desa/{A}/rumah-tangga/").content.decode()
    assert "Sumarno" in listed and "Siti Aminah" in listed
    for record in [household, *household.members.all()]:
        history = record.history.get()
        assert (history.history_user, history.history_change_reason) == (officer, "offline entry")
    member = household.members.get(name="Sumarno")
    page = client.get(f"/desa/{A}/anggota/{member.pk}/").content.decode()
    assert officer.get_full_name() in page
    assert f"({text('offline entry')})" in page


def test_accepted_household_carries_the_warnings_the_page_would_show(client, officer):
    old_district_nik = nik_for(HEAD_BORN, "L", 103, district="352499")
    entry = household_entry(no_kk="3524070101260000", members=[head(nik=old_district_nik)])

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "accepted"
    district_warning, kk_warning = answer["warnings"]
    assert district_warning.startswith(f"Sumarno ({old_district_nik}): ")
    assert "35.24.99" in district_warning
    assert kk_warning == text(
        "The No. KK ends in 0000. Check it against the family card: a number a spreadsheet "
        "stored as a number can end in zeros."
    )


def test_a_departure_sent_offline_is_applied_with_the_officers_history(client, officer, cpmi):
    version = cpmi.household.version

    (answer,) = results(send(client, [departure_entry(cpmi)]))

    assert answer["status"] == "accepted"
    assert answer["url"] == f"/desa/{A}/anggota/{cpmi.pk}/"
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.PMI
    assert cpmi.departure_date == datetime.date(2026, 1, 15)
    assert cpmi.sector == Member.Sector.INFORMAL
    # Left out of the entry: kept as recorded, as the web form shows and sends it back.
    assert (cpmi.placement_agency, cpmi.channel) == ("PT Awal", "procedural")
    assert Household.objects.get(pk=cpmi.household_id).version == version + 1 == answer["version"]
    latest = cpmi.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (officer, "offline entry")


def test_a_return_sent_offline_is_applied(client, officer, village_a):
    pmi = MemberFactory(household=HouseholdFactory(village=village_a), **PMI)
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "return",
        "member": pmi.pk,
        "base_version": pmi.household.version,
        "return_date": "2025-12-01",
        "business_status": "wants",
    }

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "accepted"
    pmi.refresh_from_db()
    assert (pmi.migration_status, pmi.return_date) == ("returnee", datetime.date(2025, 12, 1))
    assert pmi.history.latest().history_change_reason == "offline entry"


def test_an_edit_over_the_version_the_device_saw_changes_only_what_it_names(client, officer, village_a):
    household = HouseholdFactory(village=village_a, dusun="Krajan", address="Jl. Melati 3")
    member = MemberFactory(household=household, name="Sumarno", **CPMI)
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "household": household.pk,
        "base_version": household.version,
        "dusun": "Sumberejo",
        "members": [{"id": member.pk, "occupation": "Nelayan"}, wife(relation="wife")],
    }

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "accepted", answer
    household.refresh_from_db()
    member.refresh_from_db()
    assert (household.dusun, household.address) == ("Sumberejo", "Jl. Melati 3")
    assert (member.occupation, member.destination_country, member.name) == ("Nelayan", "TW", "Sumarno")
    assert household.members.count() == 2
    assert household.history.latest().history_change_reason == "offline entry"


def test_an_edit_of_the_households_own_fields_keeps_every_member(client, officer, village_a):
    household = HouseholdFactory(village=village_a, rt="001")
    MemberFactory(household=household)
    MemberFactory(household=household, relation="child", nik=nik_for(HEAD_BORN, "L", 321))
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "household": household.pk,
        "base_version": household.version,
        "rt": "004",
    }

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "accepted", answer
    household.refresh_from_db()
    assert (household.rt, household.members.count()) == ("004", 2)


def test_an_edit_naming_a_member_of_another_household_is_rejected(client, officer, village_a):
    household = HouseholdFactory(village=village_a)
    MemberFactory(household=household)
    stranger = MemberFactory(household=HouseholdFactory(village=village_a), nik=nik_for(HEAD_BORN, "L", 322))
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "household": household.pk,
        "base_version": household.version,
        "members": [{"id": stranger.pk, "name": "Diganti"}],
    }

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["members"] == [
        {"id": [{"message": text("This person is not a member of this household."), "code": "not_found"}]}
    ]
    stranger.refresh_from_db()
    assert stranger.name != "Diganti" and stranger.household_id != household.pk


# Rejected ---------------------------------------------------------------------------------


def test_nik_disagreeing_with_the_birth_date_is_rejected_in_indonesian(client, officer):
    entry = household_entry(members=[head(birth_date="1990-05-13")])

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "rejected"
    expected = text("The date of birth does not match the NIK, which says %(date)s.", date="12/05/1990")
    assert answer["errors"]["members"][0]["birth_date"] == [{"message": expected, "code": "nik_birth_date"}]
    assert expected.startswith("Tanggal lahir")
    assert not Household.objects.exists()
    assert not OfflineEntry.objects.exists()


def test_rejection_is_in_english_when_the_officer_chose_english(client, officer, english):
    entry = household_entry(members=[head(birth_date="1990-05-13")])

    (answer,) = results(send(client, [entry]))

    (error,) = answer["errors"]["members"][0]["birth_date"]
    assert error["message"] == "The date of birth does not match the NIK, which says 12/05/1990."


def test_nik_registered_in_another_village_is_rejected_next_to_the_nik(client, officer, village_b):
    MemberFactory(household=HouseholdFactory(village=village_b), nik=HEAD_NIK, birth_date=HEAD_BORN)
    entry = household_entry(members=[wife(relation="head"), head(relation="husband")])

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["members"][0] == {}
    assert answer["errors"]["members"][1]["nik"] == [
        {"message": in_indonesian(NIK_TAKEN_MESSAGE), "code": "unique"}
    ]
    assert not Household.objects.filter(no_kk=KK).exists()


def test_second_household_of_a_batch_with_a_nik_the_first_registered_is_rejected(client, officer):
    first = household_entry()
    second = household_entry(no_kk=make_kk(77), members=[head(name="Sumarno Lain")])

    answers = results(send(client, [first, second]))

    assert [a["status"] for a in answers] == ["accepted", "rejected"]
    assert "nik" in answers[1]["errors"]["members"][0]
    assert Household.objects.count() == 1
    # Corrected on the device and sent again under the same id: accepted now.
    second["members"] = [head(name="Sumarno Lain", nik=nik_for(HEAD_BORN, "L", 555))]
    (again,) = results(send(client, [second]))
    assert again["status"] == "accepted"


def test_a_household_without_members_is_rejected(client, officer):
    (answer,) = results(send(client, [household_entry(members=[])]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["__all__"] == [
        {"message": text("A household needs at least one member."), "code": "no_members"}
    ]


def test_departure_of_someone_not_a_cpmi_is_rejected(client, officer, village_a):
    pmi = MemberFactory(household=HouseholdFactory(village=village_a), **PMI)

    (answer,) = results(send(client, [departure_entry(pmi)]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["__all__"][0]["message"] == text("Only a CPMI can be marked as departed.")


# Sent twice, interrupted ------------------------------------------------------------------


def test_the_same_batch_sent_again_writes_nothing_and_gets_the_same_answers(client, officer, cpmi):
    batch = [household_entry(), departure_entry(cpmi), household_entry(no_kk="bad")]
    first = results(send(client, batch))
    counts = (
        Household.objects.count(),
        Member.objects.count(),
        Member.history.count(),
        Household.history.count(),
    )

    second = results(send(client, batch))

    assert second == first
    assert [a["status"] for a in first] == ["accepted", "accepted", "rejected"]
    assert (
        Household.objects.count(),
        Member.objects.count(),
        Member.history.count(),
        Household.history.count(),
    ) == counts
    assert OfflineEntry.objects.count() == 2


@contextlib.contextmanager
def connection_lost_at_the_second_entry(monkeypatch, step):
    """The server goes away while it applies the batch's second entry
    (``step``: the service applying one entry)."""
    apply = getattr(services, step)
    calls = []

    def dies_on_the_second(**kwargs):
        calls.append(kwargs["entry"].client_id)
        if len(calls) == 2:
            raise ConnectionError("the server went away")
        return apply(**kwargs)

    monkeypatch.setattr(services, step, dies_on_the_second)
    yield
    monkeypatch.setattr(services, step, apply)


def test_an_interrupted_sync_sent_again_writes_each_entry_once(client, officer, monkeypatch):
    batch = [
        household_entry(),
        household_entry(no_kk=make_kk(78), members=[head(nik=nik_for(HEAD_BORN, "L", 9))]),
    ]
    with connection_lost_at_the_second_entry(monkeypatch, "_apply_household"):
        client.raise_request_exception = False
        assert send(client, batch).status_code == 500
    assert Household.objects.count() == 1  # the first one stays accepted

    answers = results(send(client, batch))

    assert [a["status"] for a in answers] == ["accepted", "accepted"]
    assert Household.objects.count() == 2
    assert Member.objects.count() == 3
    assert OfflineEntry.objects.count() == 2


def second_cpmi(cpmi):
    return MemberFactory(household=cpmi.household, name="Rina Wati", sex="P", relation="child", **CPMI)


def test_two_departures_from_one_household_in_one_batch_are_both_applied(client, officer, cpmi):
    """Both recorded on the device over the version it saw; the first one's
    change is the device's own, so the second is no conflict."""
    sister = second_cpmi(cpmi)
    entries = [departure_entry(cpmi), departure_entry(sister)]

    answers = results(send(client, entries))

    assert [a["status"] for a in answers] == ["accepted", "accepted"]
    assert set(
        Member.objects.filter(pk__in=[cpmi.pk, sister.pk]).values_list("migration_status", flat=True)
    ) == {"pmi"}
    assert Household.objects.get(pk=cpmi.household_id).version == entries[0]["base_version"] + 2


def test_an_interrupted_batch_with_two_departures_from_one_household_is_applied_once_each(
    client, officer, cpmi, monkeypatch
):
    sister = second_cpmi(cpmi)
    entries = [departure_entry(cpmi), departure_entry(sister)]
    with connection_lost_at_the_second_entry(monkeypatch, "_apply_status_change"):
        client.raise_request_exception = False
        assert send(client, entries).status_code == 500

    answers = results(send(client, entries))

    assert [a["status"] for a in answers] == ["accepted", "accepted"]
    sister.refresh_from_db()
    assert sister.migration_status == "pmi"
    assert OfflineEntry.objects.count() == 2


def test_a_change_by_someone_else_between_two_entries_of_a_batch_is_still_a_conflict(client, officer, cpmi):
    sister = second_cpmi(cpmi)
    first, second = departure_entry(cpmi), departure_entry(sister)
    results(send(client, [first]))
    household = Household.objects.get(pk=cpmi.household_id)
    household.dusun = "Sumberejo"
    household_save(household=household, user=officer, version=household.version)

    (answer,) = results(send(client, [first, second]))[1:]

    assert answer["status"] == "conflict"
    sister.refresh_from_db()
    assert sister.migration_status == "cpmi"


@pytest.mark.django_db(transaction=True)
def test_the_same_entry_in_two_syncs_at_once_is_written_once(officer_a, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs two connections writing at once: PostgreSQL (SQLite writes one at a time)")
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(officer_a)
        clients.append(client)
    barrier = threading.Barrier(2)
    claim = OfflineEntry.objects.create

    def claim_together(**kwargs):
        # Both syncs found no answer stored; now both claim the entry at once.
        barrier.wait(timeout=20)
        return claim(**kwargs)

    monkeypatch.setattr(OfflineEntry.objects, "create", claim_together)
    entry = household_entry()
    answers = [None, None]

    def sync(i):
        try:
            answers[i] = results(send(clients[i], [entry]))
        finally:
            connection.close()

    threads = [threading.Thread(target=sync, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert answers[0] == answers[1]
    assert answers[0][0]["status"] == "accepted"
    assert Household.objects.count() == 1
    assert Member.objects.count() == 2


# Conflicts --------------------------------------------------------------------------------


def test_departure_over_a_record_changed_since_is_a_conflict_with_the_servers_version(client, officer, cpmi):
    entry = departure_entry(cpmi)
    household = Household.objects.get(pk=cpmi.household_id)
    household.dusun = "Sumberejo"
    household_save(household=household, user=officer)  # someone saved it after the device read it

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "conflict"
    assert answer["message"] == text(
        "This household was changed on the server after this device last saw it, so nothing has "
        "been saved. Compare the two versions: keep the server's, or send yours again to replace it."
    )
    record = answer["record"]
    assert (record["id"], record["version"], record["dusun"]) == (
        household.pk,
        household.version,
        "Sumberejo",
    )
    assert record["members"][0]["migration_status"] == "cpmi"
    cpmi.refresh_from_db()
    assert cpmi.migration_status == "cpmi"  # nothing overwritten
    assert not OfflineEntry.objects.exists()

    # The officer chose their own version: the device sends it again over the server's.
    entry["base_version"] = record["version"]
    (again,) = results(send(client, [entry]))
    assert again["status"] == "accepted"


def test_edit_over_a_household_changed_since_is_a_conflict_and_changes_nothing(client, officer, village_a):
    household = HouseholdFactory(village=village_a, dusun="Krajan")
    MemberFactory(household=household)
    seen = household.version
    household_save(household=household, user=officer)
    entry = {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "household": household.pk,
        "base_version": seen,
        "dusun": "Sumberejo",
    }

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "conflict"
    assert answer["record"]["version"] == seen + 1
    household.refresh_from_db()
    assert household.dusun == "Krajan"


# Scope and roles --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SYNC, DATA])
def test_officer_of_another_village_gets_404(client, officer_b, url):
    client.force_login(officer_b)

    response = client.post(url, "{}", content_type="application/json") if url == SYNC else client.get(url)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ["regency_user", "province_user", "ministry_user", "administrator"])
@pytest.mark.parametrize("url", [SYNC, DATA])
def test_regency_staff_and_above_have_no_offline_mode(client, request, role, url):
    client.force_login(request.getfixturevalue(role))

    response = send(client, [household_entry()]) if url == SYNC else client.get(url)

    assert response.status_code == 403
    assert response.json() == {
        "code": "no_offline_mode",
        "detail": text("Regency staff and above have no offline mode."),
    }
    assert not Household.objects.exists()


def test_entry_naming_another_villages_member_is_rejected(client, officer, village_b):
    other = MemberFactory(household=HouseholdFactory(village=village_b), **CPMI)

    (answer,) = results(send(client, [departure_entry(other)]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["member"][0]["code"] == "not_found"
    other.refresh_from_db()
    assert other.migration_status == "cpmi"


def test_edit_of_another_villages_household_is_rejected(client, officer, village_b):
    other = HouseholdFactory(village=village_b, dusun="Krajan")
    MemberFactory(household=other)
    entry = household_entry(household=other.pk, base_version=other.version, dusun="Sumberejo", members=[])

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "rejected"
    assert answer["errors"]["household"][0]["code"] == "not_found"
    other.refresh_from_db()
    assert other.dusun == "Krajan"


def test_fields_the_forms_do_not_have_are_never_written(client, officer, village_b):
    other = HouseholdFactory(village=village_b)
    entry = household_entry(
        members=[
            head(
                household=other.pk,
                id=None,
                match_key="x",
                created_at="2001-01-01T00:00:00",
                history_user=1,
                role="administrator",
            )
        ],
        id=999_999,
        village=B,
        role=Role.ADMINISTRATOR,
        history=[{"history_user": 1}],
        version=77,
        created_at="2001-01-01T00:00:00",
        history_change_reason="import",
        user=1,
    )

    (answer,) = results(send(client, [entry]))

    assert answer["status"] == "accepted", answer
    household = Household.objects.get(no_kk=KK)
    assert (household.village_id, household.version) == (A, 1)
    assert household.pk != 999_999
    assert household.created_at.year > 2001
    assert household.history.get().history_change_reason == "offline entry"
    member = household.members.get()
    assert member.match_key != "x"
    assert not other.members.exists()
    officer.refresh_from_db()
    assert (officer.role, officer.is_superuser) == (Role.VILLAGE_OFFICER, False)


# Bad requests -----------------------------------------------------------------------------

BAD_BODIES = {
    "not JSON": "{entries: [",
    "not an object": "[1, 2]",
    "entries not a list": json.dumps({"entries": "all of them"}),
    "entry not an object": json.dumps({"entries": ["household"]}),
    "no client id": json.dumps({"entries": [{"kind": "household"}]}),
    "client id not a UUID": json.dumps({"entries": [{"client_id": "1", "kind": "household"}]}),
    "unknown kind": json.dumps({"entries": [{"client_id": str(uuid.uuid4()), "kind": "delete"}]}),
    "members not a list": json.dumps(
        {"entries": [{"client_id": str(uuid.uuid4()), "kind": "household", "members": "Sumarno"}]}
    ),
    "a field holding an object": json.dumps(
        {"entries": [{"client_id": str(uuid.uuid4()), "kind": "household", "no_kk": {"$gt": ""}}]}
    ),
    "a NUL character": json.dumps(
        {"entries": [{"client_id": str(uuid.uuid4()), "kind": "household", "dusun": "Kra\x00jan"}]}
    ),
    "member id not a number": json.dumps(
        {"entries": [{"client_id": str(uuid.uuid4()), "kind": "departure", "member": "12; DROP"}]}
    ),
    "version not a number": json.dumps(
        {"entries": [{"client_id": str(uuid.uuid4()), "kind": "departure", "member": 1, "base_version": "1"}]}
    ),
    "one member named twice": json.dumps(
        {
            "entries": [
                {
                    "client_id": str(uuid.uuid4()),
                    "kind": "household",
                    "household": 1,
                    "members": [{"id": 5}, {"id": 5}],
                }
            ]
        }
    ),
    "too many entries": json.dumps({"entries": [household_entry() for _ in range(services.MAX_ENTRIES + 1)]}),
    "nested too deep": "[" * 100_000,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_malformed_request_is_refused_with_400_and_writes_nothing(client, officer, body):
    response = send(client, body=body)

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "bad_request" and answer["detail"]
    assert not Household.objects.exists()
    assert not OfflineEntry.objects.exists()


def test_a_form_post_instead_of_json_is_refused_with_400(client, officer):
    response = client.post(SYNC, {"entries": "x"})

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_request_over_the_size_limit_is_refused_with_a_clear_message(client, officer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = send(client, [household_entry() for _ in range(10)])

    assert response.status_code == 400
    assert response.json()["detail"] == text("The request is too large: send fewer entries at a time.")


# Signed out, CSRF -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SYNC, DATA])
def test_signed_out_device_gets_a_json_answer_it_can_recognise(client, villages, url):
    response = send(client, [household_entry()], url=url) if url == SYNC else client.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "signed_out"


def test_session_expired_while_offline_gets_signed_out_not_the_login_page(client, officer):
    session = client.session
    session["last_seen_at"] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 60
    session.save()

    response = send(client, [household_entry()])

    assert response.status_code == 403
    assert response.json()["code"] == "signed_out"
    assert not Household.objects.exists()


def test_sync_needs_the_csrf_token_like_every_form(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)
    body = json.dumps({"entries": [household_entry()]})

    refused = client.post(SYNC, body, content_type="application/json")
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = client.post(SYNC, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert Household.objects.count() == 1


# The device's data ------------------------------------------------------------------------


def test_officer_gets_own_villages_households_with_full_niks(client, officer, cpmi, village_b):
    MemberFactory(household=HouseholdFactory(village=village_b), name="Orang Lohgung")

    response = client.get(DATA)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    household = cpmi.household
    assert data["village"] == {"code": A, "name": "Brengkok"}
    assert data["full_ids"] is True
    assert data["households"] == [
        {
            "id": household.pk,
            "no_kk": household.no_kk,
            "version": household.version,
            "members": [{"id": cpmi.pk, "name": "Dewi Sartika", "nik": cpmi.nik, "status": "cpmi"}],
        }
    ]
    assert IdNumberAccess.objects.get(user=officer).count == 1


def test_offline_data_masks_numbers_for_those_who_see_them_masked(cpmi):
    data = services.offline_data(village=cpmi.household.village, full_ids=False)

    (household,) = data["households"]
    assert household["no_kk"] == cpmi.household.no_kk[:6] + "•" * 10
    assert household["members"][0]["nik"] == cpmi.nik[:6] + "•" * 10


def fill(village, households):
    for n in range(households):
        household = HouseholdFactory(village=village, no_kk=make_kk(1000 + n))
        MemberFactory(household=household, nik=nik_for(HEAD_BORN, "L", 1000 + 2 * n))
        MemberFactory(household=household, nik=nik_for(HEAD_BORN, "L", 1001 + 2 * n), relation="child")


# Session, user, the village with its area path, the households, their
# members, the full-NIK access log.
DATA_BUDGET = 6 + SESSION_WRITE


@pytest.mark.parametrize("households", [2, 20])
def test_offline_data_costs_the_same_queries_for_2_or_20_households(
    client, officer, village_a, households, django_assert_max_num_queries
):
    fill(village_a, households)

    with django_assert_max_num_queries(DATA_BUDGET):
        response = client.get(DATA)

    assert len(response.json()["households"]) == households
