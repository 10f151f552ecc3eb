"""The three main journeys, in a real browser, each page checked with axe-core:

1. a village officer adds a household and submits the quarter's report;
2. an administrator imports a household survey;
3. ministry staff open the overview, the map and a village dashboard, and
   send a report back to the village.

Steps whose pages are not built yet (dashboards, reports) are skipped with
the reason; everything before them still runs.
"""

import datetime
import re

from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from desmigratif.models import User
from desmigratif.spreadsheets import write_csv
from reports.models import ProgressReport, ReviewEvent, quarter_of
from surveys import household_format
from surveys.models import ImportJob
from tests.browser.helpers import assert_accessible, require_url, sign_in, url_exists
from tests.household_factories import nik_for
from villages.models import Household, Member, Village

BRENGKOK = "35.24.07.2004"
OFFICER = "petugas.brengkok"
ADMINISTRATOR = "admin"
MINISTRY = "kemnaker"
REGENCY = "disnaker.lamongan"

# Serials from 9001 up: the demo data's serials run from 0001 to 0999.
HEAD_BORN = datetime.date(1988, 3, 14)
WIFE_BORN = datetime.date(1992, 8, 2)
NEW_KK = "3524071403159001"


def test_officer_adds_a_household_and_submits_a_report(page):
    page.goto(reverse("login"))
    assert_accessible(page, "the sign-in page")
    sign_in(page, OFFICER)
    # Officers land on their own village: its dashboard, or its profile
    # before the dashboards were built.
    landing = [reverse("villages:detail", kwargs={"code": BRENGKOK})]
    if url_exists("dashboards:village", code=BRENGKOK):
        landing.append(reverse("dashboards:village", kwargs={"code": BRENGKOK}))
    assert any(page.url.endswith(url) for url in landing), page.url

    households_url = reverse("villages:households", kwargs={"code": BRENGKOK})
    page.locator(f"main a[href='{households_url}']").first.click()
    page.wait_for_url(f"**{households_url}")
    assert_accessible(page, "the household list")

    add_url = reverse("villages:household_add", kwargs={"code": BRENGKOK})
    page.locator(f"main a[href='{add_url}']").click()
    page.wait_for_url(f"**{add_url}")
    page.fill("#id_no_kk", NEW_KK)
    page.fill("#id_dusun", "Krajan")
    page.fill("#id_rt", "003")
    page.fill("#id_rw", "001")
    page.fill("#id_address", "Jl. Uji Peramban No. 1")
    head_nik = nik_for(HEAD_BORN, Member.Sex.MALE, 9001)
    fill_member(page, 0, nik=head_nik, name="Agus Peramban", sex="L", born=HEAD_BORN, relation="head")
    assert page.locator("input[name='members-TOTAL_FORMS']").input_value() == "1"

    # The member-form script adds the second member's fields.
    add_member = page.locator("#add-member")
    assert add_member.is_visible()
    add_member.click()
    assert page.locator("input[name='members-TOTAL_FORMS']").input_value() == "2"
    assert page.locator("#id_members-1-nik").is_visible()
    wife_nik = nik_for(WIFE_BORN, Member.Sex.FEMALE, 9002)
    fill_member(page, 1, nik=wife_nik, name="Dewi Peramban", sex="P", born=WIFE_BORN, relation="wife")
    # A PMI: the script shows the fields of working abroad.
    assert not page.locator("#id_members-1-destination_country").is_visible()
    page.select_option("#id_members-1-migration_status", "pmi")
    assert page.locator("#id_members-1-destination_country").is_visible()
    # One list of every country on the page, which each row's input names; the name is sent.
    assert page.locator("datalist#country-names option").count() == len(countries)
    assert page.get_attribute("#id_members-1-destination_country", "list") == "country-names"
    page.fill("#id_members-1-destination_country", "Malaysia")
    page.select_option("#id_members-1-sector", "formal")
    page.select_option("#id_members-1-channel", "procedural")
    page.fill("#id_members-1-departure_date", "2021-06-01")
    assert_accessible(page, "the household form")

    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    household = Household.objects.get(no_kk=NEW_KK)
    assert household.village_id == BRENGKOK
    assert sorted(household.members.values_list("nik", "migration_status")) == sorted(
        [(head_nik, "family"), (wife_nik, "pmi")]
    )

    page.goto(households_url)
    row = page.locator("main table tbody tr", has_text="Agus Peramban")
    assert row.count() == 1
    assert "Dewi Peramban" in row.inner_text()

    # The quarter's report: from the village's Reports tab.
    reports_url = require_url(
        "reports:village_reports", "Submitting the quarter's report (reports app)", code=BRENGKOK
    )
    page.locator(f"main a[href='{reports_url}']").first.click()
    page.wait_for_url(f"**{reports_url}")
    submit_url = require_url("reports:submit", "Submitting the quarter's report (reports app)", code=BRENGKOK)
    page.locator(f"main a[href='{submit_url}']").click()
    page.wait_for_url(f"**{submit_url}")
    year, quarter = current_quarter()
    assert page.input_value("[name='year']") == str(year)
    assert page.input_value("[name='quarter']") == str(quarter)
    for name, text in NARRATIVES.items():
        page.fill(f"textarea[name='{name}']", text)
    assert_accessible(page, "the report form")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    report = ProgressReport.objects.get(village_id=BRENGKOK, year=year, quarter=quarter)
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.submitted_by.username == OFFICER
    assert report.narrative_cooperative == NARRATIVES["narrative_cooperative"]
    page.wait_for_url(f"**{reverse('reports:detail', kwargs={'pk': report.pk})}")
    # Waiting for the regency office's review.
    assert page.locator("main h1 .report-status").inner_text() == report.get_status_display()
    assert_accessible(page, "the submitted report")


