"""The household survey spreadsheet: export, formula safety, reading back,
dates, labels and hostile files."""

import csv
import datetime
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import translation

from desmigratif.spreadsheets import (
    MAX_XLSX_ENTRIES,
    quote_text,
    read_rows,
    unquote_text,
    write_csv,
    write_xlsx,
)
from surveys.exports import export_members_response
from surveys.household_format import (
    COLUMNS,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    member_to_row,
    normalise_header,
    parse_date,
    row_to_values,
)
from tests.household_factories import HouseholdFactory, MemberFactory
from villages.models import Member

HYPERLINK = '=HYPERLINK("http://x","klik")'
HEAD_NIK = "3524071205900001"  # a man born 12/05/1990
WIFE_NIK = "3524074310780002"  # a woman born 03/10/1978: day 03 + 40
HEAD_KK = "3524070101100001"


@pytest.fixture
def household(village_a):
    """A household whose texts a spreadsheet would run as formulas."""
    household = HouseholdFactory(
        village=village_a, no_kk=HEAD_KK, dusun="@home", rt="001", rw="-", address="+62 812 3456 7890"
    )
    MemberFactory(
        household=household,
        nik=HEAD_NIK,
        name=HYPERLINK,
        sex=Member.Sex.MALE,
        birth_date=datetime.date(1990, 5, 12),
        relation=Member.Relation.HEAD,
        education=Member.Education.SMA,
        migration_status=Member.Status.PMI,
        destination_country="MY",
        sector=Member.Sector.FORMAL,
        occupation="-",
        placement_agency="@P3MI Sejahtera",
        departure_date=datetime.date(2019, 1, 12),
        channel=Member.Channel.PROCEDURAL,
    )
    MemberFactory(
        household=household,
        nik=WIFE_NIK,
        name="Siti Aminah",
        sex=Member.Sex.FEMALE,
        birth_date=datetime.date(1978, 10, 3),
        relation=Member.Relation.WIFE,
        education=Member.Education.NONE,
        migration_status=Member.Status.RETURNEE,
        destination_country="SA",
        sector=Member.Sector.INFORMAL,
        occupation="\tPLRT",
        placement_agency="\rP3MI Baru",
        departure_date=datetime.date(2010, 3, 10),
        return_date=datetime.date(2015, 12, 1),
        channel=Member.Channel.NON_PROCEDURAL,
    )
    MemberFactory(
        household=household,
        nik="3524074112050003",  # a girl born 01/12/2005
        name="+Putri",
        sex=Member.Sex.FEMALE,
        birth_date=datetime.date(2005, 12, 1),
        relation=Member.Relation.CHILD,
        migration_status=Member.Status.CPMI,
        destination_country="HK",
    )
    MemberFactory(
        household=household,
        nik="3524070101500004",
        name="Sumarno",
        sex=Member.Sex.MALE,
        birth_date=datetime.date(1950, 1, 1),
        relation=Member.Relation.PARENT,
        education=Member.Education.SD,
        migration_status=Member.Status.FAMILY,
    )
    return household


def model_values(member):
    household = member.household
    values = {field: getattr(household, field) for field in HOUSEHOLD_FIELDS if field != "village_code"}
    values["village_code"] = household.village_id
    values.update({field: getattr(member, field) for field in MEMBER_FIELDS})
    return values


