"""A re-import's memory, without wall time or big files: what the import
loads from the database for the rows it compares.

Re-importing 100,000 unchanged rows peaked at twice the memory of the first
import, because every registered member of the file was loaded as a model
instance (with its household as another) only to be found unchanged.
Counted here on small files: records made into model instances, and the
columns the lookups read. `make bench` measures the peak itself."""

import contextlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import imports
from tests.surveys.import_helpers import counts, many_rows, run_import, write_file
from villages.models import Household, Member

ROWS = 40


@contextlib.contextmanager
def loaded_instances(monkeypatch):
    """{model name: records the ORM made into instances} while the block runs
    (Model.from_db is how querysets, select_related included, build them)."""
    loaded = {"Household": 0, "Member": 0}
    for model in (Household, Member):
        real = model.from_db.__func__

        def from_db(cls, db, field_names, values, real=real):
            if cls.__name__ in loaded:
                loaded[cls.__name__] += 1
            return real(cls, db, field_names, values)

        monkeypatch.setattr(model, "from_db", classmethod(from_db))
    yield loaded
    monkeypatch.undo()


@pytest.fixture(params=[False, True], ids=["bulk", "copy"])
def copy_or_not(request, monkeypatch):
    """Both write paths: simple-history's helpers, and COPY (PostgreSQL only)."""
    if request.param:
        if connection.vendor != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
        monkeypatch.setattr(imports, "COPY_MIN_ROWS", 0)


def test_an_unchanged_re_import_makes_no_instance_of_a_registered_record(
    officer_a, tmp_path, monkeypatch, copy_or_not
):
    path = write_file(tmp_path, many_rows(ROWS))
    run_import("households", path, user=officer_a, write=True)

    with loaded_instances(monkeypatch) as loaded:
        report = run_import("households", path, user=officer_a, write=True)

    assert counts(report) == (0, 0, ROWS, 0)
    assert loaded == {"Household": 0, "Member": 0}


def test_a_corrected_re_import_loads_only_the_corrected_members(
    officer_a, tmp_path, monkeypatch, copy_or_not
):
    rows = many_rows(ROWS)
    run_import("households", write_file(tmp_path, rows, name="first"), user=officer_a, write=True)
    for row in rows[::10]:
        row["nama"] += " Purnomo"

    with loaded_instances(monkeypatch) as loaded:
        report = run_import(
            "households", write_file(tmp_path, rows, name="corrected"), user=officer_a, write=True
        )

    assert counts(report) == (0, ROWS // 10, ROWS - ROWS // 10, 0)
    assert loaded == {"Household": 0, "Member": ROWS // 10}
    corrected = Member.objects.filter(name__endswith=" Purnomo")
    assert corrected.count() == ROWS // 10
    assert all(member.history.count() == 2 for member in corrected)


def test_checking_a_re_import_reads_only_the_compared_columns(officer_a, tmp_path):
    """The lookups against the database select what the file can change (and
    the ids and keys to match on), not a whole record: no timestamps, no
    version, no derived search key."""
    path = write_file(tmp_path, many_rows(ROWS))
    run_import("households", path, user=officer_a, write=True)

    with CaptureQueriesContext(connection) as queries:
        report = run_import("households", path, user=officer_a, write=False)

    assert counts(report) == (0, 0, ROWS, 0)
    selects = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]
    member_table, household_table = Member._meta.db_table, Household._meta.db_table
    reading = [sql for sql in selects if member_table in sql or household_table in sql]
    assert reading, "the check looks the file's households and members up"
    for column in ("created_at", "updated_at", "version", "match_key"):
        for sql in reading:
            assert f'."{column}"' not in sql and f".{column}," not in sql, sql
