from django.db import models
from django.utils.translation import gettext_lazy as _


class Pillar(models.IntegerChoices):
    """The programme's four pillars. Other apps store the number."""

    MIGRATION_SERVICES = 1, _("I · Migration services")
    PRODUCTIVE_BUSINESS = 2, _("II · Productive business")
    COMMUNITY_PARENTING = 3, _("III · Community parenting")
    COOPERATIVE = 4, _("IV · Desmigratif cooperative")
