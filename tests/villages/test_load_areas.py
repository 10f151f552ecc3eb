"""`manage.py load_areas`: the official area files into the Area table.

Most tests use the trimmed copy in tests/data/wilayah (5 provinces, 8
regencies, 8 districts, 91 villages; see SOURCE.md there). One slow test loads
the full files.
"""

import re
import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from villages.models import Area, AreaLevel
from villages.services import area_counts, areas_load

TRIMMED = {AreaLevel.PROVINCE: 5, AreaLevel.REGENCY: 8, AreaLevel.DISTRICT: 8, AreaLevel.VILLAGE: 91}
TRIMMED_TOTAL = sum(TRIMMED.values())
BRENGKOK_ROW = "35.24.07.2004,35.24.07,Brengkok"


def load_areas(folder):
    out = StringIO()
    call_command("load_areas", folder=str(folder), stdout=out)
    return out.getvalue()


def reported_numbers(output):
    """created, updated, unchanged, kept: the first four numbers of the report,
    whatever language it is written in."""
    return [int(n) for n in re.findall(r"\d+", output.splitlines()[0])[:4]]


@pytest.fixture
def area_copy(area_folder, tmp_path):
    """A writable copy of the trimmed files."""
    folder = tmp_path / "wilayah"
    shutil.copytree(area_folder, folder)
    return folder


