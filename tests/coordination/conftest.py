"""A small coordination world over the shared villages A (Brengkok, 35.24),
B (Lohgung, 35.24) and C (Namosain, 53.71):

    MOU "national" (Kemnaker + Kemenkes), pillars I and III, the whole country
        c_health:  Kemenkes, pillar III  -> A realised, B in progress, C not started
        c_desk:    Kemnaker, pillar I    -> nothing recorded
    MOU "ntt" (Kemnaker + BNI), pillar IV, reach Nusa Tenggara Timur (53)
        c_credit:  BNI, pillar IV        -> C realised
    Programme "dana desa" (Kemendes PDTT), pillar II, villages A and C, realised 100
    Programme "planned only" (Kemnaker), pillar I, villages A and B, realised 0
    Programme "posyandu" (Kemenkes), pillar III, village A, realised 50

so the coverage matrix is

    village  I        II             III        IV
    A        no one   Kemendes PDTT  Kemenkes   no one
    B        no one   no one         no one     no one
    C        no one   Kemendes PDTT  no one     BNI
"""

from types import SimpleNamespace

import pytest
from django.utils import translation

from coordination.models import Realisation
from tests.coordination.factories import (
    AgencyFactory,
    make_budget_line,
    make_commitment,
    make_mou,
    make_programme,
    make_realisation,
)


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are checked in English, the source language, whatever the
    catalogues say: in pages (the language cookie) and in direct calls."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agencies(db):
    return SimpleNamespace(
        kemnaker=AgencyFactory(short_name="Kemnaker", name="Kementerian Ketenagakerjaan"),
        kemenkes=AgencyFactory(short_name="Kemenkes", name="Kementerian Kesehatan"),
        kemendes=AgencyFactory(short_name="Kemendes PDTT", name="Kementerian Desa PDTT"),
        bni=AgencyFactory(short_name="BNI", name="Bank Negara Indonesia", kind="bank"),
    )


@pytest.fixture
def world(villages, agencies):
    a, b, c = villages.a, villages.b, villages.c
    national = make_mou(number="MOU/KES/2017", parties=[agencies.kemnaker, agencies.kemenkes], pillars=[1, 3])
    ntt = make_mou(
        number="PKS/BNI/2018", parties=[agencies.kemnaker, agencies.bni], pillars=[4], reach=["53"]
    )
    c_health = make_commitment(mou=national, agency=agencies.kemenkes, pillar=3)
    c_desk = make_commitment(mou=national, agency=agencies.kemnaker, pillar=1)
    c_credit = make_commitment(mou=ntt, agency=agencies.bni, pillar=4)
    status = Realisation.Status
    r_a = make_realisation(commitment=c_health, village=a, status=status.REALISED)
    r_b = make_realisation(commitment=c_health, village=b, status=status.IN_PROGRESS)
    r_c = make_realisation(commitment=c_health, village=c, status=status.NOT_STARTED)
    r_credit_c = make_realisation(commitment=c_credit, village=c, status=status.REALISED)
    dana_desa = make_programme(agency=agencies.kemendes, pillar=2, villages=[a, c], name="Dana Desa")
    make_budget_line(programme=dana_desa, source="dana_desa", planned=100, realised=100)
    planned_only = make_programme(agency=agencies.kemnaker, pillar=1, villages=[a, b], name="Planned only")
    make_budget_line(programme=planned_only, planned=100, realised=0)
    posyandu = make_programme(agency=agencies.kemenkes, pillar=3, villages=[a], name="Posyandu")
    make_budget_line(programme=posyandu, planned=100, realised=50)
    return SimpleNamespace(
        national=national,
        ntt=ntt,
        c_health=c_health,
        c_desk=c_desk,
        c_credit=c_credit,
        r_a=r_a,
        r_b=r_b,
        r_c=r_c,
        r_credit_c=r_credit_c,
        dana_desa=dana_desa,
        planned_only=planned_only,
        posyandu=posyandu,
    )
