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
    # Set when an administrator typed the password (desmigratif.account_log):
    # only the user should know it, so it is changed at the next sign-in.
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The user is led to change the password at the next sign-in and reaches nothing else."),
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


class JobProgress:
    """What the progress pages read of a background job (ImportJob,
    ExportJob): its status among RUNNING and rows_done of rows_total."""

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def percent(self):
        """Progress in percent, or None while the number of rows is not known."""
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


class ExportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the user's own exports, administrators included: an export may
        hold full NIKs, and only the one who asked downloads it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ExportJob(JobProgress, models.Model):
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


class AccountEvent(models.Model):
    """What happened to an account's password, sign-in and second factor:
    who, when, by whom, from where (desmigratif.account_log.record). Nobody
    edits or deletes these rows."""

    class Action(models.TextChoices):
        PASSWORD_CHANGED = "password_changed", _("password changed")
        PASSWORD_SET_BY_ADMIN = "password_set_by_admin", _("password set by an administrator")
        PASSWORD_RESET_BY_MAIL = "password_reset_by_mail", _("password reset through an e-mailed link")
        RESET_MAIL_SENT = "reset_mail_sent", _("reset link sent by e-mail")
        RESET_LINK_ISSUED = "reset_link_issued", _("reset link issued by an administrator")
        RESET_LINK_USED = "reset_link_used", _("password reset through a link from an administrator")
        SIGNED_IN = "signed_in", _("signed in")
        SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere", _("other sessions signed out")
        OTP_ENABLED = "otp_enabled", _("two-factor sign-in turned on")
        OTP_DISABLED = "otp_disabled", _("two-factor sign-in turned off")
        OTP_RESET_BY_ADMIN = "otp_reset_by_admin", _("two-factor sign-in reset by an administrator")
        RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_events",
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who did it, when not the user: an administrator."),
    )
    when = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-when", "-id"]
        indexes = [models.Index(fields=["user", "action", "-when"], name="account_event_user_action")]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.when:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A session a user signed in with, kept at sign-in so "sign out my other
    sessions" and a password change find the user's sessions by key instead
    of decoding every session in the database."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")
        indexes = [models.Index(fields=["user", "-created_at"], name="user_session_user_created")]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class SecondFactorPolicy(models.Model):
    """Which of the regional roles must use two-factor sign-in, on top of
    OTP_REQUIRED_ROLES (administrators and ministry staff): a switch an
    administrator turns in the admin, without a new deployment. One row."""

    province = models.BooleanField(
        _("province staff must use two-factor sign-in"),
        default=False,
        help_text=_("From their next sign-in, province staff must set up an authenticator app."),
    )
    regency = models.BooleanField(
        _("regency staff must use two-factor sign-in"),
        default=False,
        help_text=_("From their next sign-in, regency staff must set up an authenticator app."),
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("two-factor sign-in policy")
        verbose_name_plural = _("two-factor sign-in policy")

    def __str__(self):
        return str(_("Two-factor sign-in policy"))

    @classmethod
    def current(cls):
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def required_roles(self):
        return {role for role, on in ((Role.PROVINCE, self.province), (Role.REGENCY, self.regency)) if on}
