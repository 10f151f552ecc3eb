from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from desmigratif.concurrency import VersionedAdminMixin
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Problem,
    ProblemFollowUp,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from pillars.services import check_business_owner, check_members_in_village
from villages.admin import VillageListFilter

VILLAGE_FILTER = VillageListFilter
VILLAGE_SEARCH = ["village__area__name", "village__area__code"]


class SameVillageAdminForm(forms.ModelForm):
    """The admin checks the services' rule too: people are of the record's village."""

    member_fields = ()

    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village") or getattr(self.instance, "village", None)
        if village is None:
            return cleaned
        for name in self.member_fields:
            try:
                check_members_in_village(village=village, members=cleaned.get(name) or [], field=name)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class VillageRecordAdmin(admin.ModelAdmin):
    list_select_related = ["village__area"]
    autocomplete_fields = ["village"]
    show_full_result_count = False


@admin.register(ServiceOfficer)
class ServiceOfficerAdmin(VillageRecordAdmin):
    list_display = ["name", "village", "position", "trained", "trained_on", "active"]
    list_filter = ["trained", "active", VILLAGE_FILTER]
    search_fields = ["name", "position", *VILLAGE_SEARCH]


class ServiceActivityAdminForm(SameVillageAdminForm):
    member_fields = ("participants",)

    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village")
        for officer in cleaned.get("officers") or []:
            if village and officer.village_id != village.pk:
                self.add_error(
                    "officers", _("%(name)s is not an officer of this village.") % {"name": officer.name}
                )
        return cleaned


@admin.register(ServiceActivity)
class ServiceActivityAdmin(VillageRecordAdmin):
    form = ServiceActivityAdminForm
    list_display = ["date", "kind", "topic", "village", "participant_count"]
    list_filter = ["kind", VILLAGE_FILTER]
    search_fields = ["topic", *VILLAGE_SEARCH]
    date_hierarchy = "date"
    autocomplete_fields = ["village", "participants"]
    filter_horizontal = ["officers"]


class BusinessAdminForm(SameVillageAdminForm):
    def clean(self):
        cleaned = super().clean()
        village = cleaned.get("village")
        if village is not None:
            probe = Business(
                village=village,
                owner_household=cleaned.get("owner_household"),
                owner_member=cleaned.get("owner_member"),
            )
            try:
                check_business_owner(probe)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Business)
class BusinessAdmin(SimpleHistoryAdmin, VillageRecordAdmin):
    form = BusinessAdminForm
    list_display = ["name", "village", "kind", "stage", "owner_member", "sells_online"]
    list_filter = [
        "stage",
        "kind",
        "support_packaging",
        "halal_label",
        "bpom_label",
        "sells_online",
        VILLAGE_FILTER,
    ]
    search_fields = ["name", "products", "owner_member__name", *VILLAGE_SEARCH]
    list_select_related = ["village__area", "owner_member"]
    autocomplete_fields = ["village", "owner_member"]
    raw_id_fields = ["owner_household"]

    def save_model(self, request, obj, form, change):
        check_business_owner(obj)  # checked in the form; here it sets the owner's household
        super().save_model(request, obj, form, change)


class TrainingAdminForm(SameVillageAdminForm):
    member_fields = ("participants",)


@admin.register(Training)
class TrainingAdmin(VillageRecordAdmin):
    form = TrainingAdminForm
    list_display = ["title", "village", "kind", "start_date", "end_date", "organiser"]
    list_filter = ["kind", VILLAGE_FILTER]
    search_fields = ["title", "organiser", "participants__name", *VILLAGE_SEARCH]
    date_hierarchy = "start_date"
    autocomplete_fields = ["village", "participants"]


class ParentingSessionAdminForm(SameVillageAdminForm):
    member_fields = ("participants",)


@admin.register(ParentingSession)
class ParentingSessionAdmin(VillageRecordAdmin):
    form = ParentingSessionAdminForm
    list_display = ["date", "topic", "village", "facilitator", "children_reached"]
    list_filter = [VILLAGE_FILTER]
    search_fields = ["topic", "facilitator", "partner", *VILLAGE_SEARCH]
    date_hierarchy = "date"
    autocomplete_fields = ["village", "participants"]


@admin.register(LearningHouse)
class LearningHouseAdmin(SimpleHistoryAdmin, VillageRecordAdmin):
    list_display = ["village", "status", "renovation_partner", "renovation_progress", "updated_at"]
    list_filter = ["status"]
    search_fields = ["renovation_partner", *VILLAGE_SEARCH]


class LoanInline(admin.TabularInline):
    model = Loan
    extra = 0
    fields = ["borrower", "scheme", "amount", "purpose", "disbursed_on", "due_on", "repaid_amount", "status"]
    raw_id_fields = ["borrower"]
    show_change_link = True


class CooperativeAdminForm(SameVillageAdminForm):
    member_fields = ("members",)


@admin.register(Cooperative)
class CooperativeAdmin(VillageRecordAdmin):
    form = CooperativeAdminForm
    list_display = ["name", "village", "kind", "legal_status"]
    list_filter = ["kind", "legal_status", VILLAGE_FILTER]
    search_fields = ["name", "legal_number", *VILLAGE_SEARCH]
    autocomplete_fields = ["village", "members"]
    inlines = [LoanInline]


class LoanAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        cooperative = cleaned.get("cooperative")
        if cooperative is None:
            return cleaned
        borrower, business = cleaned.get("borrower"), cleaned.get("business")
        if borrower is not None:
            try:
                check_members_in_village(village=cooperative.village, members=[borrower], field="borrower")
            except ValidationError as error:
                self.add_error(None, error)
        if business is not None and business.village_id != cooperative.village_id:
            self.add_error("business", _("This business is not in this village."))
        return cleaned


@admin.register(Loan)
class LoanAdmin(SimpleHistoryAdmin):
    form = LoanAdminForm
    list_display = ["disbursed_on", "borrower", "cooperative", "scheme", "amount", "repaid_amount", "status"]
    list_filter = ["status", "scheme"]
    search_fields = ["purpose", "borrower__name", "cooperative__name", "cooperative__village__area__name"]
    list_select_related = ["borrower", "cooperative"]
    autocomplete_fields = ["cooperative", "borrower", "business"]
    date_hierarchy = "disbursed_on"
    show_full_result_count = False


class FollowUpInline(admin.TabularInline):
    model = ProblemFollowUp
    extra = 0
    fields = ["date", "author", "text", "new_status"]
    raw_id_fields = ["author"]


@admin.register(Problem)
class ProblemAdmin(VersionedAdminMixin, SimpleHistoryAdmin, VillageRecordAdmin):
    list_display = ["title", "village", "pillar", "status", "responsible_agency", "raised_on", "resolved_on"]
    list_filter = ["pillar", "status", VILLAGE_FILTER]
    search_fields = ["title", "description", "proposed_solution", "responsible_agency", *VILLAGE_SEARCH]
    date_hierarchy = "raised_on"
    raw_id_fields = ["created_by"]
    inlines = [FollowUpInline]


@admin.register(ProblemFollowUp)
class ProblemFollowUpAdmin(admin.ModelAdmin):
    list_display = ["date", "problem", "author", "new_status"]
    list_filter = ["new_status"]
    search_fields = ["text", "problem__title", "problem__village__area__name"]
    list_select_related = ["problem", "author"]
    raw_id_fields = ["problem", "author"]
    date_hierarchy = "date"
