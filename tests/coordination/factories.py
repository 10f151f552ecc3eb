"""Builders for coordination records. They go through the services, so a
test fixture obeys the same rules as the pages."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from coordination.models import MOU, Agency, BudgetLine, Commitment, Programme, Realisation
from coordination.services import (
    budget_line_save,
    commitment_save,
    mou_save,
    programme_save,
    realisation_save,
)
from villages.models import Area

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["short_name"]

    short_name = factory.Sequence(lambda n: f"Agency {n}")
    name = factory.LazyAttribute(lambda o: f"Badan {o.short_name}")
    kind = Agency.Kind.MINISTRY


def make_mou(
    *, parties, pillars=(1, 2, 3, 4), reach=(), number=None, signed_on=None, valid_until=None, **extra
):
    mou = MOU(
        number=number or f"MOU/{MOU.objects.count() + 1}/2018",
        title=extra.pop("title", "Kerja sama Desmigratif"),
        signed_on=signed_on or datetime.date(2018, 1, 15),
        valid_until=valid_until,
        **extra,
    )
    return mou_save(
        mou=mou,
        parties=list(parties),
        pillars=list(pillars),
        reach=list(Area.objects.filter(code__in=reach)),
    )


def make_commitment(*, mou, agency, pillar, description="Pendampingan di desa"):
    return commitment_save(
        commitment=Commitment(mou=mou, agency=agency, pillar=pillar, description=description)
    )


def make_realisation(*, commitment, village, status=Realisation.Status.REALISED, status_date=None, user=None):
    if status_date is None and status != Realisation.Status.NOT_STARTED:
        status_date = datetime.date(2019, 6, 1)
    return realisation_save(
        realisation=Realisation(
            commitment=commitment, village=village, status=status, status_date=status_date
        ),
        user=user,
    )


def make_programme(*, agency, pillar, villages=(), start_date=None, end_date=None, name=None, **extra):
    programme = Programme(
        agency=agency,
        pillar=pillar,
        name=name or f"Program {Programme.objects.count() + 1}",
        start_date=start_date or datetime.date(2018, 1, 1),
        end_date=end_date,
        **extra,
    )
    return programme_save(programme=programme, villages=list(villages), partners=[])


def make_budget_line(*, programme, source=BudgetLine.Source.APBN, fiscal_year=2019, planned=100, realised=0):
    return budget_line_save(
        budget_line=BudgetLine(
            programme=programme,
            source=source,
            fiscal_year=fiscal_year,
            planned=Decimal(planned),
            realised=Decimal(realised),
        )
    )
