"""Households and members leave their CheckConstraints to clean()
(villages.models.CheckConstraintsInClean: no query per constraint on every
save of the household form). That is only right while clean() refuses all
that each constraint refuses: one record breaking each constraint, which the
constraint itself (asked the database's way) and clean() both refuse."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from tests.household_factories import HouseholdFactory, MemberFactory
from tests.villages.registry_helpers import PMI, RETURNEE
from villages.models import Household, Member

BREAKING = {
    (Household, "household_no_kk_16_digits"): {"no_kk": "35240712345"},
    (Member, "member_nik_16_digits"): {"nik": "3524071205900"},
    (Member, "member_return_not_before_departure"): {
        **RETURNEE,
        "departure_date": datetime.date(2019, 6, 1),
        "return_date": datetime.date(2018, 6, 1),
    },
    (Member, "member_abroad_has_destination"): {**PMI, "destination_country": ""},
    (Member, "member_returnee_has_return_date"): {**RETURNEE, "return_date": None},
}


def test_every_check_constraint_is_covered_here():
    constraints = {
        (model, constraint.name)
        for model in (Household, Member)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    }
    assert constraints == set(BREAKING)


@pytest.mark.parametrize(("model", "name"), list(BREAKING), ids=[name for _m, name in BREAKING])
def test_clean_refuses_what_each_check_constraint_refuses(village_a, model, name):
    household = HouseholdFactory(village=village_a)
    record = household if model is Household else MemberFactory.build(household=household)
    for field, value in BREAKING[model, name].items():
        setattr(record, field, value)
    [constraint] = [c for c in model._meta.constraints if c.name == name]
    with pytest.raises(ValidationError):
        constraint.validate(model, record)  # the query full_clean() no longer makes

    with pytest.raises(ValidationError) as refused:
        record.full_clean()

    assert "__all__" not in refused.value.message_dict  # a field's message, not "Constraint … is violated"
