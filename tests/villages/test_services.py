"""The write services that forms, imports and commands share."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PartnerFactory
from villages.models import PartnerInstitution, Village
from villages.services import village_enrol, village_save_profile


def test_enrol_accepts_a_village_area(tree):
    village = village_enrol(area=tree.labuhan, cohort_year=2019)

    assert Village.objects.get(pk="35.24.07.2002") == village
    assert village.status == Village.Status.ACTIVE


@pytest.mark.parametrize("area", ["brondong", "lamongan", "jatim"])
def test_enrol_refuses_an_area_that_is_not_a_village(tree, area):
    with pytest.raises(ValidationError) as error:
        village_enrol(area=getattr(tree, area), cohort_year=2019)

    assert "area" in error.value.message_dict
    assert not Village.objects.exists()


def test_enrol_refuses_a_cohort_before_the_programme(tree):
    with pytest.raises(ValidationError) as error:
        village_enrol(area=tree.labuhan, cohort_year=2015)

    assert "cohort_year" in error.value.message_dict
    assert not Village.objects.exists()


def test_save_profile_validates_before_saving(village_a):
    with pytest.raises(ValidationError) as error:
        village_save_profile(
            village=village_a,
            fields={"latitude": 50, "notes": "not saved"},
            partners=[PartnerInstitution(name="BUMDes Maju", kind="bumdes")],
        )

    assert list(error.value.message_dict) == ["latitude"]
    village_a.refresh_from_db()
    assert village_a.latitude is None
    assert village_a.notes == ""
    assert not PartnerInstitution.objects.exists()


def test_save_profile_is_all_or_nothing(village_a):
    """A bad partner undoes the profile change made in the same call."""
    PartnerFactory(village=village_a, name="PKK Brengkok")

    with pytest.raises(ValidationError):
        village_save_profile(
            village=village_a,
            fields={"notes": "not saved"},
            partners=[PartnerInstitution(name="PKK Brengkok", kind="pkk")],
        )

    village_a.refresh_from_db()
    assert village_a.notes == ""
    assert village_a.partners.count() == 1


def test_save_profile_does_not_remove_another_village_partner(village_a, village_b):
    other = PartnerFactory(village=village_b, name="Kelompok Tani Lohgung")

    village_save_profile(village=village_a, fields={}, removed_partners=[other])

    assert PartnerInstitution.objects.filter(pk=other.pk).exists()
