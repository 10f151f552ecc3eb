from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coordination import services
from coordination.forms import BudgetLineForm
from coordination.models import (
    MOU,
    Agency,
    BudgetLine,
    Commitment,
    NationalPriority,
    PlanPeriod,
    Programme,
    Realisation,
)
from desmigratif.templatetags.money import format_rupiah


class NationalPriorityInline(admin.TabularInline):
    model = NationalPriority
    extra = 0


@admin.register(PlanPeriod)
class PlanPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "start_year", "end_year"]
    inlines = [NationalPriorityInline]


@admin.register(NationalPriority)
class NationalPriorityAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "period"]
    list_filter = ["period"]
    list_select_related = ["period"]
    search_fields = ["title"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "kind", "area"]
    list_filter = ["kind"]
    list_select_related = ["area"]
    search_fields = ["short_name", "name"]
    autocomplete_fields = ["area"]


class CommitmentInline(admin.StackedInline):
    model = Commitment
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(MOU)
class MOUAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "signed_on", "valid_until"]
    list_filter = ["covers_pillar_1", "covers_pillar_2", "covers_pillar_3", "covers_pillar_4"]
    search_fields = ["number", "title", "parties__short_name", "parties__name"]
    date_hierarchy = "signed_on"
    filter_horizontal = ["parties"]
    autocomplete_fields = ["reach"]
    readonly_fields = ["document_name", "created_at", "updated_at"]
    inlines = [CommitmentInline]

    # The document file goes with the MOU, and with a replaced version.
    def save_model(self, request, obj, form, change):
        replaced = services.mou_stored_document(obj)
        super().save_model(request, obj, form, change)
        if replaced != (obj.document.name or ""):
            services.delete_file_on_commit(obj.document.storage, replaced)

    def delete_model(self, request, obj):
        services.mou_delete(mou=obj)

    def delete_queryset(self, request, queryset):
        for mou in queryset:
            services.mou_delete(mou=mou)


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "mou", "agency", "pillar"]
    list_filter = ["pillar", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["mou", "agency"]
    search_fields = ["description", "mou__number", "agency__short_name"]
    autocomplete_fields = ["mou", "agency"]


@admin.register(Realisation)
class RealisationAdmin(admin.ModelAdmin):
    list_display = ["commitment", "village", "status", "status_date", "updated_at"]
    list_filter = ["status", "commitment__pillar"]
    list_select_related = ["commitment__agency", "village__area"]
    search_fields = ["village__area__name", "village__area__code", "commitment__mou__number"]
    autocomplete_fields = ["commitment", "village"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class BudgetLineAdminForm(BudgetLineForm):
    """The portal's form: amounts typed as 1.250.000, and a realised amount
    above the plan only with the confirmation ticked."""

    class Meta(BudgetLineForm.Meta):
        fields = ["programme", "source", "fiscal_year", "planned", "realised", "note"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    form = BudgetLineAdminForm
    extra = 0
    fields = ["source", "fiscal_year", "planned", "realised", "confirm_above_plan", "note"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "pillar", "start_date", "end_date", "priority"]
    list_filter = ["pillar", "stage", ("agency", admin.RelatedOnlyFieldListFilter), "priority__period"]
    list_select_related = ["agency", "priority__period"]
    search_fields = ["name", "theme", "location", "agency__short_name"]
    autocomplete_fields = ["agency", "mou", "villages", "partners", "priority"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [BudgetLineInline]


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    form = BudgetLineAdminForm
    list_display = ["programme", "source", "fiscal_year", "planned_rupiah", "realised_rupiah"]
    list_filter = ["source", "fiscal_year"]
    list_select_related = ["programme"]
    search_fields = ["programme__name", "note"]
    autocomplete_fields = ["programme"]
    fields = ["programme", "source", "fiscal_year", "planned", "realised", "confirm_above_plan", "note"]

    @admin.display(description=_("planned"), ordering="planned")
    def planned_rupiah(self, obj):
        return format_rupiah(obj.planned)

    @admin.display(description=_("realised"), ordering="realised")
    def realised_rupiah(self, obj):
        return format_rupiah(obj.realised)
