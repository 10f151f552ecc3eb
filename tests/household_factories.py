"""Factories for households and members. NIKs are real-shaped: district
35.24.07 (Brondong), the date of birth DDMMYY with 40 added to the day for
women, and a serial from a sequence, so they agree with birth_date and sex."""

import datetime

import factory
from factory.django import DjangoModelFactory

from villages.models import Household, Member


def nik_for(birth_date, sex, serial, district="352407"):
    day = birth_date.day + (40 if sex == Member.Sex.FEMALE else 0)
    return f"{district}{day:02d}{birth_date:%m%y}{serial:04d}"


class HouseholdFactory(DjangoModelFactory):
    """Needs a village: HouseholdFactory(village=village_a)."""

    class Meta:
        model = Household

    no_kk = factory.Sequence(lambda n: f"352407{n + 1:010d}")
    dusun = "Krajan"
    rt = "001"
    rw = "002"
    address = factory.Sequence(lambda n: f"Jl. Raya Brengkok No. {n + 1}")


class MemberFactory(DjangoModelFactory):
    """A family member by default; pass migration_status and its fields for a
    CPMI, PMI or PMI purna. The NIK follows birth_date and sex unless given."""

    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"Anggota {n + 1}")
    sex = Member.Sex.MALE
    birth_date = datetime.date(1990, 5, 12)
    nik = factory.LazyAttributeSequence(lambda o, n: nik_for(o.birth_date, o.sex, 1 + n % 9999))
    relation = Member.Relation.HEAD
    migration_status = Member.Status.FAMILY

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        member = model_class(*args, **kwargs)
        member.full_clean()
        member.save()
        return member
