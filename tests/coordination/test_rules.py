"""The coordination rules, at the service and database level: an MOU's reach,
dates that run backwards, fiscal years before the programme, negative money,
a realised amount above the plan, PDF-only documents."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from coordination.forms import BudgetLineForm, MOUForm, RupiahField
from coordination.models import (
    MOU,
    BudgetLine,
    NationalPriority,
    PlanPeriod,
    Programme,
    Realisation,
    area_code_within,
)
from coordination.services import budget_line_save, mou_save, programme_save, realisation_save
from tests.coordination.factories import (
    PDF_BYTES,
    make_budget_line,
    make_commitment,
    make_mou,
    make_programme,
    make_realisation,
)


def messages_of(error, field):
    return " ".join(error.value.message_dict.get(field, []))


# Reach ----------------------------------------------------------------------------------


def test_realisation_outside_the_mous_reach_is_refused_with_a_clear_message(world, village_a):
    """The BNI MOU reaches Nusa Tenggara Timur (53); Brengkok is in Jawa Timur."""
    with pytest.raises(ValidationError) as error:
        make_realisation(commitment=world.c_credit, village=village_a)

    message = messages_of(error, "village")
    assert "outside the reach of MOU PKS/BNI/2018" in message
    assert "Nusa Tenggara Timur" in message
    assert not Realisation.objects.filter(commitment=world.c_credit, village=village_a).exists()


def test_realisation_inside_a_province_reach_is_accepted(world, village_c):
    assert world.r_credit_c.village == village_c


@pytest.mark.parametrize(
    ("reach", "village", "allowed"),
    [
        ([], "a", True),  # no reach: the whole country
        (["35.24"], "a", True),  # the regency of A
        (["35.24"], "c", False),
        (["35.24.07.2004"], "a", True),  # A itself
        (["35.24.07.2004"], "b", False),  # B is in the same district, not the same village
        (["53", "35.24.07.2001"], "b", True),
    ],
)
def test_reach_is_the_areas_and_everything_under_them(agencies, villages, reach, village, allowed):
    mou = make_mou(parties=[agencies.kemnaker, agencies.kemenkes], pillars=[3], reach=reach)
    commitment = make_commitment(mou=mou, agency=agencies.kemenkes, pillar=3)
    target = getattr(villages, village)

    if allowed:
        make_realisation(commitment=commitment, village=target)
    else:
        with pytest.raises(ValidationError, match="outside the reach"):
            make_realisation(commitment=commitment, village=target)


def test_a_prefix_of_a_code_is_not_an_area_above_it():
    assert area_code_within("35.24.07.2004", ["35.24"])
    assert not area_code_within("35.24.07.2004", ["35.2"])
    assert area_code_within("35.24.07.2004", [])


def test_reach_cannot_be_narrowed_away_from_recorded_realisations(world, agencies, tree):
    """Village A has a realisation under the national MOU: a reach without it is refused."""
    with pytest.raises(ValidationError) as error:
        mou_save(
            mou=world.national,
            parties=[agencies.kemnaker, agencies.kemenkes],
            pillars=[1, 3],
            reach=[tree.ntt],
        )

    assert "Brengkok" in messages_of(error, "reach")
    assert list(world.national.reach.all()) == []


def test_one_realisation_per_commitment_and_village(world, village_a):
    with pytest.raises(ValidationError, match="already has a realisation for this village"):
        make_realisation(commitment=world.c_health, village=village_a)


def test_database_refuses_a_second_realisation_for_the_same_village(world, village_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Realisation.objects.create(commitment=world.c_health, village=village_a, status="not_started")


# Realisation dates ----------------------------------------------------------------------


def test_realised_needs_a_date(world, village_b):
    realisation = world.r_b
    realisation.status = Realisation.Status.REALISED
    realisation.status_date = None

    with pytest.raises(ValidationError) as error:
        realisation_save(realisation=realisation)

    assert "date" in messages_of(error, "status_date")


def test_realisation_date_cannot_be_in_the_future(world):
    realisation = world.r_b
    realisation.status_date = datetime.date.today() + datetime.timedelta(days=2)

    with pytest.raises(ValidationError, match="cannot be in the future"):
        realisation_save(realisation=realisation)


def test_realisation_date_cannot_be_before_the_mou_was_signed(world):
    realisation = world.r_b
    realisation.status_date = datetime.date(2017, 1, 1)  # the MOU was signed on 15/01/2018

    with pytest.raises(ValidationError, match="before the MOU was signed"):
        realisation_save(realisation=realisation)


# MOUs and commitments -------------------------------------------------------------------


def test_mou_cannot_end_before_it_was_signed(agencies):
    with pytest.raises(ValidationError) as error:
        make_mou(
            parties=[agencies.kemnaker, agencies.bni],
            signed_on=datetime.date(2019, 5, 1),
            valid_until=datetime.date(2019, 4, 30),
        )

    assert "cannot end before it was signed" in messages_of(error, "valid_until")
    assert not MOU.objects.exists()


def test_database_refuses_an_mou_that_ends_before_it_was_signed(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        MOU.objects.create(
            number="X",
            title="X",
            signed_on=datetime.date(2019, 5, 1),
            valid_until=datetime.date(2019, 4, 30),
            covers_pillar_1=True,
        )


def test_mou_needs_two_parties(agencies):
    with pytest.raises(ValidationError, match="at least two parties"):
        make_mou(parties=[agencies.kemnaker])


def test_party_with_commitments_stays_a_party(world, agencies):
    with pytest.raises(ValidationError) as error:
        mou_save(mou=world.ntt, parties=[agencies.kemnaker, agencies.kemenkes], pillars=[4], reach=[])

    assert "BNI" in messages_of(error, "parties")


def test_pillar_with_commitments_stays_covered(world, agencies):
    with pytest.raises(ValidationError) as error:
        mou_save(mou=world.national, parties=[agencies.kemnaker, agencies.kemenkes], pillars=[1], reach=[])

    assert "Community parenting" in messages_of(error, "pillars")


def test_commitment_agency_must_be_a_party(world, agencies):
    with pytest.raises(ValidationError) as error:
        make_commitment(mou=world.ntt, agency=agencies.kemendes, pillar=4)

    assert "one of the MOU's parties" in messages_of(error, "agency")


def test_commitment_pillar_must_be_covered_by_the_mou(world, agencies):
    with pytest.raises(ValidationError) as error:
        make_commitment(mou=world.ntt, agency=agencies.bni, pillar=2)

    assert "does not cover this pillar" in messages_of(error, "pillar")


# Programmes -------------------------------------------------------------------------------


def test_programme_cannot_end_before_it_starts(agencies):
    with pytest.raises(ValidationError) as error:
        make_programme(
            agency=agencies.kemnaker,
            pillar=1,
            start_date=datetime.date(2020, 3, 1),
            end_date=datetime.date(2020, 2, 28),
        )

    assert "cannot end before it starts" in messages_of(error, "end_date")
    assert not Programme.objects.exists()


def test_database_refuses_a_programme_that_ends_before_it_starts(agencies):
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.create(
            agency=agencies.kemnaker,
            name="X",
            pillar=1,
            start_date=datetime.date(2020, 3, 1),
            end_date=datetime.date(2020, 2, 28),
        )


def test_programme_dates_cannot_leave_its_budget_years_out(world):
    programme = world.dana_desa  # a budget line for 2019
    programme.start_date = datetime.date(2020, 1, 1)

    with pytest.raises(ValidationError) as error:
        programme_save(programme=programme, villages=[], partners=[])

    assert "budget for 2019" in messages_of(error, "start_date")


# Budget lines -------------------------------------------------------------------------------


def test_budget_before_the_programme_began_in_2016_is_refused(world):
    with pytest.raises(ValidationError) as error:
        make_budget_line(programme=world.dana_desa, fiscal_year=2015)

    assert "began in 2016" in messages_of(error, "fiscal_year")


def test_database_refuses_a_budget_before_2016(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(programme=world.dana_desa, source="apbn", fiscal_year=2015, planned=1)


def test_budget_before_the_programme_starts_is_refused(agencies):
    programme = make_programme(agency=agencies.kemnaker, pillar=1, start_date=datetime.date(2020, 1, 1))

    with pytest.raises(ValidationError, match="starts in 2020"):
        make_budget_line(programme=programme, fiscal_year=2019)


def test_budget_after_the_programme_ends_is_refused(agencies):
    programme = make_programme(
        agency=agencies.kemnaker,
        pillar=1,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 6, 30),
    )

    with pytest.raises(ValidationError, match="ends in 2021"):
        make_budget_line(programme=programme, fiscal_year=2022)


@pytest.mark.parametrize("field", ["planned", "realised"])
def test_negative_amounts_are_refused(world, field):
    line = BudgetLine(programme=world.dana_desa, source="csr", fiscal_year=2019, planned=10, realised=0)
    setattr(line, field, Decimal(-1))

    with pytest.raises(ValidationError) as error:
        budget_line_save(budget_line=line)

    assert "cannot be negative" in messages_of(error, field)


@pytest.mark.parametrize("field", ["planned", "realised"])
def test_database_refuses_negative_amounts(world, field):
    values = {"planned": 10, "realised": 0, field: -1}
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(programme=world.dana_desa, source="csr", fiscal_year=2019, **values)


def test_one_budget_line_per_source_and_year(world):
    with pytest.raises(ValidationError, match="already has a budget line from this source"):
        make_budget_line(programme=world.dana_desa, source="dana_desa", fiscal_year=2019)


def test_the_service_stores_a_realised_amount_above_the_plan(world):
    """The confirmation is a form rule; the record itself is allowed."""
    line = make_budget_line(programme=world.dana_desa, source="csr", planned=100, realised=150)

    assert line.above_plan


def budget_form(programme, **data):
    return BudgetLineForm(
        {"source": "csr", "fiscal_year": "2019", "planned": "1.000.000", "realised": "0", **data},
        instance=BudgetLine(programme=programme),
        programme=programme,
    )


def test_form_refuses_realised_above_planned_without_confirmation(world):
    form = budget_form(world.dana_desa, realised="1.250.000")

    assert not form.is_valid()
    assert "above the plan" in " ".join(form.errors["realised"])
    assert "Rp 1.250.000" in " ".join(form.errors["realised"])


def test_form_accepts_realised_above_planned_with_confirmation(world):
    form = budget_form(world.dana_desa, realised="1.250.000", confirm_above_plan="on")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["realised"] == Decimal(1_250_000)


def test_form_shows_the_fiscal_year_rule(world):
    form = budget_form(world.dana_desa, fiscal_year="2015")

    assert not form.is_valid()
    assert "began in 2016" in " ".join(form.errors["fiscal_year"])


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.250.000", 1_250_000),
        ("Rp 1.250.000", 1_250_000),
        ("rp1250000", 1_250_000),
        ("1 250 000", 1_250_000),
        ("1.250.000,00", 1_250_000),
        ("0", 0),
    ],
)
def test_rupiah_field_reads_indonesian_amounts(typed, value):
    assert RupiahField().clean(typed) == Decimal(value)


def test_rupiah_field_refuses_cents():
    with pytest.raises(ValidationError, match="whole rupiah"):
        RupiahField().clean("1.250.000,50")


def test_rupiah_field_shows_amounts_with_indonesian_grouping():
    assert RupiahField().prepare_value(Decimal(1_250_000)) == "1.250.000"


# MOU documents ----------------------------------------------------------------------------


def mou_form(agencies, document):
    return MOUForm(
        {
            "number": "1/2019",
            "title": "Kerja sama",
            "parties": [agencies.kemnaker.pk, agencies.bni.pk],
            "pillars": ["4"],
            "signed_on": "2019-01-02",
        },
        {"document": document},
        instance=MOU(),
    )


def test_pdf_document_is_accepted(agencies):
    form = mou_form(agencies, SimpleUploadedFile("mou.pdf", PDF_BYTES, content_type="application/pdf"))

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("mou.pdf", b"PK\x03\x04 a zip renamed to .pdf"),
        ("mou.docx", b"PK\x03\x04 word document"),
        ("mou.pdf", b"<html><script>alert(1)</script>"),
        ("scan.jpg", b"\xff\xd8\xff\xe0 JFIF"),
    ],
)
def test_document_that_is_not_a_pdf_is_refused(agencies, name, content):
    form = mou_form(agencies, SimpleUploadedFile(name, content, content_type="application/pdf"))

    assert not form.is_valid()
    assert "not a PDF" in " ".join(form.errors["document"])


def test_document_above_10_mb_is_refused(agencies):
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    form = mou_form(agencies, SimpleUploadedFile("mou.pdf", big, content_type="application/pdf"))

    assert not form.is_valid()
    assert "larger than 10 MB" in " ".join(form.errors["document"])


def test_document_is_stored_under_a_random_name_in_the_mou_folder(agencies, media_root):
    form = mou_form(agencies, SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES))
    assert form.is_valid(), form.errors

    mou = mou_save(mou=form.instance, parties=[agencies.kemnaker, agencies.bni], pillars=[4], reach=[])

    assert mou.document.name.startswith("mou/")
    assert "passwd" not in mou.document.name
    assert mou.document_name == "passwd.pdf"
    assert (media_root / mou.document.name).read_bytes() == PDF_BYTES


# Plan periods ---------------------------------------------------------------------------------


def test_rpjmn_2020_2024_and_its_seven_priorities_are_loaded(db):
    period = PlanPeriod.objects.get(name="RPJMN 2020-2024")

    priorities = list(NationalPriority.objects.filter(period=period).order_by("number"))

    assert (period.start_year, period.end_year) == (2020, 2024)
    assert [p.number for p in priorities] == [1, 2, 3, 4, 5, 6, 7]
    assert priorities[2].title == "Meningkatkan sumber daya manusia berkualitas dan berdaya saing"


def test_an_administrator_can_add_the_next_plan_period(db):
    period = PlanPeriod.objects.create(name="RPJMN 2025-2029", start_year=2025, end_year=2029)
    NationalPriority.objects.create(period=period, number=1, title="Prioritas baru")

    assert NationalPriority.objects.filter(period__name="RPJMN 2025-2029").count() == 1
