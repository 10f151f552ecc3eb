"""The read-only JSON API for other ministries' systems (/api/v1/).

Token-authenticated and scoped like the pages: the list holds only the
villages in the token user's scope, and a village outside it answers 404
(its existence is not revealed), through the same helpers as the pages
(desmigratif.access). The numbers come from dashboards.indicators, so the API
and the dashboards never disagree.
"""

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from dashboards import indicators
from desmigratif.access import get_village_for_user
from villages.models import Village
from villages.selectors import village_list

INACTIVE_USER_MESSAGE = _(
    "This API token belongs to a deactivated account and is no longer accepted. "
    "Ask a Desmigratif administrator for a new token."
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check, with a clear message when the token's user has been
    deactivated (a revoked account): 401, never the data."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid API token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_USER_MESSAGE)
        return (token.user, token)


class VillagePagination(PageNumberPagination):
    page_size = settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 500


def _code_prefix(queryset, name, value):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(Q(area_id=value) | Q(area__code__startswith=f"{value}."))


class VillageApiFilter(django_filters.FilterSet):
    """The filters of the village list, as query parameters. They narrow the
    user's scope; they never widen it."""

    province = django_filters.CharFilter(method=_code_prefix, label="Province code, e.g. 35", max_length=2)
    regency = django_filters.CharFilter(
        method=_code_prefix, label="Regency / city code, e.g. 35.24", max_length=5
    )
    cohort = django_filters.NumberFilter(field_name="cohort_year", label="Cohort year, e.g. 2017")
    status = django_filters.ChoiceFilter(choices=Village.Status.choices, label="Village status")

    class Meta:
        model = Village
        fields = ["province", "regency", "cohort", "status"]


# The shapes of the answers, for the OpenAPI schema. The views return what
# dashboards.indicators computes, unchanged (its keys are stable: added, never
# renamed); tests/api/test_api_schema.py checks that these shapes list every key.


def _pairs(help_text):
    pair = serializers.ListField(child=serializers.JSONField())
    return serializers.ListField(child=pair, help_text=help_text)


def _per_pillar(name, make_field, **more):
    """A serializer with the keys "1" to "4" (the pillars, as the JSON has
    them): not Python names, so the class is built with type()."""
    fields = {str(pillar): make_field() for pillar in indicators.PILLARS}
    return type(name, (serializers.Serializer,), {**fields, **more})


ProgressSerializer = _per_pillar(
    "ProgressSerializer",
    serializers.IntegerField,
    overall=serializers.IntegerField(),
    __doc__="Progress score 0-100 per pillar and overall (their mean).",
)


class StageCountsSerializer(serializers.Serializer):
    starting = serializers.IntegerField()
    growing = serializers.IntegerField()
    established = serializers.IntegerField()


class VillageOverviewSerializer(serializers.Serializer):
    """One village in the overview: where it is and its key figures."""

    code = serializers.CharField(help_text="Kemendagri village code, e.g. 35.24.07.2004")
    name = serializers.CharField()
    district = serializers.CharField()
    regency = serializers.CharField()
    regency_code = serializers.CharField()
    province = serializers.CharField()
    province_code = serializers.CharField()
    cohort_year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Village.Status.values)
    status_label = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    households = serializers.IntegerField()
    members = serializers.IntegerField()
    cpmi = serializers.IntegerField(help_text="members preparing to leave")
    pmi = serializers.IntegerField(help_text="members working abroad")
    returnees = serializers.IntegerField()
    returnees_with_business = serializers.IntegerField()
    children_of_pmi = serializers.IntegerField()
    migrants = serializers.IntegerField(help_text="CPMI, PMI and returnees")
    migrants_complete = serializers.IntegerField(help_text="migrants whose record is complete")
    registration_coverage = serializers.FloatField(
        allow_null=True, help_text="percent of migrants with a complete record"
    )
    officers = serializers.IntegerField()
    officers_trained = serializers.IntegerField()
    activities_this_year = serializers.IntegerField()
    businesses = serializers.IntegerField()
    stage_counts = StageCountsSerializer()
    trainings_this_year = serializers.IntegerField()
    parenting_sessions_this_year = serializers.IntegerField()
    children_reached_this_year = serializers.IntegerField()
    learning_house_status = serializers.CharField()
    cooperatives = serializers.IntegerField()
    cooperative_legal_status = serializers.CharField()
    cooperative_members = serializers.IntegerField()
    loans = serializers.IntegerField()
    loans_late = serializers.IntegerField()
    problems_open = serializers.IntegerField()
    commitments_realised = serializers.IntegerField()
    progress = ProgressSerializer()


class VillageProfileSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    district = serializers.CharField()
    regency = serializers.CharField()
    province = serializers.CharField()
    cohort_year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Village.Status.values)
    status_label = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    apparatus_total = serializers.IntegerField(allow_null=True)
    learning_house = serializers.CharField()
    learning_house_label = serializers.CharField()
    has_internet = serializers.BooleanField(allow_null=True)
    leading_products = serializers.ListField(child=serializers.CharField())
    pools = serializers.ListField(child=serializers.CharField(), help_text="PADes, ADD, Dana Desa")


class HouseholdFiguresSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    members = serializers.IntegerField()
    cpmi = serializers.IntegerField()
    pmi = serializers.IntegerField()
    returnees = serializers.IntegerField()
    family = serializers.IntegerField()
    returnees_with_business = serializers.IntegerField()
    returnees_without_business = serializers.IntegerField()
    children_of_pmi = serializers.IntegerField()
    pmi_by_country = _pairs("[[country, PMI]], most first")
    pmi_by_sector = _pairs("[[sector, PMI]]")
    channel = _pairs("[[channel, CPMI and PMI]]")


