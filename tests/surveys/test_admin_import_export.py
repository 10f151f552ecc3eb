"""The admin's import and export buttons (django-import-export) over the
survey pipelines (surveys/resources.py, surveys/admin.py): the admin's
"import, then confirm" is our check, then our check-and-write, all or
nothing, with our messages; its export is our formula-safe sheet, which
re-imports unchanged."""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from desmigratif.models import Role, User
from surveys import household_format as hf
from surveys.import_jobs import import_file, purge_import_files
from surveys.resources import HouseholdSurveyResource
from tests.surveys.import_helpers import (
    HEAD_NIK,
    PARTNER_COLUMNS,
    PROFILE_COLUMNS,
    english,
    survey_rows,
    write_csv_file,
    write_xlsx_file,
)
from villages.models import Household, IdNumberAccess, Member, PartnerInstitution, Village

HOUSEHOLDS = "/admin/villages/household/"
MEMBERS = "/admin/villages/member/"
VILLAGES = "/admin/villages/village/"
HYPERLINK = '=HYPERLINK("http://x","klik")'


@pytest.fixture
def admin_client(client, administrator, media_root):
    client.force_login(administrator)
    return english(client)


def upload(path):
    with open(path, "rb") as handle:
        return SimpleUploadedFile(path.name, handle.read())


def admin_check(client, changelist, path, resource=0):
    """The admin's first step: upload and check."""
    return client.post(
        f"{changelist}import/", {"resource": str(resource), "format": "0", "import_file": upload(path)}
    )


def admin_confirm(client, changelist, checked):
    """The admin's second step: the confirm form the check page showed, posted."""
    form = checked.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(f"{changelist}process_import/", data)


def registry():
    """Every household and member as the survey sheet has them."""
    members = Member.objects.select_related("household").order_by("nik")
    return [hf.member_to_row(member, full_ids=True) for member in members]


def imported(tmp_path, user):
    path = write_xlsx_file(tmp_path / "in.xlsx", survey_rows())
    assert import_file(path, kind="households", user=user, write=True).written


def wipe():
    Member.objects.all().delete()
    Household.objects.all().delete()


@pytest.mark.parametrize("changelist", [HOUSEHOLDS, MEMBERS, VILLAGES])
def test_changelists_offer_import_and_export(admin_client, village_a, changelist):
    page = admin_client.get(changelist).content.decode()
    assert f"href='{changelist}import/'" in page
    assert f'href="{changelist}export/' in page


def test_village_list_imports_and_exports_profiles_and_partners(admin_client, village_a):
    page = admin_client.get(f"{VILLAGES}import/").content.decode()
    assert "Village profile (profil-desa)" in page
    assert "Partner institutions (lembaga-mitra)" in page


def test_admin_import_checks_then_writes_what_the_portal_import_writes(
    admin_client, administrator, village_a, tmp_path
):
    path = write_xlsx_file(tmp_path / "survei.xlsx", survey_rows())

    checked = admin_check(admin_client, HOUSEHOLDS, path)
    assert checked.status_code == 200
    assert "confirm_form" in checked.context
    assert "4 rows: 4 new, 0 changed, 0 unchanged." in checked.content.decode()
    assert not Member.objects.exists(), "the check writes nothing"

    written = admin_confirm(admin_client, HOUSEHOLDS, checked)
    assert written.status_code == 302
    by_admin = registry()
    assert len(by_admin) == 4
    assert [m.message for m in written.wsgi_request._messages] == ["Written: 4 new, 0 changed, 0 unchanged."]

    wipe()
    report = import_file(path, kind="households", user=administrator, write=True)
    assert report.written
    assert registry() == by_admin


def test_admin_import_of_a_csv_from_the_member_list(admin_client, village_a, tmp_path):
    path = write_csv_file(tmp_path / "survei.csv", survey_rows())
    checked = admin_check(admin_client, MEMBERS, path)
    admin_confirm(admin_client, MEMBERS, checked)
    assert Member.objects.count() == 4


def test_a_rejected_row_shows_our_message_and_nothing_is_written(
    admin_client, administrator, village_a, tmp_path
):
    rows = survey_rows()
    rows[2]["tanggal_lahir"] = "31/02/2005"
    path = write_xlsx_file(tmp_path / "survei.xlsx", rows)
    with translation.override("en"):
        expected = import_file(path, kind="households", user=administrator, write=False)
    assert expected.errors

    checked = admin_check(admin_client, HOUSEHOLDS, path)
    page = checked.content.decode()

    assert "confirm_form" not in checked.context
    assert "1 row was rejected: nothing will be written" in page
    for error in expected.errors:
        assert error.message in page
    assert not Member.objects.exists() and not Household.objects.exists()