def download(response, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return path


def export(household, fmt, *, full_ids=True):
    members = Member.objects.filter(household=household).order_by("id")
    return export_members_response(
        members, fmt=fmt, full_ids=full_ids, filename_stem=f"pendataan-rumah-tangga-{household.village_id}"
    )


# Export and read back ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reads_back_to_the_values_in_the_database(household, tmp_path, fmt):
    path = download(export(household, fmt), tmp_path, f"export.{fmt}")

    rows = list(read_rows(path))

    members = list(Member.objects.filter(household=household).order_by("id").select_related("household"))
    assert [number for number, _row in rows] == [2, 3, 4, 5]
    for (_number, row), member in zip(rows, members, strict=True):
        values, errors = row_to_values(row)
        assert errors == []
        assert values == model_values(member)
    assert [row["nama"] for _number, row in rows][0:3:2] == [HYPERLINK, "+Putri"]
    assert (rows[1][1]["jabatan"], rows[1][1]["p3mi"]) == ("\tPLRT", "\rP3MI Baru")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_an_attachment_named_after_the_village(household, fmt, django_assert_num_queries):
    # One query, however many members: the households come with them.
    with django_assert_num_queries(1):
        response = export(household, fmt)
        content = b"".join(response.streaming_content)

    assert content
    assert response["Content-Disposition"] == (
        f'attachment; filename="pendataan-rumah-tangga-35.24.07.2004.{fmt}"'
    )


def test_csv_export_quotes_formula_texts(household, tmp_path):
    content = b"".join(export(household, "csv").streaming_content)

    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    head, wife, child, _grandfather = rows
    assert head["nama"] == "'" + HYPERLINK
    assert head["alamat"] == "'+62 812 3456 7890"
    assert head["rw"] == "'-"
    assert head["dusun"] == "'@home"
    assert head["jabatan"] == "'-"
    assert head["p3mi"] == "'@P3MI Sejahtera"
    assert wife["jabatan"] == "'\tPLRT"
    assert wife["p3mi"] == "'\rP3MI Baru"
    assert child["nama"] == "'+Putri"
    assert head["nik"] == HEAD_NIK
    assert head["tanggal_lahir"] == "12/05/1990"
    assert wife["tanggal_lahir"] == "03/10/1978"
    assert wife["status_migrasi"] == "PMI Purna"
    assert wife["negara_tujuan"] == "Arab Saudi"
    assert wife["jalur"] == "Non-prosedural"
    assert wife["pendidikan"] == "Tidak/Belum Sekolah"
    assert head["kode_desa"] == "35.24.07.2004"


def test_xlsx_export_has_no_formula_and_keeps_numbers_as_text(household, tmp_path):
    path = download(export(household, "xlsx"), tmp_path, "export.xlsx")

    sheet = openpyxl.load_workbook(path, data_only=False).worksheets[0]

    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    head = dict(zip(header, sheet[2], strict=True))
    assert head["nama"].value == HYPERLINK
    assert head["nama"].data_type == "s"
    for column in ("nik", "no_kk"):
        assert head[column].data_type == "s"
        assert isinstance(head[column].value, str)
    assert head["tanggal_lahir"].is_date
    assert head["tanggal_lahir"].number_format == "DD/MM/YYYY"
    assert head["tanggal_lahir"].value.date() == datetime.date(1990, 5, 12)
    assert sheet.title == "pendataan-rumah-tangga"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_masked_export_shows_only_the_area_part_of_nik_and_no_kk(household, tmp_path, fmt):
    path = download(export(household, fmt, full_ids=False), tmp_path, f"masked.{fmt}")

    rows = [row for _number, row in read_rows(path)]

    assert rows[0]["nik"] == "352407••••••••••"
    assert rows[1]["nik"] == "352407••••••••••"
    assert rows[0]["no_kk"] == "352407••••••••••"
    # A masked file cannot be imported back by mistake.
    _values, errors = row_to_values(rows[0])
    assert {"nik", "no_kk"} <= {column for column, _message in errors}


def test_member_to_row_masks_unless_full_ids(household):
    member = Member.objects.select_related("household").get(nik=WIFE_NIK)

    assert member_to_row(member, full_ids=True)["nik"] == WIFE_NIK
    assert member_to_row(member, full_ids=False)["nik"] == "352407••••••••••"
    assert member_to_row(member, full_ids=False)["tanggal_kembali"] == datetime.date(2015, 12, 1)


# Quoting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        HYPERLINK,
        "+62 812",
        "-",
        "@home",
        "\tTab",
        "\rCR",
        "'=already quoted",
        "''=twice",
        "'plain",
        "plain",
        "",
    ],
)
def test_quoting_reads_back_to_the_original(text):
    assert unquote_text(quote_text(text)) == text


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "+62 812", "-", "@home", "\tTab", "\rCR", "_x000D_ literal", "'=x", "ok'", "#N/A", "0012"],
)
def test_xlsx_keeps_every_text_exactly(tmp_path, text):
    path = tmp_path / "texts.xlsx"
    write_xlsx([{"nama": text}], ["nama"], path, "x")

    assert [row["nama"] for _number, row in read_rows(path)] == [text]


