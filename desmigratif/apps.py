from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_schedules(sender, using, **kwargs):
    from desmigratif.schedules import ensure_schedules

    if using == "default":
        ensure_schedules(using)


class DesmigratifConfig(AppConfig):
    name = "desmigratif"
    verbose_name = _("Users and access")

    def ready(self):
        # Every start-up and deployment runs migrate: the clean-up schedules
        # (desmigratif/schedules.py) exist wherever the portal runs, without a
        # database query at import time.
        post_migrate.connect(_ensure_schedules, sender=self, dispatch_uid="desmigratif.ensure_schedules")
        # Signal receivers: the second step after the password is decided at
        # sign-in (two_factor, whose deploy check also registers on import);
        # the sign-in record and the user's list of sessions (accounts).
        from desmigratif import accounts, two_factor  # noqa: F401


class VerifiedAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose site needs a verified second factor
    (desmigratif.two_factor.VerifiedAdminSite)."""

    default = False
    default_site = "desmigratif.two_factor.VerifiedAdminSite"