def edit_csv(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def append_csv(path, line):
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def test_load_areas_creates_every_level(db, area_folder):
    output = load_areas(area_folder)

    assert area_counts() == TRIMMED
    assert reported_numbers(output) == [TRIMMED_TOTAL, 0, 0, 0]
    brengkok = Area.objects.select_related("parent__parent__parent").get(code="35.24.07.2004")
    assert [(a.code, a.name, a.level) for a in brengkok.path()] == [
        ("35", "Jawa Timur", AreaLevel.PROVINCE),
        ("35.24", "Kabupaten Lamongan", AreaLevel.REGENCY),
        ("35.24.07", "Brondong", AreaLevel.DISTRICT),
        ("35.24.07.2004", "Brengkok", AreaLevel.VILLAGE),
    ]


def test_load_areas_keeps_quoted_names_whole(db, area_copy):
    append_csv(area_copy / "villages.csv", '35.24.07.2099,35.24.07,"Sidomukti I, II"')

    load_areas(area_copy)

    assert Area.objects.get(code="35.24.07.2099").name == "Sidomukti I, II"


def test_second_run_changes_nothing(db, area_folder):
    load_areas(area_folder)
    before = dict(Area.objects.values_list("code", "name"))

    output = load_areas(area_folder)
    result = areas_load(folder=area_folder)

    assert reported_numbers(output) == [0, 0, TRIMMED_TOTAL, 0]
    assert (result.created, result.updated, result.unchanged, result.not_in_files) == (0, 0, TRIMMED_TOTAL, 0)
    assert dict(Area.objects.values_list("code", "name")) == before


def test_renamed_area_is_updated(db, area_folder, area_copy):
    load_areas(area_folder)
    edit_csv(area_copy / "villages.csv", BRENGKOK_ROW, f"{BRENGKOK_ROW} Baru")

    output = load_areas(area_copy)

    assert reported_numbers(output) == [0, 1, TRIMMED_TOTAL - 1, 0]
    assert Area.objects.get(code="35.24.07.2004").name == "Brengkok Baru"
    assert Area.objects.get(code="35.24.07.2001").name == "Lohgung"
    assert area_counts() == TRIMMED


def test_area_dropped_from_the_files_is_kept_and_counted(db, area_folder, area_copy):
    load_areas(area_folder)
    edit_csv(area_copy / "villages.csv", f"{BRENGKOK_ROW}\n", "")

    output = load_areas(area_copy)

    assert reported_numbers(output) == [0, 0, TRIMMED_TOTAL - 1, 1]
    assert Area.objects.filter(code="35.24.07.2004").exists()


@pytest.mark.parametrize(
    ("filename", "line", "mentioned"),
    [
        # a child whose parent is in no file
        ("villages.csv", "35.24.99.2001,35.24.99,Desa Tanpa Kecamatan", "35.24.99"),
        ("regencies.csv", "54.01,54,Kabupaten Tanpa Provinsi", "54"),
        # codes of the wrong shape
        ("villages.csv", "3524072099,35.24.07,Desa Tanpa Titik", "3524072099"),
        ("regencies.csv", "35.2X,35,Kabupaten Huruf", "35.2X"),
        ("districts.csv", "35.24.7,35.24,Kecamatan Pendek", "35.24.7"),
        # a code that is not under the parent named beside it
        ("villages.csv", "53.71.01.2099,35.24.07,Desa Salah Induk", "53.71.01.2099"),
        # an empty name
        ("villages.csv", "35.24.07.2099,35.24.07,", "35.24.07.2099"),
    ],
)
def test_bad_row_stops_the_load_with_a_clear_error_and_writes_nothing(
    db, area_copy, filename, line, mentioned
):
    append_csv(area_copy / filename, line)

    with pytest.raises(CommandError) as error:
        load_areas(area_copy)

    assert mentioned in str(error.value)
    assert Area.objects.count() == 0


def test_error_message_names_the_file_and_line(db, area_copy):
    append_csv(area_copy / "villages.csv", "3524072099,35.24.07,Desa Tanpa Titik")

    with pytest.raises(CommandError) as error:
        load_areas(area_copy)

    assert "villages.csv" in str(error.value)
    assert str(TRIMMED[AreaLevel.VILLAGE] + 2) in str(error.value)  # header is line 1


def test_bad_row_leaves_loaded_areas_as_they_were(db, area_folder, area_copy):
    load_areas(area_folder)
    edit_csv(area_copy / "villages.csv", BRENGKOK_ROW, f"{BRENGKOK_ROW} Baru")
    append_csv(area_copy / "villages.csv", "35.24.99.2001,35.24.99,Desa Tanpa Kecamatan")

    with pytest.raises(CommandError):
        load_areas(area_copy)

    assert Area.objects.get(code="35.24.07.2004").name == "Brengkok"
    assert area_counts() == TRIMMED


def test_missing_file_is_a_clear_error(db, area_copy):
    (area_copy / "districts.csv").unlink()

    with pytest.raises(CommandError) as error:
        load_areas(area_copy)

    assert "districts.csv" in str(error.value)
    assert Area.objects.count() == 0


def test_village_filed_under_its_regency_instead_of_its_district_is_rejected(db, area_copy):
    """The parent column must name the level just above: a village whose
    district_code is a regency code would hang one level too high."""
    append_csv(area_copy / "villages.csv", "35.24.07.2099,35.24,Desa Di Bawah Kabupaten")

    with pytest.raises(CommandError) as error:
        load_areas(area_copy)

    assert "35.24.07.2099" in str(error.value)
    assert Area.objects.count() == 0


def test_duplicate_code_is_a_clear_error(db, area_copy):
    append_csv(area_copy / "villages.csv", "35.24.07.2004,35.24.07,Brengkok Kembar")

    with pytest.raises(CommandError) as error:
        load_areas(area_copy)

    assert "35.24.07.2004" in str(error.value)
    assert Area.objects.count() == 0


@pytest.mark.slow
def test_full_official_files_load_every_area(db):
    load_areas(settings.BASE_DIR / "fixtures" / "wilayah")

    assert area_counts() == {
        AreaLevel.PROVINCE: 38,
        AreaLevel.REGENCY: 514,
        AreaLevel.DISTRICT: 7_285,
        AreaLevel.VILLAGE: 83_762,
    }
    assert Area.objects.get(code="35.24.07.2004").name == "Brengkok"