def current_quarter():
    return quarter_of(timezone.localdate())


NARRATIVES = {
    "narrative_migration_services": "Layanan migrasi: 12 warga mendapat informasi kerja ke luar negeri.",
    "narrative_productive_business": "Usaha produktif: pelatihan olahan ikan untuk 8 keluarga PMI.",
    "narrative_community_parenting": "Parenting: dua pertemuan bulanan bersama anak-anak PMI.",
    "narrative_cooperative": "Koperasi: simpan pinjam dimulai dengan 20 anggota.",
}


def fill_member(page, index, *, nik, name, sex, born, relation):
    prefix = f"#id_members-{index}-"
    page.fill(prefix + "nik", nik)
    page.fill(prefix + "name", name)
    page.select_option(prefix + "sex", sex)
    page.fill(prefix + "birth_date", born.isoformat())
    page.select_option(prefix + "relation", relation)
    page.select_option(prefix + "education", "sma")
    page.select_option(prefix + "migration_status", "family")


def survey_rows():
    """Two new households of Brengkok: a PMI husband with his wife, and a
    returnee living alone."""
    address = {"kode_desa": BRENGKOK, "dusun": "Krajan", "rt": "004", "rw": "002"}
    family = {
        "pendidikan": "SMA",
        "negara_tujuan": "",
        "sektor": "",
        "jabatan": "",
        "p3mi": "",
        "tanggal_berangkat": "",
        "tanggal_kembali": "",
        "jalur": "",
    }
    return [
        {
            **address,
            **family,
            "no_kk": "3524071205159101",
            "alamat": "Jl. Impor No. 1",
            "nik": "3524071205909101",  # a man born 12/05/1990
            "nama": "Joko Impor",
            "jenis_kelamin": "L",
            "tanggal_lahir": "12/05/1990",
            "hubungan_keluarga": "Kepala Keluarga",
            "status_migrasi": "PMI",
            "negara_tujuan": "Malaysia",
            "sektor": "Formal",
            "jabatan": "Operator pabrik",
            "tanggal_berangkat": "15/01/2020",
            "jalur": "Prosedural",
        },
        {
            **address,
            **family,
            "no_kk": "3524071205159101",
            "alamat": "Jl. Impor No. 1",
            "nik": "3524074406929102",  # a woman born 04/06/1992
            "nama": "Sri Impor",
            "jenis_kelamin": "P",
            "tanggal_lahir": "04/06/1992",
            "hubungan_keluarga": "Istri",
            "status_migrasi": "Keluarga",
        },
        {
            **address,
            **family,
            "no_kk": "3524070203169103",
            "alamat": "Jl. Impor No. 2",
            "nik": "3524072007859103",  # a man born 20/07/1985
            "nama": "Bambang Impor",
            "jenis_kelamin": "L",
            "tanggal_lahir": "20/07/1985",
            "hubungan_keluarga": "Kepala Keluarga",
            "status_migrasi": "PMI Purna",
            "negara_tujuan": "Taiwan",
            "sektor": "Informal",
            "tanggal_berangkat": "01/02/2012",
            "tanggal_kembali": "01/03/2018",
            "jalur": "Non-prosedural",
        },
    ]


