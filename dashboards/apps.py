from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        # The villages, pillars and coordination apps know nothing of the
        # dashboards: their writes reach the stored figures through signals.
        from dashboards import aggregates

        aggregates.connect()
