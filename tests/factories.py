"""factory_boy factories. The default codes stay clear of the codes the
shared area tree (conftest.py) and the trimmed area files use: provinces 40-49,
regencies and districts 80-99, villages 5000 and up."""

import factory
from factory.django import DjangoModelFactory

from desmigratif.models import Role, User
from villages.models import Area, AreaLevel, PartnerInstitution, Village

PASSWORD = "a-long-test-password"


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"{40 + n % 10}")
    name = factory.Sequence(lambda n: f"Provinsi {n}")
    level = AreaLevel.PROVINCE
    parent = None


class RegencyFactory(DjangoModelFactory):
    class Meta:
        model = Area

    parent = factory.SubFactory(ProvinceFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{80 + n % 20}")
    name = factory.Sequence(lambda n: f"Kabupaten {n}")
    level = AreaLevel.REGENCY


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = Area

    parent = factory.SubFactory(RegencyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{80 + n % 20}")
    name = factory.Sequence(lambda n: f"Kecamatan {n}")
    level = AreaLevel.DISTRICT


class VillageAreaFactory(DjangoModelFactory):
    class Meta:
        model = Area

    parent = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{5000 + n % 5000:04d}")
    name = factory.Sequence(lambda n: f"Desa {n:04d}")
    level = AreaLevel.VILLAGE


class VillageFactory(DjangoModelFactory):
    """An enrolled village (and, unless given, a new village area for it)."""

    class Meta:
        model = Village

    area = factory.SubFactory(VillageAreaFactory)
    cohort_year = 2017
    status = Village.Status.ACTIVE


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = PartnerInstitution

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Kelompok Usaha {n}")
    kind = PartnerInstitution.Kind.BUSINESS_GROUP


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password(PASSWORD)
    role = Role.MINISTRY
    scope = None