def test_write_csv_writes_utf8_bytes_or_text():
    binary, text = io.BytesIO(), io.StringIO()

    write_csv([{"a": "Ñoño", "b": datetime.date(2000, 1, 12)}], ["a", "b"], binary)
    write_csv([{"a": "=1"}], ["a"], text)

    assert binary.getvalue().decode("utf-8") == "\ufeffa,b\r\nÑoño,12/01/2000\r\n"
    assert text.getvalue() == "\ufeffa\r\n'=1\r\n"


# Dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/10/1978", datetime.date(1978, 10, 3)),
        ("12/01/2000", datetime.date(2000, 1, 12)),
        ("13/01/2000", datetime.date(2000, 1, 13)),
        ("3/1/2000", datetime.date(2000, 1, 3)),
        ("03-10-1978", datetime.date(1978, 10, 3)),
        ("2000-01-12", datetime.date(2000, 1, 12)),
        (" 29/02/2000 ", datetime.date(2000, 2, 29)),
        (datetime.date(2000, 1, 12), datetime.date(2000, 1, 12)),
        (datetime.datetime(2000, 1, 12, 0, 0), datetime.date(2000, 1, 12)),
    ],
)
def test_parse_date_reads_day_first(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    ["31/02/2000", "13/13/2000", "29/02/2001", "01/13/2000", "1978/10/03", "03/10/78", "3 Oct 1978", 28619.0],
)
def test_parse_date_refuses_impossible_or_other_forms(value):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        parse_date(value)

    assert "DD/MM/YYYY" in " ".join(error.value.messages)


# Labels --------------------------------------------------------------------


def valid_row(**changes):
    row = {
        "kode_desa": "35.24.07.2004",
        "no_kk": HEAD_KK,
        "nik": HEAD_NIK,
        "nama": "Budi",
        "jenis_kelamin": "L",
        "tanggal_lahir": "12/05/1990",
        "hubungan_keluarga": "Kepala Keluarga",
        "status_migrasi": "Keluarga",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("column", "text", "field", "expected"),
    [
        ("jenis_kelamin", "L", "sex", "L"),
        ("jenis_kelamin", "laki-laki", "sex", "L"),
        ("jenis_kelamin", "LAKI-LAKI", "sex", "L"),
        ("hubungan_keluarga", "Kepala Keluarga", "relation", "head"),
        ("hubungan_keluarga", "kepala keluarga", "relation", "head"),
        ("hubungan_keluarga", "Suami", "relation", "husband"),
        ("hubungan_keluarga", "Anak", "relation", "child"),
        ("hubungan_keluarga", "Menantu", "relation", "child_in_law"),
        ("hubungan_keluarga", "Cucu", "relation", "grandchild"),
        ("hubungan_keluarga", "Orang Tua", "relation", "parent"),
        ("hubungan_keluarga", "Mertua", "relation", "parent_in_law"),
        ("hubungan_keluarga", "Famili Lain", "relation", "other_family"),
        ("hubungan_keluarga", "Lainnya", "relation", "other"),
        ("pendidikan", "Tidak/Belum Sekolah", "education", "none"),
        ("pendidikan", "tidak / belum sekolah", "education", "none"),
        ("pendidikan", "SD", "education", "sd"),
        ("pendidikan", "SMP", "education", "smp"),
        ("pendidikan", "SMA", "education", "sma"),
        ("pendidikan", "SLTA", "education", "sma"),
        ("pendidikan", "smk", "education", "sma"),
        ("pendidikan", "D1", "education", "d1"),
        ("pendidikan", "D2", "education", "d2"),
        ("pendidikan", "D3", "education", "d3"),
        ("pendidikan", "D4", "education", "d4"),
        ("pendidikan", "S1", "education", "s1"),
        ("pendidikan", "S2", "education", "s2"),
        ("pendidikan", "s3", "education", "s3"),
        ("status_migrasi", "Keluarga", "migration_status", "family"),
        ("jalur", "Prosedural", "channel", ""),  # only for CPMI, PMI and PMI purna
    ],
)
def test_every_label_variant_is_read(column, text, field, expected):
    values, errors = row_to_values(valid_row(**{column: text}))

    assert errors == []
    assert values[field] == expected


