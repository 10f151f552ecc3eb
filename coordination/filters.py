import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.models import Village


def _within(queryset, name, value):
    if not value:
        return queryset
    return queryset.filter(Q(area_id=value) | Q(area__code__startswith=f"{value}."))


class CoverageFilter(django_filters.FilterSet):
    """The set of villages of the coverage matrix: one village, a regency, a
    province or all of them, always within the user's scope (the queryset).

    The choices come from ``village_rows`` (selectors.coverage_village_choices),
    one query for all three drop-downs. The villages are offered one regency
    at a time: a list of every village in the country would outweigh the
    page (3,000 villages, some 250 KB)."""

    province = django_filters.ChoiceFilter(label=_("Province"), method=_within, empty_label=_("All"))
    regency = django_filters.ChoiceFilter(label=_("Regency / city"), method=_within, empty_label=_("All"))
    desa = django_filters.ChoiceFilter(
        label=_("Village"),
        method=_within,
        empty_label=_("All"),
        help_text=_("Choose a regency first to pick one of its villages."),
    )

    class Meta:
        model = Village
        fields = ["province", "regency", "desa"]

    def __init__(self, *args, village_rows, **kwargs):
        super().__init__(*args, **kwargs)
        province = (self.data.get("province") or "").strip()
        regency = (self.data.get("regency") or "").strip()
        village = (self.data.get("desa") or "").strip()
        provinces, regencies, villages = {}, {}, []
        for code, name, _district, regency_code, regency_name, province_code, province_name in village_rows:
            provinces[province_code] = province_name
            if province and province_code != province:
                continue
            regencies[regency_code] = regency_name
            if regency and regency_code != regency:
                continue
            villages.append((code, f"{name}, {regency_name} ({code})"))
        if not regency and len(regencies) > 1:
            # Still valid when chosen by a link (?desa=<code>): the chosen one stays.
            villages = [row for row in villages if row[0] == village]
        else:
            self.filters["desa"].extra["help_text"] = ""
        self.filters["province"].extra["choices"] = sorted(provinces.items(), key=lambda item: item[1])
        self.filters["regency"].extra["choices"] = sorted(regencies.items(), key=lambda item: item[1])
        self.filters["desa"].extra["choices"] = sorted(villages, key=lambda item: item[1])
