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