@pytest.mark.parametrize(("text", "sex"), [("Perempuan", "P"), ("P", "P"), ("perempuan", "P")])
def test_female_labels_are_read(text, sex):
    values, errors = row_to_values(valid_row(nik=WIFE_NIK, tanggal_lahir="03/10/1978", jenis_kelamin=text))

    assert errors == []
    assert values["sex"] == sex


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"status_migrasi": "CPMI", "negara_tujuan": "Malaysia"}, "migration_status", "cpmi"),
        ({"status_migrasi": "cpmi", "negara_tujuan": "saudi arabia"}, "destination_country", "SA"),
        ({"status_migrasi": "CPMI", "negara_tujuan": "Arab Saudi"}, "destination_country", "SA"),
        ({"status_migrasi": "CPMI", "negara_tujuan": "Korea Selatan"}, "destination_country", "KR"),
        ({"status_migrasi": "CPMI", "negara_tujuan": "South Korea"}, "destination_country", "KR"),
        ({"status_migrasi": "CPMI", "negara_tujuan": "Jepang"}, "destination_country", "JP"),
        ({"status_migrasi": "CPMI", "negara_tujuan": "TW"}, "destination_country", "TW"),
        (
            {"status_migrasi": "CPMI", "negara_tujuan": "MY", "jalur": "Non-prosedural"},
            "channel",
            "non_procedural",
        ),
        (
            {"status_migrasi": "CPMI", "negara_tujuan": "MY", "jalur": "non prosedural"},
            "channel",
            "non_procedural",
        ),
        ({"status_migrasi": "PMI", "negara_tujuan": "MY", "sektor": "Formal"}, "sector", "formal"),
        ({"status_migrasi": "PMI", "negara_tujuan": "MY", "sektor": "INFORMAL"}, "sector", "informal"),
        (
            {"status_migrasi": "PMI Purna", "negara_tujuan": "HK", "tanggal_kembali": "12/01/2020"},
            "migration_status",
            "returnee",
        ),
    ],
)
def test_status_labels_and_countries_are_read(changes, field, expected):
    values, errors = row_to_values(valid_row(**changes))

    assert errors == []
    assert values[field] == expected


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("jenis_kelamin", "X"),
        ("hubungan_keluarga", "Tetangga"),
        ("pendidikan", "SMU 3"),
        ("status_migrasi", "TKI"),
        ("sektor", "Rumah tangga"),
        ("jalur", "Lewat calo"),
        ("negara_tujuan", "Atlantis"),
    ],
)
def test_unknown_label_is_an_error_on_its_column(column, text):
    row = valid_row(status_migrasi="PMI", negara_tujuan="MY", sektor="Formal")
    row[column] = text

    with translation.override("en"):
        _values, errors = row_to_values(row)

    assert [column for column, _message in errors] == [column]
    assert text in errors[0][1]


# Row values and their errors ---------------------------------------------------