def test_the_confirm_step_checks_again_and_writes_nothing_when_the_file_no_longer_passes(
    admin_client, village_a, village_b, tmp_path
):
    path = write_xlsx_file(tmp_path / "survei.xlsx", survey_rows())
    checked = admin_check(admin_client, HOUSEHOLDS, path)
    # Between the check and the confirmation, the head is registered in
    # another village.
    other = Household.objects.create(village=village_b, no_kk="3524070101109999")
    Member.objects.create(
        household=other, nik=HEAD_NIK, name="Budi Santoso", sex="L", relation="head", birth_date="1990-05-12"
    )

    written = admin_confirm(admin_client, HOUSEHOLDS, checked)

    assert written.status_code == 302
    assert written["Location"].endswith(f"{HOUSEHOLDS}import/")
    assert "Nothing was written." in str(list(written.wsgi_request._messages)[0])
    assert Member.objects.count() == 1 and Household.objects.count() == 1


def stored_uploads(media_root):
    folder = media_root / "imports" / "admin"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_upload_is_kept_only_until_its_confirmation(admin_client, village_a, tmp_path, media_root):
    good = write_xlsx_file(tmp_path / "good.xlsx", survey_rows())
    checked = admin_check(admin_client, HOUSEHOLDS, good)
    assert len(stored_uploads(media_root)) == 1
    admin_confirm(admin_client, HOUSEHOLDS, checked)
    assert stored_uploads(media_root) == []

    rows = survey_rows()
    rows[0]["nik"] = "123"
    admin_check(admin_client, HOUSEHOLDS, write_xlsx_file(tmp_path / "bad.xlsx", rows))
    assert stored_uploads(media_root) == [], "a rejected file is not kept"


def test_an_upload_never_confirmed_is_purged_after_an_hour(admin_client, village_a, tmp_path, media_root):
    admin_check(admin_client, HOUSEHOLDS, write_xlsx_file(tmp_path / "good.xlsx", survey_rows()))
    purge_import_files(now=timezone.now() + datetime.timedelta(minutes=30))
    assert len(stored_uploads(media_root)) == 1
    purge_import_files(now=timezone.now() + datetime.timedelta(hours=2))
    assert stored_uploads(media_root) == []


def test_a_file_above_the_upload_limit_is_refused_before_it_is_stored(
    admin_client, village_a, tmp_path, media_root, settings
):
    settings.IMPORT_MAX_UPLOAD_MB = 0.001
    path = write_xlsx_file(tmp_path / "survei.xlsx", survey_rows())
    page = admin_check(admin_client, HOUSEHOLDS, path).content.decode()
    assert "The file is larger than 0.001 MB" in page
    assert stored_uploads(media_root) == []


def test_an_unreadable_file_gets_our_message(admin_client, village_a, tmp_path):
    path = tmp_path / "survei.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    page = admin_check(admin_client, HOUSEHOLDS, path).content.decode()
    assert "This spreadsheet type cannot be read" in page
    assert "Traceback" not in page


def test_a_file_above_the_admin_limit_is_sent_to_the_import_page(admin_client, village_a, tmp_path, settings):
    settings.IMPORT_ADMIN_MAX_ROWS = 3
    path = write_xlsx_file(tmp_path / "survei.xlsx", survey_rows())
    checked = admin_check(admin_client, HOUSEHOLDS, path)
    page = checked.content.decode()
    assert "up to 3 rows" in page and "/desa/impor/unggah/" in page
    assert "confirm_form" not in checked.context
    assert not Member.objects.exists()


def export(client, changelist, fmt_index, resource=0):
    return client.post(f"{changelist}export/", {"resource": str(resource), "format": str(fmt_index)})


def test_export_is_formula_safe_and_re_imports_unchanged(admin_client, administrator, village_a, tmp_path):
    rows = survey_rows()
    rows[0].update(nama=HYPERLINK, jabatan="@x", p3mi="-PT Baru")
    assert import_file(
        write_xlsx_file(tmp_path / "in.xlsx", rows), kind="households", user=administrator, write=True
    ).written
    before = registry()

    xlsx = export(admin_client, HOUSEHOLDS, 0)
    csv = export(admin_client, MEMBERS, 1)

    assert xlsx.status_code == csv.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "pendataan-rumah-tangga"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"], "no cell is a formula"
    assert HYPERLINK in [c.value for c in cells]
    text = csv.content.decode("utf-8-sig")
    assert f"'{HYPERLINK}".replace('"', '""') in text
    assert ",'@x," in text

    for name, content in (("out.xlsx", xlsx.content), ("out.csv", csv.content)):
        (tmp_path / name).write_bytes(content)
        report = import_file(tmp_path / name, kind="households", user=administrator, write=False)
        assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 4), name
    assert registry() == before


