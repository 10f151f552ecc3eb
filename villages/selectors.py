from django.db.models import Prefetch

from desmigratif.access import scope_filter
from villages.models import Area, AreaLevel, PartnerInstitution, Village


def village_list(*, user):
    return Village.objects.in_scope(user).with_area_path().order_by("area__name", "area_id")


def village_detail_queryset():
    return Village.objects.with_area_path().prefetch_related(
        Prefetch("partners", queryset=PartnerInstitution.objects.order_by("kind", "name"))
    )


def enrolled_area_choices(*, user, level, within=None):
    """Areas of one level that have enrolled villages in the user's scope, as
    (code, name) pairs for filter drop-downs: one query, whatever the number
    of villages."""
    width = {AreaLevel.PROVINCE: 2, AreaLevel.REGENCY: 5, AreaLevel.DISTRICT: 8}[level]
    codes = {
        code[:width]
        for code in scope_filter(Village.objects, user, "area__code").values_list("area_id", flat=True)
    }
    if within:
        codes = {code for code in codes if code.startswith(f"{within}.")}
    areas = Area.objects.filter(code__in=codes).order_by("name")
    return [(area.code, area.name) for area in areas]


def cohort_choices(*, user):
    years = (
        Village.objects.in_scope(user)
        .order_by("cohort_year")
        .values_list("cohort_year", flat=True)
        .distinct()
    )
    return [(year, str(year)) for year in years]