def test_row_accepts_a_village_code_without_dots_and_numbers_typed_with_spaces():
    values, errors = row_to_values(valid_row(kode_desa="3524072004", nik="3524 0712 0590 0001", rt=1))

    assert errors == []
    assert values["village_code"] == "35.24.07.2004"
    assert values["nik"] == HEAD_NIK
    assert values["rt"] == "1"


def test_row_reports_every_bad_column_once():
    row = valid_row(
        kode_desa="Brengkok",
        no_kk="3.52407E+15",
        nama="  ",
        tanggal_lahir="31/02/1990",
        status_migrasi="PMI",
    )

    with translation.override("en"):
        _values, errors = row_to_values(row)

    by_column = dict(errors)
    assert sorted(by_column) == ["kode_desa", "nama", "negara_tujuan", "no_kk", "sektor", "tanggal_lahir"]
    assert len(errors) == len(by_column)
    assert "damaged" in by_column["no_kk"]
    assert "not a real date" in by_column["tanggal_lahir"]


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"tanggal_lahir": "13/05/1990"}, "tanggal_lahir"),
        ({"jenis_kelamin": "P"}, "jenis_kelamin"),
        ({"tanggal_lahir": "05/12/1990"}, "tanggal_lahir"),  # month and day swapped
    ],
)
def test_nik_must_agree_with_the_row(changes, column):
    _values, errors = row_to_values(valid_row(**changes))

    assert [error_column for error_column, _message in errors] == [column]


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"status_migrasi": "PMI", "negara_tujuan": "MY"}, "sektor"),
        ({"status_migrasi": "PMI Purna", "negara_tujuan": "MY"}, "tanggal_kembali"),
        (
            {
                "status_migrasi": "PMI Purna",
                "negara_tujuan": "MY",
                "tanggal_berangkat": "12/01/2020",
                "tanggal_kembali": "11/01/2020",
            },
            "tanggal_kembali",
        ),
        (
            {
                "status_migrasi": "PMI",
                "negara_tujuan": "MY",
                "sektor": "Formal",
                "tanggal_berangkat": "01/01/2999",
            },
            "tanggal_berangkat",
        ),
        ({"rt": "0001"}, "rt"),
        ({"nama": "x" * 151}, "nama"),
    ],
)
def test_model_rules_are_reported_on_their_column(changes, column):
    _values, errors = row_to_values(valid_row(**changes))

    assert [error_column for error_column, _message in errors] == [column]


def test_fields_that_mean_nothing_for_the_status_are_blanked():
    values, errors = row_to_values(
        valid_row(sektor="Formal", tanggal_kembali="12/01/2020", jalur="Prosedural")
    )

    assert errors == []
    assert (values["sector"], values["return_date"], values["channel"]) == ("", None, "")


# Reading files -------------------------------------------------------------


def test_header_names_are_normalised():
    assert normalise_header(" No KK ") == "no_kk"
    assert normalise_header("NO-KK") == "no_kk"
    assert normalise_header("no__kk") == "no_kk"
    assert normalise_header("Tanggal Lahir") == "tanggal_lahir"