def test_export_of_full_nik_is_logged(admin_client, administrator, village_a, tmp_path):
    imported(tmp_path, administrator)
    export(admin_client, HOUSEHOLDS, 1)
    log = IdNumberAccess.objects.get()
    assert (log.user, log.reason, log.count) == (administrator, IdNumberAccess.Reason.EXPORT, 4)


def test_export_follows_the_change_list_filter(admin_client, administrator, village_a, tmp_path):
    imported(tmp_path, administrator)
    response = admin_client.post(f"{MEMBERS}export/?q={HEAD_NIK}", {"resource": "0", "format": "1"})
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and HEAD_NIK in lines[1]


def test_export_above_the_inline_limit_is_refused_with_a_message(
    admin_client, administrator, village_a, tmp_path, settings
):
    imported(tmp_path, administrator)
    settings.EXPORT_INLINE_MAX_ROWS = 3
    response = export(admin_client, HOUSEHOLDS, 1)
    assert response.status_code == 200
    assert "up to 3 rows at once" in response.content.decode()
    assert not IdNumberAccess.objects.exists()


def test_village_profiles_and_partners_export_and_re_import_unchanged(admin_client, village_a, tmp_path):
    Village.objects.filter(pk=village_a.pk).update(
        latitude="-6.883700",
        longitude="112.271200",
        learning_house=Village.LearningHouse.OWNED,
        learning_house_area_m2="36.50",
        has_internet=True,
        leading_products=["ikan asin", "=kerupuk"],
    )
    PartnerInstitution.objects.create(
        village=village_a, name="@BUMDes Maju", kind=PartnerInstitution.Kind.BUMDES, supports_pillar_2=True
    )

    # Three villages (conftest), one partner.
    for resource, columns, rows in ((0, PROFILE_COLUMNS, 3), (1, PARTNER_COLUMNS, 1)):
        response = export(admin_client, VILLAGES, 0, resource=resource)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert [c.value for c in sheet[1]] == list(columns)
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        path = tmp_path / f"sheet{resource}.xlsx"
        path.write_bytes(response.content)

        checked = admin_check(admin_client, VILLAGES, path, resource=resource)
        page = checked.content.decode()
        assert "confirm_form" in checked.context, page
        assert f"{rows} rows: 0 new, 0 changed, {rows} unchanged." in page


def test_a_plain_tablib_dataset_runs_the_same_pipeline(administrator, village_a):
    rows = survey_rows()
    dataset = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        dataset.append(list(row.values()))
    resource = HouseholdSurveyResource(user=administrator)

    checked = resource.import_data(dataset, dry_run=True)
    assert not checked.has_errors() and not checked.has_validation_errors()
    assert not Member.objects.exists()
    resource.import_data(dataset, dry_run=False)
    assert Member.objects.count() == 4

    dataset[0] = [*dataset[0][:7], "", *dataset[0][8:]]  # the head without a name
    rejected = resource.import_data(dataset, dry_run=False)
    assert rejected.has_validation_errors()
    assert rejected.invalid_rows[0].number == 2


@pytest.fixture
def regency_staff(villages, tree):
    """A staff account that is not an administrator (the admin gives staff
    status to administrators only, but an account can be changed by hand)."""
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(
        username="regency-staff", password="x", role=Role.REGENCY, scope=tree.lamongan, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_household", "change_household"]))
    return user


def test_staff_who_are_not_administrators_cannot_import_or_export(client, regency_staff, village_a, tmp_path):
    client.force_login(regency_staff)
    page = client.get(HOUSEHOLDS).content.decode()
    assert f"{HOUSEHOLDS}import/" not in page and f"{HOUSEHOLDS}export/" not in page
    path = write_xlsx_file(tmp_path / "survei.xlsx", survey_rows())
    assert admin_check(client, HOUSEHOLDS, path).status_code == 403
    assert client.post(f"{HOUSEHOLDS}process_import/", {}).status_code == 403
    assert export(client, HOUSEHOLDS, 1).status_code == 403
    assert not Member.objects.exists()
