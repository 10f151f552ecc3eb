"""Large household survey imports on PostgreSQL write new records with COPY
(surveys.imports.HistoryCopier) instead of simple-history's
bulk_create_with_history. What they store must be what that helper stores:
the same records and the same history, which the member page then shows.

COPY is used from COPY_MIN_ROWS new records up; these tests lower it so
that small files take that path, and compare with the helper's path."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from surveys import imports
from tests.household_factories import HouseholdFactory, MemberFactory
from tests.surveys.import_helpers import (
    HEAD_NIK,
    KK_1,
    WIFE_NIK,
    counts,
    many_rows,
    run_import,
    stored,
    survey_rows,
    write_file,
)
from villages.models import Household, Member
from villages.selectors import member_history

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

NOTHING = {"households": 0, "members": 0, "household_history": 0, "member_history": 0}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def copy_always(monkeypatch):
    monkeypatch.setattr(imports, "COPY_MIN_ROWS", 0)


def awkward_rows():
    """The survey and a few dozen more rows, with texts COPY's format must
    escape: tabs, backslashes, line breaks, its own NULL marker."""
    rows = survey_rows() + many_rows(40)
    for row in rows[:3]:  # household KK_1
        row["alamat"] = "Jl. Raya\\Brengkok\tNo. 1\nRT 1"
    rows[0].update(nama="Budi \\N Santoso", jabatan="\\N", p3mi="PT\tSejahtera\\")
    rows[1].update(nama="Siti Aminah", jabatan="PLRT\r\nlansia")
    return rows


def snapshot():
    """Everything the import stored, by natural key, without the ids and
    times that differ from one run to the next; checks that the history
    rows point at their record and carry its values."""
    households = {h.no_kk: h for h in Household.objects.all()}
    members = {m.nik: m for m in Member.objects.select_related("household")}
    ignored = {"id", "household_id", "created_at", "updated_at"}
    history_ignored = ignored | {"history_id", "history_date"}
    result = {"households": {}, "members": {}, "household_history": {}, "member_history": {}}
    for kk, household in households.items():
        result["households"][kk] = {
            f.attname: getattr(household, f.attname)
            for f in Household._meta.concrete_fields
            if f.attname not in ignored
        }
    for nik, member in members.items():
        values = {f.attname: getattr(member, f.attname) for f in Member._meta.concrete_fields}
        result["members"][nik] = {k: v for k, v in values.items() if k not in ignored}
        result["members"][nik]["no_kk"] = member.household.no_kk
    for model, records, key, name in (
        (Household, households, "no_kk", "household_history"),
        (Member, members, "nik", "member_history"),
    ):
        history_model = model.history.model
        for entry in history_model.objects.all():
            record = records[getattr(entry, key)]
            assert entry.id == record.pk
            assert entry.created_at == record.created_at
            if model is Member:
                assert entry.household_id == record.household_id
            values = {
                f.attname: getattr(entry, f.attname)
                for f in history_model._meta.concrete_fields
                if f.attname not in history_ignored
            }
            result[name].setdefault(getattr(entry, key), []).append(values)
    return result


def import_and_look(path, user, *, copy, monkeypatch):
    """Import, take the snapshot, and undo the import."""
    monkeypatch.setattr(imports, "COPY_MIN_ROWS", 0 if copy else 10**9)
    calls = []
    real = imports.HistoryCopier.create
    monkeypatch.setattr(
        imports.HistoryCopier,
        "create",
        lambda self, objs, model: calls.append(model) or real(self, objs, model),
    )
    with transaction.atomic():
        started = timezone.now()
        report = run_import("households", path, user=user, write=True)
        result = snapshot()
        history_dates = [
            *Household.history.values_list("history_date", flat=True),
            *Member.history.values_list("history_date", flat=True),
        ]
        assert all(started <= date <= timezone.now() for date in history_dates)
        transaction.set_rollback(True)
    assert calls == ([Household, Member] if copy else [])
    return report, result


@pytest.mark.parametrize("user_name", ["officer_a", None])
def test_copy_stores_what_simple_history_stores(request, village_a, tmp_path, monkeypatch, user_name):
    user = request.getfixturevalue(user_name) if user_name else None
    rows = awkward_rows()
    path = write_file(tmp_path, rows)

    bulk_report, by_helper = import_and_look(path, user, copy=False, monkeypatch=monkeypatch)
    copy_report, by_copy = import_and_look(path, user, copy=True, monkeypatch=monkeypatch)

    assert bulk_report.errors == copy_report.errors == []
    assert counts(copy_report) == counts(bulk_report) == (len(rows), 0, 0, 0)
    assert by_copy == by_helper
    assert len(by_copy["members"]) == len(rows)
    assert by_copy["members"][HEAD_NIK]["name"] == "Budi \\N Santoso"
    assert by_copy["members"][HEAD_NIK]["occupation"] == "\\N"
    assert by_copy["members"][HEAD_NIK]["placement_agency"] == "PT\tSejahtera\\"
    assert by_copy["households"][KK_1]["address"] == "Jl. Raya\\Brengkok\tNo. 1\nRT 1"
    entry = by_copy["member_history"][HEAD_NIK]
    assert entry == [
        {
            # The match key is derived from the name and date of birth: not in the history.
            **{k: v for k, v in by_copy["members"][HEAD_NIK].items() if k not in ("no_kk", "match_key")},
            "history_change_reason": "import",
            "history_type": "+",
            "history_user_id": user.pk if user else None,
        }
    ]


def test_copied_records_have_a_history_the_member_page_shows(officer_a, client, tmp_path, copy_always):
    run_import("households", write_file(tmp_path, survey_rows(), name="first"), user=officer_a, write=True)
    rows = survey_rows()
    rows[1]["nama"] = "Siti Aminah Rahayu"
    rows[0]["alamat"] = rows[1]["alamat"] = rows[2]["alamat"] = "Jl. Raya Brengkok No. 9"

    report = run_import(
        "households", write_file(tmp_path, rows, name="corrected"), user=officer_a, write=True
    )

    assert counts(report) == (0, 3, 1, 0)
    wife = Member.objects.get(nik=WIFE_NIK)
    added, changed = wife.history.order_by("history_id")
    assert (added.history_type, added.history_user, added.history_change_reason) == ("+", officer_a, "import")
    assert (changed.history_type, changed.history_user, changed.history_change_reason) == (
        "~",
        officer_a,
        "import",
    )
    assert changed.prev_record == added
    assert [c.field for c in changed.diff_against(added).changes] == ["name"]
    newest, oldest = member_history(member=wife)
    assert [(field.name, old, new) for field, old, new in newest["changes"]] == [
        ("name", "Siti Aminah", "Siti Aminah Rahayu")
    ]
    assert oldest["changes"] == []
    household = Household.objects.get(no_kk=KK_1)
    latest = household.history.first()
    assert latest.prev_record.address == "Jl. Raya Brengkok No. 1"
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["address"]

    client.force_login(officer_a)
    response = client.get(f"/desa/{wife.household.village_id}/anggota/{wife.pk}/")
    assert response.status_code == 200
    assert "Siti Aminah Rahayu" in response.content.decode()


def test_a_failure_while_copying_leaves_nothing_behind(village_a, tmp_path, monkeypatch, copy_always):
    real = imports.HistoryCopier._copy

    def failing(self, table, columns, lines):
        if table == Member._meta.db_table:
            raise RuntimeError("disk full")
        return real(self, table, columns, lines)

    monkeypatch.setattr(imports.HistoryCopier, "_copy", failing)

    with pytest.raises(RuntimeError):
        run_import("households", write_file(tmp_path, survey_rows()), write=True)

    assert stored() == NOTHING


def test_a_nik_registered_between_check_and_write_is_reported(village_a, tmp_path, monkeypatch, copy_always):
    """COPY's unique violation is an IntegrityError like an INSERT's: the user
    is told to check again and nothing of the file is written."""
    check = imports.HouseholdSurveyImport.check
    other = []

    def check_then_someone_saves(self, sheet, report, progress):
        plan = check(self, sheet, report, progress)
        household = HouseholdFactory(village=village_a)
        other.append(MemberFactory(household=household, nik=HEAD_NIK, birth_date=datetime.date(1990, 5, 12)))
        return plan

    monkeypatch.setattr(imports.HouseholdSurveyImport, "check", check_then_someone_saves)
    before = stored()

    report = run_import("households", write_file(tmp_path, survey_rows()), write=True)

    assert report.written is False
    assert [(e.row, e.column) for e in report.errors] == [(1, None)]
    assert "changed by someone else" in report.errors[0].message
    after = stored()
    assert after["members"] == before["members"] + 1  # the other record only
    assert not Member.objects.filter(nik__in=[row["nik"] for row in survey_rows()[1:]]).exists()


def test_large_files_are_copied(village_a, tmp_path, monkeypatch):
    created = []
    real = imports.bulk_create_with_history
    monkeypatch.setattr(
        imports,
        "bulk_create_with_history",
        lambda objs, model, **kwargs: created.append(model) or real(objs, model, **kwargs),
    )
    rows = many_rows(imports.COPY_MIN_ROWS)

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert counts(report) == (len(rows), 0, 0, 0)
    assert created == []
    assert stored()["member_history"] == len(rows)


@pytest.mark.parametrize("step", [1, 2], ids=["one-after-another", "with-gaps"])
def test_copied_records_get_the_ids_their_sequence_gives(village_a, tmp_path, copy_always, step):
    """The ids are usually one run of the sequence, taken as a range; when
    another session takes values at the same moment (a sequence stepping by
    2 makes the same gaps) each one is fetched. Either way every member,
    its household and its history agree, and the next insert gets a free id."""
    with connection.cursor() as cursor:
        for table in (Household._meta.db_table, Member._meta.db_table):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1000); "
                f"ALTER SEQUENCE {connection.ops.quote_name(table + '_id_seq')} INCREMENT BY {step}",
                [table],
            )
    rows = many_rows(30)

    report = run_import("households", write_file(tmp_path, rows), write=True)

    assert counts(report) == (len(rows), 0, 0, 0)
    ids = sorted(Member.objects.values_list("id", flat=True))
    assert len(ids) == len(rows) and ids[0] > 1000
    assert all(later - earlier >= step for earlier, later in zip(ids, ids[1:], strict=False))
    result = snapshot()  # every history row points at its record (asserted inside)
    assert len(result["member_history"]) == len(rows)
    member = Member.objects.select_related("household").get(id=ids[-1])
    assert member.household.members.filter(pk=member.pk).exists()
    MemberFactory(household=member.household)  # the sequence goes on past the copied ids
