from django.apps import AppConfig
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
