import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.models import Village
from villages.selectors import village_filter_choices

UNDOTTED_CODE = re.compile(r"\d{2}(\d{2}(\d{2}(\d{4})?)?)?")


def normalise_area_code(text):
    """Accept "3524072004" as well as "35.24.07.2004"."""
    text = text.strip()
    if UNDOTTED_CODE.fullmatch(text):
        parts = [text[0:2], text[2:4], text[4:6], text[6:10]]
        return ".".join(part for part in parts if part)
    return text


def _code_prefix(field):
    def method(queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(area_id=value) | Q(area__code__startswith=f"{value}."))

    return method


class VillageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search by name or code"), method="search")
    province = django_filters.ChoiceFilter(
        label=_("Province"), method=_code_prefix("province"), empty_label=_("All")
    )
    regency = django_filters.ChoiceFilter(
        label=_("Regency / city"), method=_code_prefix("regency"), empty_label=_("All")
    )
    cohort_year = django_filters.ChoiceFilter(label=_("Cohort"), empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Village.Status.choices, empty_label=_("All")
    )

    class Meta:
        model = Village
        fields = ["q", "province", "regency", "cohort_year", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        province = (self.data.get("province") or "").strip()
        provinces, regencies, cohorts = village_filter_choices(user=user, within=province or None)
        self.filters["province"].extra["choices"] = provinces
        self.filters["regency"].extra["choices"] = regencies
        self.filters["cohort_year"].extra["choices"] = cohorts

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        code = normalise_area_code(value)
        return queryset.filter(
            Q(area__name__icontains=value) | Q(area_id=code) | Q(area__code__startswith=f"{code}.")
        )