def test_read_csv_with_bom_semicolons_odd_headers_and_an_empty_row(tmp_path):
    text = (
        "\ufeffKode Desa;NO-KK;Nik;Nama;Jenis_Kelamin;tanggal lahir;Catatan\r\n"
        "35.24.07.2004;3524070101100001;3524071205900001;Budi;L;12/05/1990;\r\n"
        ";;;;;;\r\n"
        "35.24.07.2004;3524070101100001;'3524074310780002;'=Siti;P;03/10/1978;ok\r\n"
    )
    path = tmp_path / "survey.csv"
    path.write_bytes(text.encode("utf-8"))

    sheet = read_rows(path)
    rows = list(sheet)

    assert sheet.columns == ["kode_desa", "no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "catatan"]
    assert [number for number, _row in rows] == [2, 4]
    assert rows[0][1]["nama"] == "Budi"
    assert rows[0][1]["catatan"] is None
    assert rows[1][1]["nama"] == "=Siti"
    assert row_to_values(rows[1][1])[0]["nik"] == WIFE_NIK


def test_read_csv_from_an_upload_with_commas_and_no_bom():
    upload = SimpleUploadedFile(
        "survey.csv", b'nik,nama\r\n3524071205900001,"Budi, S.Pd"\r\n\r\nx,"a\nb"\r\n'
    )

    rows = list(read_rows(upload))

    assert rows == [(2, {"nik": HEAD_NIK, "nama": "Budi, S.Pd"}), (4, {"nik": "x", "nama": "a\nb"})]


def test_read_csv_saved_by_excel_as_windows_1252(tmp_path):
    """Excel's plain "CSV (Comma delimited)" on Windows is Windows-1252."""
    path = tmp_path / "ansi.csv"
    path.write_bytes("nik;nama\r\n1;Désirée Sútinah\r\n2;Nurhayati Ç €\r\n".encode("cp1252"))

    sheet = read_rows(path)

    assert [row["nama"] for _number, row in sheet] == ["Désirée Sútinah", "Nurhayati Ç €"]
    assert sheet.encoding == "Windows-1252"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [("nik\r\nSútinah\r\n".encode(), "UTF-8"), ("\ufeffnik\r\nSútinah\r\n".encode(), "UTF-8")],
    ids=["utf-8", "utf-8-bom"],
)
def test_read_csv_in_utf8_says_so(tmp_path, content, encoding):
    path = tmp_path / "survey.csv"
    path.write_bytes(content)

    sheet = read_rows(path)

    assert list(sheet) == [(2, {"nik": "Sútinah"})]
    assert sheet.encoding == encoding


@pytest.mark.parametrize(
    "content",
    [
        b"nik;nama\r\n1;\x01\x02\x03\xff\xfe\r\n",  # control characters: not text
        b"nik;nama\r\n1;\x81\x8d\x90\r\n",  # bytes Windows-1252 does not define
        "\ufeffnik\r\nSútinah\r\n".encode() + "Désirée".encode("cp1252"),  # a BOM, then not UTF-8
    ],
    ids=["control-characters", "undefined-bytes", "bom-then-not-utf8"],
)
def test_read_csv_refuses_bytes_that_are_not_text(tmp_path, content):
    path = tmp_path / "junk.csv"
    path.write_bytes(content)

    with pytest.raises(ValidationError) as error:
        list(read_rows(path))

    assert error.value.code == "encoding"


def test_read_xlsx_skips_empty_rows_and_keeps_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Kode-Desa", "No KK", "NIK", "Nama", "Tanggal Lahir"])
    sheet.append(["35.24.07.2004", HEAD_KK, HEAD_NIK, "Budi", datetime.date(1990, 5, 12)])
    sheet.append([None, None, None, None, None])
    sheet.append(["35.24.07.2004", HEAD_KK, WIFE_NIK, "'@Siti", "03/10/1978"])
    path = tmp_path / "survey.xlsx"
    workbook.save(path)

    rows = list(read_rows(path))

    assert [number for number, _row in rows] == [2, 4]
    assert rows[0][1]["tanggal_lahir"] == datetime.datetime(1990, 5, 12)
    assert rows[1][1]["nama"] == "@Siti"


def test_a_formula_in_an_uploaded_workbook_is_never_evaluated(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["nama", "alamat"])
    sheet["B2"] = "=1+2"
    sheet["B2"].data_type = "s"  # a text that looks like a formula
    path = tmp_path / "formula.xlsx"
    workbook.save(path)
    assert list(read_rows(path)) == [(2, {"nama": None, "alamat": "=1+2"})]
    sheet["A2"] = "=1+2"  # a real formula cell, without a cached result: never taken as empty
    workbook.save(path)

    with pytest.raises(ValidationError) as error:
        list(read_rows(path))

    assert error.value.code == "formula_without_value"
    assert error.value.params == {"cell": "A2", "sheet": "Sheet"}


