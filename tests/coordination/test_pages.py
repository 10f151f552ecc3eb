"""The coordination pages: ministry staff keep MOUs, commitments, realisations,
programmes and budgets; officers read the realisations of their village."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.models import MOU, Agency, BudgetLine, Commitment, NationalPriority, Programme, Realisation
from tests.coordination.factories import PDF_BYTES, make_budget_line, make_mou

A, B, C = "35.24.07.2004", "35.24.07.2001", "53.71.01.1001"


def text(response):
    return response.content.decode()


# The main journey -------------------------------------------------------------------------


def test_ministry_staff_create_an_mou_with_a_commitment_and_record_a_realisation(
    client, ministry_user, agencies, villages, media_root
):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/mou/tambah/",
        {
            "number": "B.12/MEN/2019",
            "title": "Kesehatan calon PMI",
            "parties": [agencies.kemnaker.pk, agencies.kemenkes.pk],
            "pillars": ["1", "3"],
            "signed_on": "2019-02-01",
            "valid_until": "2024-01-31",
            "reach_codes": "35.24, 5371",  # undotted codes are read too
            "document": SimpleUploadedFile("MOU Kemenkes.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    )

    mou = MOU.objects.get(number="B.12/MEN/2019")
    assert response.status_code == 302
    assert response["Location"] == f"/koordinasi/mou/{mou.pk}/"
    assert set(mou.parties.values_list("short_name", flat=True)) == {"Kemnaker", "Kemenkes"}
    assert mou.pillars == [1, 3]
    assert sorted(mou.reach_codes()) == ["35.24", "53.71"]
    assert mou.document_name == "MOU Kemenkes.pdf"

    response = client.post(
        f"/koordinasi/mou/{mou.pk}/komitmen/tambah/",
        {"agency": agencies.kemenkes.pk, "pillar": "3", "description": "Posyandu mengisi sesi parenting"},
    )
    commitment = Commitment.objects.get(mou=mou)
    assert response.status_code == 302
    assert (commitment.agency, commitment.pillar) == (agencies.kemenkes, 3)

    form_page = client.get(f"/koordinasi/komitmen/{commitment.pk}/realisasi/tambah/", {"desa": A})
    assert form_page.status_code == 200
    assert form_page.context["form"]["village"].value() == A
    response = client.post(
        f"/koordinasi/komitmen/{commitment.pk}/realisasi/tambah/?desa={A}",
        {"village": A, "status": "realised", "status_date": "2019-08-15", "evidence": "Daftar hadir sesi"},
    )
    assert response.status_code == 302
    realisation = Realisation.objects.get(commitment=commitment)
    assert (realisation.village_id, realisation.status) == (A, "realised")
    assert realisation.status_date == datetime.date(2019, 8, 15)
    assert realisation.updated_by == ministry_user

    detail = client.get(f"/koordinasi/mou/{mou.pk}/")
    grid = dict(detail.context["grid"])
    assert [r for _c, r in grid[villages.a]] == [realisation]
    assert [r for _c, r in grid[villages.b]] == [None]
    assert villages.c in grid  # Kota Kupang is within the reach
    assert "MOU Kemenkes.pdf" in text(detail)


def test_realisation_grid_offers_an_existing_record_for_editing(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.get(f"/koordinasi/komitmen/{world.c_health.pk}/realisasi/tambah/", {"desa": A})

    assert response.status_code == 302
    assert response["Location"] == f"/koordinasi/realisasi/{world.r_a.pk}/ubah/"


def test_officer_sees_the_realisation_of_their_village_but_cannot_edit_it(client, officer_a, world):
    client.force_login(officer_a)

    listing = client.get("/koordinasi/realisasi/")
    detail = client.get(f"/koordinasi/realisasi/{world.r_a.pk}/")
    mou_page = client.get(f"/koordinasi/mou/{world.national.pk}/")
    edit = client.get(f"/koordinasi/realisasi/{world.r_a.pk}/ubah/")
    post = client.post(
        f"/koordinasi/realisasi/{world.r_a.pk}/ubah/",
        {"status": "not_started", "status_date": "", "evidence": "changed by the officer"},
    )

    assert [r.pk for r in listing.context["page"].object_list] == [world.r_a.pk]
    assert detail.status_code == 200
    assert "Kemenkes" in text(detail)
    assert [village.code for village, _cells in mou_page.context["grid"]] == [A]
    assert "Edit realisation" not in text(detail)
    assert f"/koordinasi/realisasi/{world.r_a.pk}/ubah/" not in text(mou_page)
    assert (edit.status_code, post.status_code) == (403, 403)
    world.r_a.refresh_from_db()
    assert world.r_a.status == "realised" and world.r_a.evidence == ""


def test_officer_does_not_see_other_villages_realisations(client, officer_a, world):
    client.force_login(officer_a)

    assert client.get(f"/koordinasi/realisasi/{world.r_b.pk}/").status_code == 404
    assert client.get(f"/koordinasi/realisasi/{world.r_credit_c.pk}/").status_code == 404
    html = text(client.get(f"/koordinasi/mou/{world.national.pk}/"))
    assert "Lohgung" not in html and "Namosain" not in html


def test_ministry_staff_change_a_realisation(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.post(
        f"/koordinasi/realisasi/{world.r_b.pk}/ubah/",
        {"status": "realised", "status_date": "2020-01-10", "evidence": "Berita acara"},
    )

    assert response.status_code == 302
    world.r_b.refresh_from_db()
    assert (world.r_b.status, world.r_b.evidence) == ("realised", "Berita acara")


# Bad input shown on the form ---------------------------------------------------------------


def test_realisation_form_refuses_a_village_outside_the_reach(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.post(
        f"/koordinasi/komitmen/{world.c_credit.pk}/realisasi/tambah/",
        {"village": A, "status": "realised", "status_date": "2019-08-15"},
    )

    assert response.status_code == 200
    assert "outside the reach of MOU PKS/BNI/2018" in text(response)
    assert "nothing has been saved" in text(response)
    assert not Realisation.objects.filter(commitment=world.c_credit, village_id=A).exists()


def test_realisation_form_refuses_a_second_record_for_the_same_village(client, ministry_user, world):
    client.force_login(ministry_user)

    response = client.post(
        f"/koordinasi/komitmen/{world.c_health.pk}/realisasi/tambah/",
        {"village": A, "status": "in_progress", "status_date": "2019-08-15"},
    )

    assert response.status_code == 200
    assert "already has a realisation for this village" in text(response)


def test_mou_form_refuses_an_end_before_the_signing(client, ministry_user, agencies):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/mou/tambah/",
        {
            "number": "X/2019",
            "title": "X",
            "parties": [agencies.kemnaker.pk, agencies.bni.pk],
            "pillars": ["4"],
            "signed_on": "2019-02-01",
            "valid_until": "2019-01-31",
        },
    )

    assert response.status_code == 200
    assert "An MOU cannot end before it was signed" in text(response)
    assert not MOU.objects.exists()


def test_mou_form_refuses_unknown_reach_codes_and_non_pdf_documents(client, ministry_user, agencies, tree):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/mou/tambah/",
        {
            "number": "X/2019",
            "title": "X",
            "parties": [agencies.kemnaker.pk, agencies.bni.pk],
            "pillars": ["4"],
            "signed_on": "2019-02-01",
            "reach_codes": "53, 99.99",
            "document": SimpleUploadedFile(
                "mou.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf"
            ),
        },
    )

    assert response.status_code == 200
    assert "Unknown area codes: 99.99" in text(response)
    assert "The document is not a PDF file" in text(response)
    assert not MOU.objects.exists()


def test_mou_form_refuses_dropping_a_party_with_commitments(client, ministry_user, world, agencies):
    client.force_login(ministry_user)

    response = client.post(
        f"/koordinasi/mou/{world.ntt.pk}/ubah/",
        {
            "number": world.ntt.number,
            "title": world.ntt.title,
            "parties": [agencies.kemnaker.pk, agencies.kemenkes.pk],
            "pillars": ["4"],
            "signed_on": "2018-01-15",
            "reach_codes": "53",
        },
    )

    assert response.status_code == 200
    assert "must stay parties: BNI" in text(response)
    assert set(world.ntt.parties.values_list("short_name", flat=True)) == {"Kemnaker", "BNI"}


def test_programme_form_refuses_an_end_before_the_start(client, ministry_user, agencies, villages):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/program/tambah/",
        {
            "name": "Pelatihan",
            "agency": agencies.kemnaker.pk,
            "pillar": "2",
            "start_date": "2021-03-01",
            "end_date": "2021-02-01",
            "villages": [A, B],
        },
    )

    assert response.status_code == 200
    assert "A programme cannot end before it starts" in text(response)
    assert not Programme.objects.exists()


def test_ministry_staff_add_a_programme_with_hits_tags(client, ministry_user, agencies, villages):
    client.force_login(ministry_user)
    priority = NationalPriority.objects.get(period__name="RPJMN 2020-2024", number=3)

    response = client.post(
        "/koordinasi/program/tambah/",
        {
            "name": "Pengasuhan anak PMI",
            "agency": agencies.kemenkes.pk,
            "pillar": "3",
            "start_date": "2021-01-01",
            "end_date": "2022-12-31",
            "villages": [A, C],
            "priority": priority.pk,
            "strategy": "Perlindungan perempuan pekerja migran",
            "theme": "Pengasuhan",
            "stage": "midstream",
            "partners": [agencies.kemnaker.pk],
            "location": "Lamongan dan Kupang",
        },
    )

    programme = Programme.objects.get()
    assert response.status_code == 302
    assert sorted(programme.villages.values_list("area_id", flat=True)) == [A, C]
    assert programme.priority == priority
    assert list(programme.partners.all()) == [agencies.kemnaker]


def budget_post(**data):
    return {
        "source": "csr",
        "fiscal_year": "2019",
        "planned": "1.000.000",
        "realised": "0",
        "note": "",
        **data,
    }


def test_budget_page_asks_to_confirm_a_realised_amount_above_the_plan(client, ministry_user, world):
    client.force_login(ministry_user)
    url = f"/koordinasi/program/{world.dana_desa.pk}/anggaran/tambah/"

    refused = client.post(url, budget_post(realised="1.250.000"))
    confirmed = client.post(url, budget_post(realised="1.250.000", confirm_above_plan="on"))

    assert refused.status_code == 200
    assert "is above the plan" in text(refused)
    assert confirmed.status_code == 302
    line = BudgetLine.objects.get(programme=world.dana_desa, source="csr")
    assert (line.planned, line.realised) == (Decimal(1_000_000), Decimal(1_250_000))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fiscal_year": "2015"}, "began in 2016"),
        ({"planned": "-5"}, "An amount cannot be negative."),
        ({"realised": "-1"}, "An amount cannot be negative."),
        ({"planned": "1.000,50"}, "whole rupiah"),
    ],
)
def test_budget_page_refuses_bad_amounts_and_years(client, ministry_user, world, data, message):
    client.force_login(ministry_user)

    response = client.post(f"/koordinasi/program/{world.dana_desa.pk}/anggaran/tambah/", budget_post(**data))

    assert response.status_code == 200
    assert message in text(response)
    assert not BudgetLine.objects.filter(source="csr").exists()


def test_programme_page_shows_totals_per_source_in_rupiah(client, officer_a, world):
    make_budget_line(
        programme=world.dana_desa, source="apbdes", fiscal_year=2020, planned=1_250_000, realised=0
    )
    make_budget_line(
        programme=world.dana_desa, source="apbdes", fiscal_year=2021, planned=750_000, realised=500_000
    )
    client.force_login(officer_a)

    response = client.get(f"/koordinasi/program/{world.dana_desa.pk}/")

    totals = {t.source: (t.planned, t.realised) for t in response.context["totals"]}
    assert totals == {"dana_desa": (100, 100), "apbdes": (2_000_000, 500_000)}
    assert response.context["overall"].planned == 2_000_100
    html = text(response)
    assert "Rp 2.000.000" in html and "Rp 500.000" in html and "Rp 2.000.100" in html
    # The officer reads the programme, sees their own village and only a count of the others.
    assert [v.code for v in response.context["villages"]] == [A]
    assert response.context["other_villages"] == 1
    assert "Namosain" not in html
    assert "Add a budget line" not in html


def test_budget_line_edit_shows_amounts_with_grouping(client, ministry_user, world):
    client.force_login(ministry_user)
    line = world.dana_desa.budget_lines.get()
    line.planned = Decimal(1_250_000)
    line.save()

    response = client.get(f"/koordinasi/anggaran/{line.pk}/ubah/")

    assert 'value="1.250.000"' in text(response)


# Agencies and lists ---------------------------------------------------------------------------


def test_ministry_staff_add_an_agency(client, ministry_user, tree):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/instansi/tambah/",
        {
            "name": "Dinas Tenaga Kerja Kabupaten Lamongan",
            "short_name": "Disnaker Lamongan",
            "kind": "regency_office",
            "area": "35.24",
        },
    )

    assert response.status_code == 302
    assert Agency.objects.get(short_name="Disnaker Lamongan").area_id == "35.24"


def test_regency_office_must_be_given_a_regency(client, ministry_user, tree):
    client.force_login(ministry_user)

    response = client.post(
        "/koordinasi/instansi/tambah/",
        {"name": "Dinas X", "short_name": "Dinas X", "kind": "regency_office", "area": "35"},
    )

    assert response.status_code == 200
    assert "A regency / city office belongs to a regency / city." in text(response)
    assert not Agency.objects.filter(short_name="Dinas X").exists()


def test_lists_filter(client, province_user, world, agencies):
    client.force_login(province_user)

    mous = client.get("/koordinasi/mou/", {"agency": agencies.bni.pk}).context["page"].object_list
    programmes = client.get("/koordinasi/program/", {"pillar": "3"}).context["page"].object_list
    realised = client.get("/koordinasi/realisasi/", {"status": "realised"}).context["page"].object_list

    assert [m.number for m in mous] == ["PKS/BNI/2018"]
    assert [p.name for p in programmes] == ["Posyandu"]
    assert [r.village_id for r in realised] == [A]  # C's realised credit is outside Jawa Timur


def test_programme_list_totals_are_not_multiplied_by_villages(client, ministry_user, world):
    client.force_login(ministry_user)

    programmes = {p.name: p for p in client.get("/koordinasi/program/").context["page"].object_list}

    assert programmes["Dana Desa"].village_count == 2
    assert programmes["Dana Desa"].planned_total == 100
    assert programmes["Dana Desa"].realised_total == 100


def test_mou_document_is_served_to_signed_in_users_only(client, officer_b, agencies, media_root):
    mou = make_mou(
        parties=[agencies.kemnaker, agencies.bni],
        document=SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    url = f"/koordinasi/mou/{mou.pk}/dokumen/"

    anonymous = client.get(url)
    client.force_login(officer_b)
    signed_in = client.get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/masuk/")
    assert signed_in.status_code == 200
    assert signed_in["Content-Type"] == "application/pdf"
    assert b"".join(signed_in.streaming_content) == PDF_BYTES
    assert "private" in signed_in["Cache-Control"]
    # No public media URL: the stored path is not served.
    assert client.get(f"/media/{mou.document.name}").status_code == 404


def mou_edit_post(mou, **data):
    return {
        "number": mou.number,
        "title": mou.title,
        "parties": [p.pk for p in mou.parties.all()],
        "pillars": [str(n) for n in mou.pillars],
        "signed_on": mou.signed_on.isoformat(),
        **data,
    }


def test_mou_edit_links_the_document_through_the_portal_not_a_media_url(client, ministry_user, agencies):
    mou = make_mou(
        parties=[agencies.kemnaker, agencies.bni], document=SimpleUploadedFile("signed.pdf", PDF_BYTES)
    )
    client.force_login(ministry_user)

    html = text(client.get(f"/koordinasi/mou/{mou.pk}/ubah/"))

    assert f'href="/koordinasi/mou/{mou.pk}/dokumen/">signed.pdf</a>' in html
    assert "/media/" not in html
    assert mou.document.name not in html


def test_mou_edit_keeps_replaces_or_removes_the_document(client, ministry_user, agencies, media_root):
    mou = make_mou(
        parties=[agencies.kemnaker, agencies.bni], document=SimpleUploadedFile("first.pdf", PDF_BYTES)
    )
    client.force_login(ministry_user)
    url = f"/koordinasi/mou/{mou.pk}/ubah/"

    client.post(url, mou_edit_post(mou, notes="kept"))
    mou.refresh_from_db()
    assert (mou.notes, mou.document_name) == ("kept", "first.pdf")

    client.post(url, mou_edit_post(mou, document=SimpleUploadedFile("second.pdf", PDF_BYTES + b"2")))
    mou.refresh_from_db()
    assert mou.document_name == "second.pdf"
    assert mou.document.read() == PDF_BYTES + b"2"

    client.post(url, mou_edit_post(mou, remove_document="on"))
    mou.refresh_from_db()
    assert (mou.document.name, mou.document_name) == ("", "")


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ({"q": "bni"}, ["PKS/BNI/2018"]),
        ({"pillar": "1"}, ["MOU/KES/2017"]),
        ({"valid": "yes"}, ["MOU/KES/2017"]),
        ({"valid": "no"}, ["PKS/BNI/2018"]),
        ({}, ["MOU/KES/2017", "PKS/BNI/2018"]),
    ],
)
def test_mou_list_filters(client, officer_a, world, query, numbers):
    MOU.objects.filter(number="PKS/BNI/2018").update(valid_until=datetime.date(2019, 1, 14))
    client.force_login(officer_a)

    page = client.get("/koordinasi/mou/", query).context["page"]

    assert [m.number for m in page.object_list] == numbers
