"""Departure (CPMI -> PMI), return (PMI -> PMI purna) and the history of
changes a member page shows."""

import datetime
import html

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.timezone import localtime

from desmigratif.dates import latest_today
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.html_forms import form_data
from tests.villages.registry_helpers import CPMI, PMI, RETURNEE, errors_next_to_fields, fill_member_form
from villages.models import Member
from villages.services import member_mark_departed, member_mark_returned

A = "35.24.07.2004"


def today():
    """The portal's day (TIME_ZONE, Jakarta), not the server's: from 17:00 UTC
    on, Jakarta is a day ahead of a server on UTC."""
    return timezone.localdate()


def tomorrow():
    """A day after the date anywhere in Indonesia (Papua is 2 hours ahead of
    Jakarta): in the future in every village."""
    return latest_today() + datetime.timedelta(days=1)


def text(message):
    with translation.override("id"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


def page_text(response):
    """The page's HTML with entities decoded (→, –, quotes)."""
    return html.unescape(response.content.decode())


def shown_time(moment):
    """A history entry's time as the Indonesian page writes it: "2 Des 2026 14.05"."""
    with translation.override("id"):
        return date_format(localtime(moment), "DATETIME_FORMAT")


def change_line(field_name, old, new):
    """One line of a history entry as the member page writes it: "Label: old → new"."""
    with translation.override("id"):
        label = capfirst(str(Member._meta.get_field(field_name).verbose_name))
    return f"{label}: {old or '–'} → {new or '–'}"


def status_label(status):
    return text(Member.Status(status).label)


@pytest.fixture
def officer(client, officer_a):
    client.force_login(officer_a)
    return officer_a


@pytest.fixture
def household(village_a):
    return HouseholdFactory(village=village_a)


@pytest.fixture
def cpmi(household):
    return MemberFactory(
        household=household, name="Dewi Sartika", sex="P", **{**CPMI, "placement_agency": "PT Awal"}
    )


@pytest.fixture
def pmi(household):
    return MemberFactory(household=household, name="Nur Hidayah", sex="P", relation="wife", **PMI)


def depart_url(member):
    return f"/desa/{A}/anggota/{member.pk}/berangkat/"


def return_url(member):
    return f"/desa/{A}/anggota/{member.pk}/pulang/"


def member_url(member):
    return f"/desa/{A}/anggota/{member.pk}/"


def post_form(client, url, **fields):
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response)
    data.update(fields)
    return client.post(url, data)


# Departure


def test_officer_marks_a_cpmi_as_departed(client, officer, cpmi):
    response = post_form(
        client, depart_url(cpmi), departure_date="2024-02-01", sector="informal", channel="procedural"
    )

    assert response.status_code == 302
    assert response["Location"] == member_url(cpmi)
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.PMI
    assert cpmi.departure_date == datetime.date(2024, 2, 1)
    assert cpmi.sector == Member.Sector.INFORMAL
    assert cpmi.channel == Member.Channel.PROCEDURAL
    assert cpmi.destination_country == "TW"  # kept from the CPMI record
    assert cpmi.placement_agency == "PT Awal"  # shown in the form and sent back as it was


def test_departure_keeps_the_earlier_status_in_the_history(client, officer, cpmi):
    post_form(client, depart_url(cpmi), departure_date="2024-02-01", sector="formal")

    before, after = cpmi.history.order_by("history_date", "history_id")
    assert (before.migration_status, before.departure_date, before.sector) == ("cpmi", None, "")
    assert after.migration_status == "pmi"
    assert after.history_user == officer
    assert after.history_change_reason == "departed"


def test_member_page_shows_who_marked_the_departure_and_the_earlier_status(client, officer, cpmi):
    post_form(client, depart_url(cpmi), departure_date="2024-02-01", sector="formal")

    page = page_text(client.get(member_url(cpmi)))

    record = cpmi.history.latest()
    assert officer.get_full_name() in page
    assert shown_time(record.history_date) in page
    assert f"({text('departed')})" in page
    assert change_line("migration_status", status_label("cpmi"), status_label("pmi")) in page
    assert change_line("departure_date", "", "1 Feb 2024") in page
    assert change_line("sector", "", text(Member.Sector.FORMAL.label)) in page


@pytest.mark.parametrize("status", ["family", "pmi", "returnee"])
def test_only_a_cpmi_can_be_marked_as_departed(client, officer, household, status):
    traits = {"pmi": PMI, "returnee": RETURNEE}.get(status, {})
    member = MemberFactory(household=household, **traits)
    records = member.history.count()

    response = post_form(client, depart_url(member), departure_date="2024-02-01", sector="formal")

    assert response.status_code == 200
    message = text("Only a CPMI can be marked as departed.")
    assert list(response.context["form"].non_field_errors()) == [message]
    assert message in page_text(response)
    member.refresh_from_db()
    assert member.migration_status == status
    assert member.history.count() == records


