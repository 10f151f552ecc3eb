"""``manage.py import_survey``: the same check and write as the pages, with
exit codes 0 (written, or a clean dry run), 1 (rows rejected, nothing
written), 2 (bad command line or unreadable file) and 3 (the database or the
disk failed: one line, no traceback)."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from django.utils import translation

from tests.surveys.test_import_pages import (
    csv_bytes,
    household_rows,
    rows_with_errors,
    xlsx_bytes,
)
from villages.models import Household, Member, PartnerInstitution


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def run(*args):
    """(exit code, stdout) of the command, as the shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_survey", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def good_csv(tmp_path):
    path = tmp_path / "survei.csv"
    path.write_bytes(csv_bytes(household_rows()))
    return path


@pytest.fixture
def bad_xlsx(tmp_path):
    path = tmp_path / "survei.xlsx"
    path.write_bytes(xlsx_bytes(rows_with_errors()))
    return path


def test_dry_run_of_a_clean_file_exits_0_and_writes_nothing(villages, good_csv):
    code, out, _err = run("households", str(good_csv), "--dry-run")

    assert code == 0
    assert "  Rows: 4\n  Created: 4\n  Updated: 0\n  Unchanged: 0\n  Rejected: 0\n" in out
    assert "Dry run: no problem found, nothing written." in out
    assert not Member.objects.exists()


def test_a_clean_file_is_written_for_the_whole_country_without_a_user(villages, good_csv):
    code, out, _err = run("households", str(good_csv))

    assert code == 0
    assert "Written." in out
    assert Member.objects.count() == 4
    assert Household.objects.count() == 2
    history = Member.objects.get(name="Siti Aminah").history.get()
    assert (history.history_user, history.history_change_reason) == (None, "import")

    again, out, _err = run("households", str(good_csv))
    assert again == 0
    assert "  Unchanged: 4\n" in out


def test_rejected_rows_exit_1_with_each_reason_and_nothing_written(villages, bad_xlsx):
    code, out, message = run("households", str(bad_xlsx))

    assert code == 1
    assert "  Rejected: 2\n" in out
    assert "Row 3, nik: " in out
    assert "Row 5, tanggal_lahir: " in out
    assert message == "Nothing was written: correct the rejected rows and run the command again."
    assert not Member.objects.exists()


def test_a_dry_run_with_rejected_rows_exits_1(villages, bad_xlsx):
    assert run("households", str(bad_xlsx), "--dry-run")[0] == 1


def test_user_scope_applies_and_history_names_the_user(villages, officer_a, officer_b, good_csv):
    code, out, _err = run("households", str(good_csv), "--user", "officer_b")
    assert code == 1
    assert "outside your area" in out
    assert not Member.objects.exists()

    code, _out, _err = run("households", str(good_csv), "--user", "officer_a")
    assert code == 0
    assert Member.objects.get(name="Siti Aminah").history.get().history_user == officer_a


def test_partners_sheet_is_imported(villages, tmp_path):
    path = tmp_path / "mitra.csv"
    path.write_bytes(
        csv_bytes(
            [
                {
                    "kode_desa": "35.24.07.2004",
                    "nama_lembaga": "BUMDes Maju",
                    "jenis": "BUMDes",
                    "pilar": "2;4",
                }
            ],
            ("kode_desa", "nama_lembaga", "jenis", "pilar"),
        )
    )

    code, out, _err = run("partners", str(path))

    assert code == 0, out
    partner = PartnerInstitution.objects.get()
    assert (partner.village_id, partner.kind, partner.pillars) == ("35.24.07.2004", "bumdes", [2, 4])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rumah-tangga", "FILE"], "Unknown sheet type rumah-tangga"),
        (["households", "FILE", "--user", "nobody"], "There is no user nobody."),
        (["households", "FILE", "--user", "disnaker_jatim"], "Your role may not import data."),
        (["households", "missing.csv"], "There is no file missing.csv."),
    ],
    ids=["unknown-kind", "unknown-user", "read-only-role", "missing-file"],
)
def test_bad_command_lines_exit_2(villages, province_user, good_csv, args, message):
    args = [str(good_csv) if arg == "FILE" else arg for arg in args]

    code, _out, error = run(*args)

    assert code == 2
    assert message in error
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("survei.xlsx", b"kode_desa,no_kk\n", "This file is not an Excel workbook (.xlsx)"),
        ("survei.xlsx", b"PK\x03\x04broken zip", "This file is not an Excel workbook (.xlsx)"),
        ("survei.csv", b"kode_desa\n\x01\x02\xff\xfe\x81\n", "is not text in UTF-8 or Windows-1252"),
        ("survei.pdf", b"%PDF-1.4", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
    ],
    ids=["text-renamed-xlsx", "corrupt-zip", "binary-junk", "wrong-type"],
)
def test_unreadable_files_exit_2(villages, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    code, _out, error = run("households", str(path))

    assert code == 2
    assert message in error


def test_command_line_exit_code_reaches_the_shell(villages, bad_xlsx, monkeypatch):
    """run_from_argv turns CommandError(returncode=1) into sys.exit(1)."""
    from django.db import connections

    from surveys.management.commands.import_survey import Command

    # run_from_argv closes the database connections at the end; keep the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        Command(stdout=io.StringIO(), stderr=io.StringIO()).run_from_argv(
            ["manage.py", "import_survey", "households", str(bad_xlsx)]
        )
    assert exit_info.value.code == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OperationalError("server closed the connection unexpectedly\n\tThis probably means..."), "database"),
        (InterfaceError("connection already closed"), "database"),
        (OSError(28, "No space left on device"), "file"),
    ],
)
def test_an_infrastructure_failure_exits_3_with_one_line(villages, good_csv, monkeypatch, error, reason):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr("surveys.management.commands.import_survey.import_file", failing)

    code, _out, message = run("households", str(good_csv))

    assert code == 3
    assert "\n" not in message
    assert message.startswith("Import stopped, nothing was written:")
    assert reason in message
    assert not Member.objects.exists()


def test_an_unreachable_database_exits_3_from_the_shell_without_a_traceback(good_csv):
    environment = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:9/nothing", "LANGUAGE": "en"}

    finished = subprocess.run(
        [sys.executable, "manage.py", "import_survey", "households", str(good_csv), "--dry-run"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 3, finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Traceback" not in finished.stderr
    assert "nothing was written" in lines[0] or "tidak ada yang disimpan" in lines[0]
