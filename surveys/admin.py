"""Import and export buttons on the admin's household, member and village
lists (django-import-export), over the survey pipelines: see
surveys.resources. Registered here, replacing villages' ModelAdmins with
subclasses, because villages must not depend on the imports app."""

import os
from uuid import uuid4

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm, ImportForm
from import_export.tmp_storages import MediaStorage

from desmigratif.access import role_of
from desmigratif.models import Role
from surveys import import_jobs
from surveys.resources import (
    HouseholdSurveyResource,
    PartnersResource,
    SurveyCSV,
    SurveyFile,
    SurveyXLSX,
    VillageProfileResource,
)
from villages import admin as villages_admin
from villages.models import Household, Member, Village

# Under the imports folder: an upload checked but never confirmed is deleted
# with the other orphans (import_jobs.purge_import_files).
ADMIN_UPLOADS_FOLDER = f"{import_jobs.IMPORTS_FOLDER}/admin"


class AdminUploadStorage(MediaStorage):
    """The upload between the admin's check and its confirmation, in the
    default storage (every web server sees it), saved as it streams in."""

    def save_upload(self, uploaded_file):
        self.name = uuid4().hex
        stored = self._storage.save(self.get_full_path(), uploaded_file)
        self.name = os.path.basename(stored)


class SurveyImportForm(ImportForm):
    def clean_import_file(self):
        # Refused before anything stores or reads it, as on the import page.
        upload = self.cleaned_data["import_file"]
        if upload.size > import_jobs.upload_limit_bytes():
            raise import_jobs.too_large_error()
        import_jobs.check_extension(upload.name)
        return upload


class SurveyImportExportMixin(ImportExportMixin):
    import_form_class = SurveyImportForm
    import_formats = [SurveyFile]
    export_formats = [SurveyXLSX, SurveyCSV]
    # The sheet's columns are fixed (an export must re-import): no field picking.
    export_form_class = ExportForm
    import_template_name = "admin/surveys/import.html"
    tmp_storage_class = AdminUploadStorage

    def get_tmp_storage_class_kwargs(self):
        return {"MEDIA_FOLDER": ADMIN_UPLOADS_FOLDER}

    def write_to_tmp_storage(self, import_file, input_format):
        # The library reads the upload into one bytes object chunk by chunk.
        storage = self.get_tmp_storage_class()(read_mode="rb", **self.get_tmp_storage_class_kwargs())
        storage.save_upload(import_file)
        return storage

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form is not None else None
        name = getattr(upload, "tmp_storage_name", None)
        if name and "confirm_form" not in context:
            # Rejected: the upload (full NIKs) is not kept for a confirmation
            # that cannot come.
            self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs()).remove()
        return response

    def has_import_permission(self, request):
        # Imports write any village's records: administrators only, whatever
        # model permissions a staff account was given.
        return role_of(request.user) == Role.ADMINISTRATOR

    def has_export_permission(self, request):
        # The household export holds full NIKs.
        return role_of(request.user) == Role.ADMINISTRATOR

    def get_import_context_data(self, **kwargs):
        return {"admin_max_rows": number_format(settings.IMPORT_ADMIN_MAX_ROWS, force_grouping=True)}

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", import_jobs.message_of(e))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Rejected at the write (changed since the check): nothing written.
            report = getattr(result, "survey_report", None)
            shown = [str(error.error) for error in result.base_errors]
            if report is not None:
                shown += [f"{e.row}: {e.message}" for e in report.errors[:10]]
            messages.error(request, " ".join([_("Nothing was written."), *shown]))
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_import", current_app=self.admin_site.name
            )
            return HttpResponseRedirect(url)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        report = result.survey_report
        messages.success(
            request,
            _("Written: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )


admin.site.unregister(Household)
admin.site.unregister(Member)
admin.site.unregister(Village)


@admin.register(Household)
class HouseholdAdmin(SurveyImportExportMixin, villages_admin.HouseholdAdmin):
    resource_classes = [HouseholdSurveyResource]


@admin.register(Member)
class MemberAdmin(SurveyImportExportMixin, villages_admin.MemberAdmin):
    resource_classes = [HouseholdSurveyResource]


@admin.register(Village)
class VillageAdmin(SurveyImportExportMixin, villages_admin.VillageAdmin):
    # Partner institutions are edited within their village (an inline).
    resource_classes = [VillageProfileResource, PartnersResource]