def test_departure_date_in_the_future_is_refused(client, officer, cpmi):
    response = post_form(client, depart_url(cpmi), departure_date=tomorrow().isoformat(), sector="formal")

    assert response.status_code == 200
    assert (
        text("The departure date cannot be in the future.")
        in errors_next_to_fields(response)["departure_date"]
    )
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.CPMI
    assert cpmi.departure_date is None


def test_departure_today_is_accepted(client, officer, cpmi):
    response = post_form(client, depart_url(cpmi), departure_date=today().isoformat(), sector="formal")

    assert response.status_code == 302


# 00:30 on 5 December in Jakarta (WIB, UTC+7) and in Jayapura (WIT, UTC+9),
# while a server on UTC is still on 4 December.
FIRST_HOUR_OF_5_DECEMBER = {
    "jakarta": datetime.datetime(2026, 12, 4, 17, 30, tzinfo=datetime.UTC),
    "jayapura": datetime.datetime(2026, 12, 4, 15, 30, tzinfo=datetime.UTC),
}


def post_status(client, form, member, date):
    if form == "departure":
        return post_form(client, depart_url(member), departure_date=date, sector="formal")
    return post_form(client, return_url(member), return_date=date)


@pytest.mark.parametrize("where", FIRST_HOUR_OF_5_DECEMBER)
@pytest.mark.parametrize("form", ["departure", "return"])
def test_the_date_of_today_is_accepted_in_the_first_hour_of_the_day_in_any_zone(
    client, officer, cpmi, pmi, form, where
):
    member = cpmi if form == "departure" else pmi
    with time_machine.travel(FIRST_HOUR_OF_5_DECEMBER[where], tick=False):
        response = post_status(client, form, member, "2026-12-05")

    assert response.status_code == 302, errors_next_to_fields(response)
    member.refresh_from_db()
    assert getattr(member, f"{form}_date") == datetime.date(2026, 12, 5)


@pytest.mark.parametrize("form", ["departure", "return"])
def test_the_next_day_in_papua_is_still_refused(client, officer, cpmi, pmi, form):
    member = cpmi if form == "departure" else pmi
    with time_machine.travel(FIRST_HOUR_OF_5_DECEMBER["jayapura"], tick=False):
        response = post_status(client, form, member, "2026-12-06")

    assert f"{form}_date" in errors_next_to_fields(response)
    member.refresh_from_db()
    assert getattr(member, f"{form}_date") != datetime.date(2026, 12, 6)


def test_departure_form_shows_the_channel_and_agency_already_recorded(client, officer, cpmi):
    data = form_data(client.get(depart_url(cpmi)))

    assert data["channel"] == Member.Channel.PROCEDURAL
    assert data["placement_agency"] == "PT Awal"


def test_departure_form_changes_or_clears_the_recorded_channel_and_agency(client, officer, cpmi):
    response = post_form(
        client,
        depart_url(cpmi),
        departure_date="2024-02-01",
        sector="informal",
        channel="non_procedural",
        placement_agency="",
    )

    assert response.status_code == 302
    cpmi.refresh_from_db()
    assert (cpmi.channel, cpmi.placement_agency) == (Member.Channel.NON_PROCEDURAL, "")


@pytest.mark.parametrize("method", ["get", "post"])
def test_officer_of_another_village_cannot_open_the_departure_form(client, officer_b, cpmi, method):
    client.force_login(officer_b)

    response = getattr(client, method)(depart_url(cpmi), {"departure_date": "2024-02-01", "sector": "formal"})

    assert response.status_code == 404
    assert "PT Awal" not in response.content.decode()
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.CPMI


@pytest.mark.parametrize("missing", ["departure_date", "sector"])
def test_departure_needs_a_date_and_a_sector(client, officer, cpmi, missing):
    fields = {"departure_date": "2024-02-01", "sector": "formal", missing: ""}

    response = post_form(client, depart_url(cpmi), **fields)

    assert missing in errors_next_to_fields(response)
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.CPMI


# Return


