from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("Village migration officer")
    REGENCY = "regency", _("Regency manpower office staff")
    PROVINCE = "province", _("Province manpower office staff")
    MINISTRY = "ministry", _("Ministry staff")
    ADMINISTRATOR = "administrator", _("Administrator")


# The area level a role's scope must name (None: the whole country).
ROLE_SCOPE_LEVEL = {
    Role.VILLAGE_OFFICER: 4,
    Role.REGENCY: 2,
    Role.PROVINCE: 1,
    Role.MINISTRY: None,
    Role.ADMINISTRATOR: None,
}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE_OFFICER)
    scope = models.ForeignKey(
        "villages.Area",
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The area this user works in: a village for officers, a regency or a "
            "province for their offices; empty for ministry staff and administrators."
        ),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_regional_role_has_scope",
                condition=models.Q(role__in=["ministry", "administrator"]) | models.Q(scope__isnull=False),
            ),
        ]

    def clean(self):
        super().clean()
        level = ROLE_SCOPE_LEVEL.get(self.role)
        if level is None:
            if self.scope_id:
                raise ValidationError(
                    {
                        "scope": _(
                            "Ministry staff and administrators see the whole country: leave the scope empty."
                        )
                    }
                )
            return
        if not self.scope_id:
            raise ValidationError({"scope": _("This role needs a scope area.")})
        if self.scope.level != level:
            raise ValidationError(
                {
                    "scope": _("The role “%(role)s” needs a scope of this level: %(level)s.")
                    % {"role": self.get_role_display(), "level": self.scope.LEVEL_NAMES[level]}
                }
            )


class FormSubmission(models.Model):
    """A create form that has been sent: its token (a hidden field made when the
    form was shown) and where its record is, so the same form sent again (a
    double click, a resend after a slow answer) leads there instead of creating
    a second record (desmigratif.concurrency.create_once)."""

    token = models.UUIDField(_("form token"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(_("address of the record"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sent form")
        verbose_name_plural = _("sent forms")

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ExportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the user's own exports, administrators included: an export may
        hold full NIKs, and only the one who asked downloads it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ExportJob(models.Model):
    """A spreadsheet prepared in the background (desmigratif.exports): too
    large to write while the user waits. Its file is downloaded by the user
    who asked, until ``expires_at``."""

    class Kind(models.TextChoices):
        MEMBERS = "villages.members", _("Household survey")
        OVERVIEW = "dashboards.overview", _("Overview of the villages")
        COVERAGE = "coordination.coverage", _("Pillar coverage")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("being prepared")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    RUNNING = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("export"), max_length=30, choices=Kind.choices)
    fmt = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The address the export was asked at, with the page's filters: the task
    # reads the rows again from it, with the user's scope at that moment.
    url = models.CharField(_("asked at"), max_length=2000)
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    full_id_numbers = models.BooleanField(_("full NIK and No. KK"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), null=True, blank=True)
    # Named before the file is written, so a task that dies mid-write leaves
    # a name to delete; downloadable only once the status is "done".
    file = models.FileField(_("file"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of the worker"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"), null=True, blank=True, db_index=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="export_job_known_kind",
                condition=models.Q(
                    kind__in=["villages.members", "dashboards.overview", "coordination.coverage"]
                ),
            ),
            models.CheckConstraint(
                name="export_job_known_format", condition=models.Q(fmt__in=["csv", "xlsx"])
            ),
            models.CheckConstraint(
                name="export_job_known_status",
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
            ),
            # Two exports of one user at once would share the worker and could
            # leave two half-written files: the second is refused.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="export_job_one_running_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="export_job_user_created")]

    def __str__(self):
        return f"{self.title} ({self.get_fmt_display()})"

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def percent(self):
        """Progress in percent, or None while the number of rows is not known."""
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))
