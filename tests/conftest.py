"""Shared fixtures: a small area tree with three enrolled villages and the
standard cast of users.

    Jawa Timur (35)                      Nusa Tenggara Timur (53)
      Kabupaten Lamongan (35.24)           Kota Kupang (53.71)
        Brondong (35.24.07)                  Alak (53.71.01)
          A  Brengkok  35.24.07.2004           C  Namosain  53.71.01.1001
          B  Lohgung   35.24.07.2001
             Labuhan   35.24.07.2002 (an area, not enrolled)
"""

from pathlib import Path
from types import SimpleNamespace

import pytest

from desmigratif.models import Role
from tests.factories import (
    DistrictFactory,
    ProvinceFactory,
    RegencyFactory,
    UserFactory,
    VillageAreaFactory,
    VillageFactory,
)

TEST_AREA_FOLDER = Path(__file__).parent / "data" / "wilayah"


@pytest.fixture
def tree(db):
    jatim = ProvinceFactory(code="35", name="Jawa Timur")
    lamongan = RegencyFactory(code="35.24", name="Kabupaten Lamongan", parent=jatim)
    brondong = DistrictFactory(code="35.24.07", name="Brondong", parent=lamongan)
    ntt = ProvinceFactory(code="53", name="Nusa Tenggara Timur")
    kupang = RegencyFactory(code="53.71", name="Kota Kupang", parent=ntt)
    alak = DistrictFactory(code="53.71.01", name="Alak", parent=kupang)
    return SimpleNamespace(
        jatim=jatim,
        lamongan=lamongan,
        brondong=brondong,
        brengkok=VillageAreaFactory(code="35.24.07.2004", name="Brengkok", parent=brondong),
        lohgung=VillageAreaFactory(code="35.24.07.2001", name="Lohgung", parent=brondong),
        labuhan=VillageAreaFactory(code="35.24.07.2002", name="Labuhan", parent=brondong),
        ntt=ntt,
        kupang=kupang,
        alak=alak,
        namosain=VillageAreaFactory(code="53.71.01.1001", name="Namosain", parent=alak),
    )


@pytest.fixture
def villages(tree):
    return SimpleNamespace(
        a=VillageFactory(area=tree.brengkok, cohort_year=2017),
        b=VillageFactory(area=tree.lohgung, cohort_year=2018),
        c=VillageFactory(area=tree.namosain, cohort_year=2018),
    )


@pytest.fixture
def village_a(villages):
    return villages.a


@pytest.fixture
def village_b(villages):
    return villages.b


@pytest.fixture
def village_c(villages):
    return villages.c


# The cast. Every user fixture also enrols the three villages, so a test that
# signs someone in always has the same country to look at.


@pytest.fixture
def officer_a(villages):
    return UserFactory(username="officer_a", role=Role.VILLAGE_OFFICER, scope=villages.a.area)


@pytest.fixture
def officer_b(villages):
    return UserFactory(username="officer_b", role=Role.VILLAGE_OFFICER, scope=villages.b.area)


@pytest.fixture
def regency_user(villages, tree):
    return UserFactory(username="disnaker_lamongan", role=Role.REGENCY, scope=tree.lamongan)


@pytest.fixture
def province_user(villages, tree):
    return UserFactory(username="disnaker_jatim", role=Role.PROVINCE, scope=tree.jatim)


@pytest.fixture
def other_province_user(villages, tree):
    """A province office whose province holds village C but not A or B."""
    return UserFactory(username="disnaker_ntt", role=Role.PROVINCE, scope=tree.ntt)


@pytest.fixture
def ministry_user(villages):
    return UserFactory(username="kemnaker", role=Role.MINISTRY, scope=None)


@pytest.fixture
def administrator(villages):
    return UserFactory(
        username="administrator", role=Role.ADMINISTRATOR, scope=None, is_staff=True, is_superuser=True
    )


@pytest.fixture(autouse=True)
def force_login_passes_second_factor(monkeypatch):
    """``client.force_login`` skips the sign-in form, so it skips the second
    factor too: a user who owes the code (administrators, ministry staff,
    desmigratif.two_factor) gets a confirmed authenticator and a session
    marked verified, as after a real sign-in. Nothing is turned off: the
    middleware and the admin's check stay on, and tests/test_two_factor.py
    signs in through the pages to test them."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from desmigratif.two_factor import SECOND_FACTOR_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        if not session.get(SECOND_FACTOR_KEY):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        del session[SECOND_FACTOR_KEY]
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def enrolled_codes():
    """The codes of the villages a page lists, in page order."""

    def codes(response):
        return [village.code for village in response.context["page"].object_list]

    return codes


@pytest.fixture
def area_folder():
    return TEST_AREA_FOLDER