def test_officer_marks_a_pmi_as_returned(client, officer, pmi):
    response = post_form(
        client, return_url(pmi), return_date="2024-06-30", business_status="wants", training_wishes="Menjahit"
    )

    assert response.status_code == 302
    assert response["Location"] == member_url(pmi)
    pmi.refresh_from_db()
    assert pmi.migration_status == Member.Status.RETURNEE
    assert pmi.return_date == datetime.date(2024, 6, 30)
    assert pmi.business_status == Member.Business.WANTS
    assert pmi.training_wishes == "Menjahit"
    assert pmi.departure_date == datetime.date(2021, 3, 1)
    assert pmi.destination_country == "HK"


def test_return_keeps_the_earlier_status_in_the_history(client, officer, pmi):
    post_form(client, return_url(pmi), return_date="2024-06-30")

    before, after = pmi.history.order_by("history_date", "history_id")
    assert (before.migration_status, before.return_date) == ("pmi", None)
    assert (after.migration_status, after.return_date) == ("returnee", datetime.date(2024, 6, 30))
    assert after.history_user == officer
    assert after.history_change_reason == "returned"


def test_member_page_shows_who_marked_the_return_and_the_earlier_status(client, officer, pmi):
    post_form(client, return_url(pmi), return_date="2024-06-30")

    page = page_text(client.get(member_url(pmi)))

    assert officer.get_full_name() in page
    assert f"({text('returned')})" in page
    assert change_line("migration_status", status_label("pmi"), status_label("returnee")) in page
    assert change_line("return_date", "", "30 Jun 2024") in page


@pytest.mark.parametrize("status", ["cpmi", "family", "returnee"])
def test_only_a_pmi_can_be_marked_as_returned(client, officer, household, status):
    traits = {"cpmi": CPMI, "returnee": RETURNEE}.get(status, {})
    member = MemberFactory(household=household, **traits)
    records = member.history.count()

    response = post_form(client, return_url(member), return_date="2024-06-30")

    assert response.status_code == 200
    message = text("Only a PMI working abroad can be marked as returned.")
    assert list(response.context["form"].non_field_errors()) == [message]
    assert message in page_text(response)
    member.refresh_from_db()
    assert member.migration_status == status
    assert member.history.count() == records


def test_return_date_in_the_future_is_refused(client, officer, pmi):
    response = post_form(client, return_url(pmi), return_date=tomorrow().isoformat())

    assert text("The return date cannot be in the future.") in errors_next_to_fields(response)["return_date"]
    pmi.refresh_from_db()
    assert pmi.migration_status == Member.Status.PMI


def test_return_before_the_departure_is_refused(client, officer, pmi):
    response = post_form(client, return_url(pmi), return_date="2021-02-28")  # left 01/03/2021

    message = text("The return date cannot be before the departure date.")
    assert errors_next_to_fields(response)["return_date"] == [message]
    pmi.refresh_from_db()
    assert pmi.migration_status == Member.Status.PMI
    assert pmi.return_date is None


def test_return_on_the_departure_day_is_accepted(client, officer, pmi):
    response = post_form(client, return_url(pmi), return_date="2021-03-01")

    assert response.status_code == 302