class Pillar1Serializer(serializers.Serializer):
    officers = serializers.IntegerField()
    officers_trained = serializers.IntegerField()
    migrants = serializers.IntegerField()
    migrants_complete = serializers.IntegerField()
    registration_coverage = serializers.FloatField(allow_null=True)
    activities_this_year = serializers.IntegerField()
    activities_by_kind = _pairs("[[kind, activities this year]]")
    participants_this_year = serializers.IntegerField()
    activities_total = serializers.IntegerField()


class Pillar2Serializer(serializers.Serializer):
    businesses = serializers.IntegerField()
    businesses_by_stage = _pairs("[[stage, businesses]]")
    stage_counts = StageCountsSerializer()
    trainings_this_year = serializers.IntegerField()
    trainings_total = serializers.IntegerField()
    training_participants = serializers.IntegerField()


class Pillar3Serializer(serializers.Serializer):
    parenting_sessions_this_year = serializers.IntegerField()
    parenting_sessions_total = serializers.IntegerField()
    children_reached_this_year = serializers.IntegerField()
    parenting_participants_this_year = serializers.IntegerField()
    learning_house_status = serializers.CharField()
    learning_house_status_label = serializers.CharField()


class Pillar4Serializer(serializers.Serializer):
    cooperatives = serializers.IntegerField()
    cooperative_legal_status = serializers.CharField()
    cooperative_members = serializers.IntegerField()
    loans = serializers.IntegerField()
    loans_amount = serializers.IntegerField(help_text="rupiah")
    loans_outstanding = serializers.IntegerField(help_text="rupiah")
    loans_late = serializers.IntegerField()
    loans_kur = serializers.IntegerField()


PillarsSerializer = type(
    "PillarsSerializer",
    (serializers.Serializer,),
    {
        "1": Pillar1Serializer(),
        "2": Pillar2Serializer(),
        "3": Pillar3Serializer(),
        "4": Pillar4Serializer(),
    },
)
OpenByPillarSerializer = _per_pillar("OpenByPillarSerializer", serializers.IntegerField)


class ProblemsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    by_pillar = _pairs("[[pillar, open problems]]")
    open_by_pillar = OpenByPillarSerializer()


class CoordinationSerializer(serializers.Serializer):
    commitments_applicable = serializers.IntegerField()
    commitments_realised = serializers.IntegerField()
    commitments_in_progress = serializers.IntegerField()
    by_pillar = _pairs("[[pillar, realised, applicable]]")
    agencies_by_pillar = _pairs("[[pillar, [agency short names]]]")
    budget_by_source = _pairs("[[source, planned, realised]] in rupiah")
    budget_planned = serializers.IntegerField()
    budget_realised = serializers.IntegerField()


class CompletenessSerializer(serializers.Serializer):
    members_missing_required = serializers.IntegerField()
    missing_by_field = _pairs("[[field, members]]")
    households_stale = serializers.IntegerField()
    members_stale = serializers.IntegerField()
    stale_days = serializers.IntegerField()


class VillageIndicatorsSerializer(serializers.Serializer):
    """Every figure of one village's dashboard."""

    as_of = serializers.DateField()
    year = serializers.IntegerField(help_text='the calendar year "this year" means')
    village = VillageProfileSerializer()
    households = HouseholdFiguresSerializer()
    pillars = PillarsSerializer()
    problems = ProblemsSerializer()
    coordination = CoordinationSerializer()
    completeness = CompletenessSerializer()
    progress = ProgressSerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


UNAUTHORISED = OpenApiResponse(
    ErrorSerializer, description="No token, an unknown token, or the token of a deactivated user."
)


class ReadOnlyApiView:
    """GET only (other methods answer 405), with the token check above."""

    authentication_classes = [TokenAuthentication]
    http_method_names = ["get", "head", "options"]


class VillageListView(ReadOnlyApiView, generics.ListAPIView):
    serializer_class = VillageOverviewSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VillageApiFilter
    pagination_class = VillagePagination

    def get_queryset(self):
        return village_list(user=self.request.user)

    @extend_schema(
        summary="Overview of the villages in scope",
        description=(
            "The enrolled villages in the scope of the token's user, by name, with their key "
            "figures and progress scores. The filters narrow the scope; they never widen it."
        ),
        responses={
            200: VillageOverviewSerializer(many=True),
            400: OpenApiResponse(description="A filter value is not valid; the answer names it and why."),
            401: UNAUTHORISED,
            404: OpenApiResponse(ErrorSerializer, description="A page past the last one."),
        },
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(_overview_rows_in_order(page))


class VillageDetailView(ReadOnlyApiView, generics.GenericAPIView):
    serializer_class = VillageIndicatorsSerializer

    @extend_schema(
        summary="Indicators of one village",
        description="Every figure of the village's dashboard. A village outside the scope answers 404.",
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description="Village code, e.g. 35.24.07.2004"
            )
        ],
        responses={
            200: VillageIndicatorsSerializer,
            401: UNAUTHORISED,
            404: OpenApiResponse(ErrorSerializer, description="No such village in the user's scope."),
        },
    )
    def get(self, request, code):
        village = get_village_for_user(request.user, code)
        return Response(indicators.village_indicators(village))


def _overview_rows_in_order(villages):
    """overview_rows of one page of villages, in the page's order."""
    codes = [village.code for village in villages]
    rows = indicators.overview_rows(Village.objects.filter(pk__in=codes))
    position = {code: index for index, code in enumerate(codes)}
    return sorted(rows, key=lambda row: position[row["code"]])
