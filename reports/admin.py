from django.contrib import admin

from desmigratif.concurrency import VersionedAdminMixin
from reports.models import NARRATIVE_FIELDS, ProgressReport, ReviewEvent


class ReviewEventInline(admin.TabularInline):
    """The history is written by the review services only."""

    model = ReviewEvent
    extra = 0
    fields = ["at", "actor", "action", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(VersionedAdminMixin, admin.ModelAdmin):
    """Reports are submitted and reviewed in the portal; here an administrator
    may only fix a narrative's typo while a report is not yet accepted.
    Accepted reports are frozen: read-only."""

    list_display = ["village", "year", "quarter", "status", "submitted_at", "accepted_at"]
    list_filter = ["status", "year", "quarter"]
    search_fields = ["village__area__name", "village__area__code"]
    list_select_related = ["village__area"]
    show_full_result_count = False
    inlines = [ReviewEventInline]
    readonly_fields = [
        "village",
        "year",
        "quarter",
        "status",
        "snapshot",
        "snapshot_taken_at",
        "submitted_by",
        "submitted_at",
        "accepted_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [*self.readonly_fields, *NARRATIVE_FIELDS]
        return self.readonly_fields


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["report", "action", "actor", "at"]
    list_filter = ["action"]
    search_fields = ["report__village__area__name", "report__village__area__code", "reason"]
    list_select_related = ["report", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
