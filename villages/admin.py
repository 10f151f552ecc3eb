from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from desmigratif.concurrency import VersionedAdminMixin, claim_version
from villages.forms import VillageAdminForm
from villages.models import Area, AreaLevel, Household, IdNumberAccess, Member, PartnerInstitution, Village
from villages.selectors import id_number_query


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    ordering = ["code"]
    show_full_result_count = False
    autocomplete_select_related = ["parent__parent"]
    # A plain select would list all 91,605 areas on every area page.
    autocomplete_fields = ["parent"]

    def has_add_permission(self, request):
        # Areas come from the official files (manage.py load_areas), not by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The enrolment autocomplete offers villages only; a user's scope
        # may be a village, regency or province.
        if request.GET.get("model_name") == "village" and request.GET.get("field_name") == "area":
            queryset = queryset.filter(level=AreaLevel.VILLAGE, desmigratif__isnull=True)
        return queryset, may_have_duplicates


class VillageListFilter(admin.SimpleListFilter):
    """"By village" in a change list: the villages that have records there, in
    one query. (RelatedOnlyFieldListFilter asked once per village for its name,
    and its links, ?village__area__exact=..., were refused by the admin with
    400, because a village's key is its area.)"""

    title = _("village")
    parameter_name = "village"

    def lookups(self, request, model_admin):
        present = model_admin.get_queryset(request).order_by().values("village")
        rows = (
            Village.objects.filter(pk__in=present)
            .order_by("area__name", "area_id")
            .values_list("area_id", "area__name")
        )
        return [(code, f"{name} ({code})") for code, name in rows]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(village_id=self.value())
        return queryset


class RegistrySearchMixin:
    """The search box of the household and member lists. A complete NIK or No.
    KK (16 digits, spaces and dots allowed) is looked up exactly in its unique
    index, part of one by its leading digits (the area codes) in the same
    index, anything else as part of a name (a trigram index on PostgreSQL).
    Django's own search would try `icontains` on every listed field of every
    row, joined through the members: seconds at a million members."""

    search_help_text = _("A complete NIK or No. KK, the first digits of one, or part of a name.")

    def get_search_results(self, request, queryset, search_term):
        term = " ".join(search_term.split())
        if not term:
            return queryset, False
        digits = id_number_query(term)
        if len(digits) == 16:
            return queryset.filter(self.search_full_number(digits)), False
        if digits:
            return queryset.filter(self.search_number_start(digits)), False
        return queryset.filter(self.search_name(term)), False


class PartnerInline(admin.TabularInline):
    model = PartnerInstitution
    extra = 0


@admin.register(Village)
class VillageAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = VillageAdminForm
    list_display = ["area", "regency_name", "cohort_year", "status"]
    list_filter = ["status", "cohort_year"]
    search_fields = ["area__name", "area__code"]
    list_select_related = ["area__parent__parent"]
    autocomplete_fields = ["area"]
    inlines = [PartnerInline]

    @admin.display(description=_("regency / city"))
    def regency_name(self, obj):
        return obj.area.parent.parent.name

    def get_readonly_fields(self, request, obj=None):
        # The enrolled area is the record's key: it is chosen once.
        return ["area"] if obj else []


class MemberInline(admin.StackedInline):
    model = Member
    extra = 0
    fields = [
        ("nik", "name"),
        ("sex", "birth_date", "relation", "education"),
        "migration_status",
        ("destination_country", "sector", "channel"),
        ("occupation", "placement_agency"),
        ("departure_date", "return_date"),
        ("business_status", "training_wishes"),
        ("schooling", "caregiver"),
    ]


@admin.register(Household)
class HouseholdAdmin(RegistrySearchMixin, VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["no_kk", "village", "dusun", "rt", "rw", "updated_at"]
    list_filter = [VillageListFilter, "members__migration_status"]
    # Searched by RegistrySearchMixin; the admin shows the box when this is set.
    search_fields = ["no_kk", "members__nik", "members__name", "village__area__name"]
    list_select_related = ["village__area"]
    autocomplete_fields = ["village"]
    inlines = [MemberInline]
    show_full_result_count = False

    def search_full_number(self, digits):
        # The member's household id is read first: an OR across the join
        # would make PostgreSQL scan every household.
        households = list(Member.objects.filter(nik=digits).values_list("household_id", flat=True))
        return Q(no_kk=digits) | Q(pk__in=households)

    def search_number_start(self, digits):
        members = Member.objects.filter(nik__startswith=digits).values("household_id")
        return Q(no_kk__startswith=digits) | Q(pk__in=members)

    def search_name(self, term):
        members = Member.objects.filter(name__icontains=term).values("household_id")
        return Q(pk__in=members) | Q(village__area__name__icontains=term)


@admin.register(Member)
class MemberAdmin(RegistrySearchMixin, SimpleHistoryAdmin):
    list_display = ["name", "nik", "migration_status", "destination_country", "household"]
    list_filter = ["migration_status", "sector", "channel", "sex"]
    # Searched by RegistrySearchMixin; the admin shows the box when this is set.
    search_fields = ["nik", "name", "household__no_kk"]
    list_select_related = ["household"]
    raw_id_fields = ["household"]
    show_full_result_count = False

    def search_full_number(self, digits):
        households = list(Household.objects.filter(no_kk=digits).values_list("pk", flat=True))
        return Q(nik=digits) | Q(household_id__in=households)

    def search_number_start(self, digits):
        households = Household.objects.filter(no_kk__startswith=digits).values("pk")
        return Q(nik__startswith=digits) | Q(household_id__in=households)

    def search_name(self, term):
        return Q(name__icontains=term)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A member is part of its household's form: open ones notice the change.
        claim_version(Household, obj.household_id)


@admin.register(IdNumberAccess)
class IdNumberAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "reason", "village", "member", "count"]
    list_filter = ["reason"]
    list_select_related = ["user", "village__area", "member"]
    date_hierarchy = "at"
    raw_id_fields = ["user", "member", "village"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The access log is evidence: nobody edits or deletes it.
        return False