def test_services_refuse_the_wrong_status_without_changing_the_member(cpmi, pmi):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        member_mark_returned(member=Member.objects.get(pk=cpmi.pk), return_date=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        member_mark_departed(member=Member.objects.get(pk=pmi.pk), departure_date=datetime.date(2024, 1, 1))

    assert Member.objects.get(pk=cpmi.pk).migration_status == "cpmi"
    assert Member.objects.get(pk=pmi.pk).migration_status == "pmi"


def test_depart_then_return_keeps_each_step_in_the_history(cpmi, officer_a):
    member_mark_departed(
        member=cpmi, departure_date=datetime.date(2022, 1, 10), sector="informal", user=officer_a
    )
    member_mark_returned(member=cpmi, return_date=datetime.date(2024, 1, 10), user=officer_a)

    steps = cpmi.history.order_by("history_date", "history_id")
    assert [s.migration_status for s in steps] == ["cpmi", "pmi", "returnee"]
    assert [s.history_change_reason for s in steps] == [None, "departed", "returned"]


# The buttons on the member page


def test_member_page_offers_the_next_step_of_the_status(client, officer, cpmi, pmi):
    cpmi_page = client.get(member_url(cpmi)).content.decode()
    pmi_page = client.get(member_url(pmi)).content.decode()

    assert depart_url(cpmi) in cpmi_page
    assert return_url(cpmi) not in cpmi_page
    assert return_url(pmi) in pmi_page
    assert depart_url(pmi) not in pmi_page


@pytest.mark.parametrize("role", ["province_user", "ministry_user"])
def test_readers_are_not_offered_status_changes(client, request, cpmi, role):
    client.force_login(request.getfixturevalue(role))

    page = client.get(member_url(cpmi)).content.decode()

    assert depart_url(cpmi) not in page
    assert f"/rumah-tangga/{cpmi.household.pk}/ubah/" not in page


@pytest.mark.parametrize("role", ["province_user", "ministry_user"])
def test_readers_cannot_post_a_departure(client, request, cpmi, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(depart_url(cpmi), {"departure_date": "2024-02-01", "sector": "formal"})

    assert response.status_code == 403
    cpmi.refresh_from_db()
    assert cpmi.migration_status == Member.Status.CPMI


def test_officer_of_another_village_cannot_post_a_return(client, officer_b, pmi):
    client.force_login(officer_b)

    response = client.post(return_url(pmi), {"return_date": "2024-06-30"})

    assert response.status_code == 404
    pmi.refresh_from_db()
    assert pmi.migration_status == Member.Status.PMI


# History of edits made in the household form


def edit_member_in_household_form(client, member, **fields):
    url = f"/desa/{A}/rumah-tangga/{member.household.pk}/ubah/"
    data = form_data(client.get(url))
    index = next(
        i for i in range(int(data["members-TOTAL_FORMS"])) if data[f"members-{i}-id"] == str(member.pk)
    )
    fill_member_form(data, index, **fields)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["members"].errors
    return response


def test_editing_a_member_in_the_household_form_records_who_changed_what(client, officer, household):
    member = MemberFactory(household=household, education="sd", name="Sutrisno")

    edit_member_in_household_form(client, member, education="sma", name="Sutrisno Hadi")

    latest = member.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == officer
    assert (latest.education, latest.name) == ("sma", "Sutrisno Hadi")
    assert member.history.earliest().education == "sd"


def test_member_page_shows_who_when_and_what_changed_with_readable_labels(client, officer, household):
    member = MemberFactory(household=household, education="sd", name="Sutrisno", **CPMI)
    edit_member_in_household_form(
        client,
        member,
        education="sma",
        name="Sutrisno Hadi",
        destination_country="HK",
        channel="non_procedural",
    )

    page = page_text(client.get(member_url(member)))

    record = member.history.latest()
    words = " ".join(strip_tags(page).split())
    assert f"{shown_time(record.history_date)} · {officer.get_full_name()} · {text('changed')}" in words
    assert change_line("education", "SD", text(Member.Education.SMA.label)) in page
    assert change_line("name", "Sutrisno", "Sutrisno Hadi") in page
    assert change_line("destination_country", "Taiwan", "Hong Kong") in page
    assert change_line("channel", text("Procedural"), text("Non-procedural")) in page
    assert "non_procedural" not in page.split("h-history")[1]  # labels, not stored codes


@pytest.mark.parametrize(
    "role", ["officer_a", "regency_user", "province_user", "ministry_user", "administrator"]
)
def test_history_is_shown_to_every_user_in_scope(client, request, officer_a, household, role):
    member = MemberFactory(household=household, education="sd")
    member.education = "smp"
    member._history_user = officer_a
    member.save()
    client.force_login(request.getfixturevalue(role))

    page = page_text(client.get(member_url(member)))

    assert officer_a.get_full_name() in page
    assert change_line("education", "SD", "SMP") in page


def test_nik_change_in_the_history_is_masked_for_masked_viewers(client, officer_a, regency_user, household):
    member = MemberFactory(household=household, nik="3524071205900009")
    member.nik = "3524071205900001"
    member._history_user = officer_a
    member.save()

    client.force_login(officer_a)
    full = page_text(client.get(member_url(member)))
    client.force_login(regency_user)
    masked = page_text(client.get(member_url(member)))

    assert change_line("nik", "3524071205900009", "3524071205900001") in full
    assert change_line("nik", "352407••••••••••", "352407••••••••••") in masked
    assert "3524071205900009" not in masked
    assert "0009" not in masked
    assert "0001" not in masked


def test_editing_one_member_adds_no_empty_entry_to_the_others_history(client, officer, household):
    """Saving the household form must not write "changed" entries, with no
    change in them, for the members the officer did not touch."""
    edited = MemberFactory(household=household, name="Sutrisno")
    untouched = MemberFactory(household=household, relation="wife", sex="P", name="Sumiati")

    edit_member_in_household_form(client, edited, name="Sutrisno Hadi")

    assert edited.history.count() == 2
    assert untouched.history.count() == 1


def test_member_page_of_a_record_without_history_shows_an_empty_history(client, officer, cpmi):
    """Records bulk-loaded without history rows must still open."""
    cpmi.history.all().delete()

    response = client.get(member_url(cpmi))

    assert response.status_code == 200
    assert response.context["history"] == []
