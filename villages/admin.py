from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from desmigratif.concurrency import VersionedAdminMixin, claim_version
from villages.forms import VillageAdminForm
from villages.models import Area, AreaLevel, Household, IdNumberAccess, Member, PartnerInstitution, Village


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
class HouseholdAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["no_kk", "village", "dusun", "rt", "rw", "updated_at"]
    list_filter = [VillageListFilter, "members__migration_status"]
    search_fields = ["no_kk", "members__nik", "members__name", "village__area__name"]
    list_select_related = ["village__area"]
    autocomplete_fields = ["village"]
    inlines = [MemberInline]
    show_full_result_count = False


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "nik", "migration_status", "destination_country", "household"]
    list_filter = ["migration_status", "sector", "channel", "sex"]
    search_fields = ["nik", "name", "household__no_kk"]
    list_select_related = ["household"]
    raw_id_fields = ["household"]
    show_full_result_count = False

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