def test_administrator_imports_a_household_survey(page, tmp_path):
    survey = tmp_path / "survei-brengkok.csv"
    survey.write_text("".join(write_csv(survey_rows(), household_format.COLUMNS)), encoding="utf-8")
    niks = [row["nik"] for row in survey_rows()]
    assert not Member.objects.filter(nik__in=niks).exists()

    sign_in(page, ADMINISTRATOR)
    upload_url = reverse("surveys:import_upload")
    page.goto(upload_url)
    assert_accessible(page, "the import upload page")
    page.check("input[name='kind'][value='households']")
    page.set_input_files("input[name='file']", str(survey))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # The check runs in the upload request (django-q2 sync in the test
    # settings); the progress page, if any, moves on to the result by itself.
    job = ImportJob.objects.get(original_name=survey.name)
    page.wait_for_url(re.compile(re.escape(reverse("surveys:import_detail", kwargs={"pk": job.pk})) + "$"))
    confirm = page.locator(
        f"form[action='{reverse('surveys:import_confirm', kwargs={'pk': job.pk})}'] button"
    )
    confirm.wait_for()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert (job.report["total_rows"], job.report["created"], job.report["rejected"]) == (3, 3, 0)
    counts = page.locator("main .card .fs-4").all_inner_texts()
    assert counts == ["3", "3", "0", "0", "0"]  # rows, to be created, to be updated, unchanged, rejected
    assert not Member.objects.filter(nik__in=niks).exists()
    assert_accessible(page, "the import check result")

    with page.expect_navigation():
        confirm.click()
    page.locator("main .alert-success").wait_for()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert_accessible(page, "the written import")

    assert sorted(Member.objects.filter(nik__in=niks).values_list("nik", flat=True)) == sorted(niks)
    assert (
        Household.objects.filter(
            no_kk__in=["3524071205159101", "3524070203169103"], village_id=BRENGKOK
        ).count()
        == 2
    )
    joko = Member.objects.get(nik="3524071205909101")
    assert (joko.migration_status, joko.destination_country) == ("pmi", "MY")


def test_ministry_staff_review_dashboards_and_send_a_report_back(page):
    sign_in(page, MINISTRY)
    overview_url = require_url("dashboards:overview", "The national overview (dashboards app)")
    # The overview is in the main menu.
    page.locator(f"nav a[href='{overview_url}']").click()
    page.wait_for_url(f"**{overview_url}")
    village_url = require_url("dashboards:village", "The village dashboard (dashboards app)", code=BRENGKOK)
    assert page.locator(f"main a[href='{village_url}']").count() >= 1, "Brengkok is not in the overview"
    assert_accessible(page, "the overview dashboard")

    map_url = require_url("dashboards:map", "The map (dashboards app)")
    page.locator(f"main a[href^='{map_url}']").first.click()
    page.wait_for_url(f"**{map_url}*")
    assert page.locator("#village-map").count() == 1
    assert_accessible(page, "the map")

    # The map's table of villages leads to the village's dashboard.
    page.locator(f"main a[href='{village_url}']").first.click()
    page.wait_for_url(f"**{village_url}")
    assert "Brengkok" in page.locator("main h1").first.inner_text()
    assert_accessible(page, "the village dashboard")

    # A report that the regency office passed on to the ministry.
    require_url("reports:queue", "Sending a report back (reports app)")
    from reports.services import report_accept, report_submit

    year, quarter = current_quarter()
    report = report_submit(
        village=Village.objects.get(pk=BRENGKOK),
        user=User.objects.get(username=OFFICER),
        year=year,
        quarter=quarter,
        **NARRATIVES,
    )
    report = report_accept(report=report, user=User.objects.get(username=REGENCY))

    queue_url = reverse("reports:queue")
    page.goto(queue_url)
    detail_url = reverse("reports:detail", kwargs={"pk": report.pk})
    page.locator(f"main a[href='{detail_url}']").first.click()
    page.wait_for_url(f"**{detail_url}")
    assert_accessible(page, "the report detail")

    # A reason is required.
    send_back = page.locator(f"form[action='{reverse('reports:send_back', kwargs={'pk': report.pk})}']")
    with page.expect_navigation():
        send_back.locator("button[type=submit]").click()
    assert page.locator("#id_reason.is-invalid, #error_1_id_reason, .invalid-feedback").count() > 0
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.REGENCY_ACCEPTED

    reason = "Narasi koperasi belum menyebut jumlah simpanan; mohon dilengkapi."
    send_back = page.locator(f"form[action='{reverse('reports:send_back', kwargs={'pk': report.pk})}']")
    send_back.locator("textarea[name='reason']").fill(reason)
    with page.expect_navigation():
        send_back.locator("button[type=submit]").click()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED
    assert report.events.get(action=ReviewEvent.Action.SENT_BACK).reason == reason

    # The officer sees why.
    page.context.clear_cookies()
    sign_in(page, OFFICER)
    page.goto(detail_url)
    assert reason in page.locator("#sent-back-reason").inner_text()
    assert (
        page.locator(f"main a[href='{reverse('reports:resubmit', kwargs={'pk': report.pk})}']").count() == 1
    )
