"""The survey imports' records: one ImportJob per uploaded spreadsheet.

The table was villages_importjob until migration surveys 0001 moved the model
here (the rows were kept)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from desmigratif.models import JobProgress
from villages.models import import_upload_path


class ImportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own import jobs; administrators see everyone's."""
        from desmigratif.access import role_of
        from desmigratif.models import Role

        role = role_of(user)
        if role is None:
            return self.none()
        if role == Role.ADMINISTRATOR:
            return self
        return self.filter(user=user)


class ImportJob(JobProgress, models.Model):
    """One uploaded survey spreadsheet: checked in the background, then, when the
    user confirms a clean check, written (surveys.import_jobs)."""

    class Kind(models.TextChoices):
        # The same texts as surveys.imports.SHEET_LABELS.
        HOUSEHOLDS = "households", _("Household survey (pendataan-rumah-tangga)")
        VILLAGE_PROFILE = "village-profile", _("Village profile (profil-desa)")
        PARTNERS = "partners", _("Partner institutions (lembaga-mitra)")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded, waiting to be checked")
        CHECKING = "checking", _("being checked")
        CHECKED = "checked", _("checked")
        WRITING = "writing", _("being written")
        DONE = "done", _("written")
        FAILED = "failed", _("failed")

    RUNNING = (Status.UPLOADED, Status.CHECKING, Status.WRITING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    kind = models.CharField(_("sheet type"), max_length=20, choices=Kind.choices)
    # Emptied once no write can follow (surveys.import_jobs._release_upload).
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The interface language at upload: the report's messages are in it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), null=True, blank=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    error_report = models.FileField(
        _("error report"), upload_to="imports/errors/", max_length=200, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Beaten by the task while it runs (surveys.import_jobs.Heartbeat); empty
    # while the job waits for a task to claim it.
    heartbeat_at = models.DateTimeField(_("last sign of the worker"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="import_job_known_kind",
                condition=models.Q(kind__in=["households", "village-profile", "partners"]),
            ),
            models.CheckConstraint(
                name="import_job_known_status",
                condition=models.Q(
                    status__in=["uploaded", "checking", "checked", "writing", "done", "failed"]
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_job_user_created")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"