def test_numbers_in_nik_and_no_kk_cells_are_reported_as_damaged(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(valid_row()))
    sheet.append(list(valid_row(no_kk=3524070101100001, nik=3524071205900000).values()))
    sheet.append(list(valid_row(nik=3.52407120590000e15).values()))
    path = tmp_path / "numbers.xlsx"
    workbook.save(path)

    with translation.override("en"):
        results = [row_to_values(row)[1] for _number, row in read_rows(path)]

    assert [[column for column, _message in errors] for errors in results] == [["no_kk", "nik"], ["nik"]]
    assert all("damaged" in message for errors in results for _column, message in errors)


def test_a_text_file_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "survey.xlsx"
    path.write_text("nik,nama\n3524071205900001,Budi\n")

    with pytest.raises(ValidationError) as error:
        read_rows(path)

    assert error.value.code == "not_xlsx"


def test_a_corrupt_workbook_is_refused(tmp_path, household):
    good = b"".join(export(household, "xlsx").streaming_content)
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(good[: len(good) // 2])

    with pytest.raises(ValidationError) as error:
        list(read_rows(path))

    assert error.value.code == "not_xlsx"


def test_a_workbook_with_a_damaged_part_is_refused(tmp_path):
    path = tmp_path / "bad.xlsx"
    write_xlsx([{"nik": HEAD_NIK}], ["nik"], path, "x")
    original = zipfile.ZipFile(path)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            archive.writestr(item, data)

    with pytest.raises(ValidationError) as error:
        list(read_rows(damaged))

    assert error.value.code == "not_xlsx"


def test_an_xml_entity_bomb_is_refused(tmp_path):
    path = tmp_path / "plain.xlsx"
    write_xlsx([{"nama": "Budi"}], ["nama"], path, "x")
    original = zipfile.ZipFile(path)
    bomb = tmp_path / "laughs.xlsx"
    doctype = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(bomb, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = doctype + data.split(b"?>", 1)[-1].replace(b">Budi<", b">&lol2;<")
            archive.writestr(item, data)

    assert openpyxl.DEFUSEDXML
    with pytest.raises(ValidationError) as error:
        list(read_rows(bomb))

    assert error.value.code == "not_xlsx"


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 4
    path = tmp_path / "bomb.xlsx"
    megabyte = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as entry,
    ):
        for _ in range(settings.IMPORT_MAX_UNPACKED_MB + 1):
            entry.write(megabyte)
    assert path.stat().st_size < 1024 * 1024

    with pytest.raises(ValidationError) as error:
        read_rows(path)

    assert error.value.code == "too_large"


def test_a_workbook_with_too_many_parts_is_refused(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(MAX_XLSX_ENTRIES + 1):
            archive.writestr(f"part{n}.xml", b"")

    with pytest.raises(ValidationError) as error:
        read_rows(path)

    assert error.value.code == "too_large"


@pytest.mark.parametrize(("name", "code"), [("survey.xls", "old_format"), ("survey.txt", "extension")])
def test_other_file_types_are_refused(name, code):
    with pytest.raises(ValidationError) as error:
        read_rows(SimpleUploadedFile(name, b"nik\n1\n"))

    assert error.value.code == code


def test_a_workbook_uploaded_as_csv_is_refused(tmp_path):
    path = tmp_path / "survey.xlsx"
    write_xlsx([{"nik": HEAD_NIK}], ["nik"], path, "x")

    with pytest.raises(ValidationError) as error:
        read_rows(SimpleUploadedFile("survey.csv", path.read_bytes()))

    assert error.value.code == "workbook_as_csv"


def test_an_uploaded_workbook_is_read(tmp_path):
    path = tmp_path / "survey.xlsx"
    write_xlsx([{"nik": HEAD_NIK, "nama": "=Budi"}], ["nik", "nama"], path, "x")

    rows = list(read_rows(SimpleUploadedFile("Survey.XLSX", path.read_bytes())))

    assert rows == [(2, {"nik": HEAD_NIK, "nama": "=Budi"})]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_upload_kept_on_disk_is_read(tmp_path, fmt):
    path = tmp_path / f"survey.{fmt}"
    rows, columns = [{"nik": HEAD_NIK, "nama": "@Budi"}], ["nik", "nama"]
    if fmt == "csv":
        path.write_text("".join(write_csv(rows, columns)), encoding="utf-8")
    else:
        write_xlsx(rows, columns, path, "x")
    upload = TemporaryUploadedFile(f"survey.{fmt}", "application/octet-stream", 0, None)
    upload.write(path.read_bytes())
    upload.flush()

    assert list(read_rows(upload)) == [(2, {"nik": HEAD_NIK, "nama": "@Budi"})]


def test_unknown_columns_and_values_without_a_header_are_kept_for_the_report(tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text("nik,,Keterangan\r\n3524071205900001,lost?,ok,more\r\n", encoding="utf-8")

    sheet = read_rows(path)

    assert sheet.columns == ["nik", "keterangan"]
    assert list(sheet) == [(2, {"nik": HEAD_NIK, "keterangan": "ok", "B": "lost?", "D": "more"})]


def test_a_repeated_column_is_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("NIK,nama,nik\r\n1,2,3\r\n", encoding="utf-8")

    with pytest.raises(ValidationError) as error:
        read_rows(path)

    assert error.value.code == "repeated_columns"


def test_csv_export_is_a_stream_of_chunks():
    rows = ({"nik": f"{n:016d}"} for n in range(1, 1201))

    chunks = write_csv(rows, ["nik"])

    assert next(chunks) == "\ufeffnik\r\n"
    assert [chunk.count("\r\n") for chunk in chunks] == [500, 500, 200]


def _with_sheet_xml(path, replace):
    """The workbook at ``path`` with its first sheet's XML changed by ``replace``."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = replace(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_formulas_saved_with_their_value_by_excel_are_read_as_that_value(tmp_path):
    """Excel and LibreOffice save a formula's result with it (an empty text
    as t="str" with an empty value): that value is read."""
    path = tmp_path / "excel.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["nik", "nama", "catatan"])
    workbook.active.append(["A", "B", "C"])
    workbook.save(path)
    excel = (
        b'<c r="A2" t="inlineStr"><is><t>x</t></is></c>'
        b'<c r="B2" t="str"><f>PROPER("budi")</f><v>Budi</v></c>'
        b'<c r="C2" t="str"><f>""</f><v></v></c>'
    )
    _with_sheet_xml(
        path,
        lambda xml: (
            xml[: xml.index(b'<c r="A2"')] + excel + xml[xml.index(b"</row>", xml.index(b'<c r="A2"')) :]
        ),
    )

    assert list(read_rows(path)) == [(2, {"nik": "x", "nama": "Budi", "catatan": None})]


def test_reading_a_workbook_holds_no_more_memory_at_its_last_row_than_early_on(tmp_path):
    """A 100,000-row survey peaked above its memory target partly because
    openpyxl leaves every row it has read in the document tree (cleared, but
    there); the reader takes each row out once read."""
    path = tmp_path / "survey.xlsx"
    write_xlsx(
        ({"nama": f"Warga {number}", "no": number} for number in range(12_000)), ["nama", "no"], path, "s"
    )
    rows = read_rows(path)
    tracemalloc.start()
    try:
        for count, _row in enumerate(rows, start=1):
            if count == 1_000:
                early = tracemalloc.get_traced_memory()[0]
            elif count == 11_000:
                late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # Left in the tree, the 10,000 rows between would hold about 400 KB.
    assert late - early < 150_000
