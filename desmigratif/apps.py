from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesmigratifConfig(AppConfig):
    name = "desmigratif"
    verbose_name = _("Users and access")
