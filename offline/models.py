from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OfflineEntry(models.Model):
    """An entry a village officer's phone made without a connection and the
    server accepted (offline.services). Its ``client_id`` was made on the
    device: the same entry sent again (a retry after a lost answer, an
    interrupted sync) gets the stored answer instead of being applied twice.

    Only accepted entries are kept: a rejected or conflicting entry wrote
    nothing, stays on the device, and may come back corrected under the same
    id."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        DEPARTURE = "departure", _("departure")
        RETURN = "return", _("return")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.UUIDField(_("id made on the device"))
    village = models.ForeignKey(
        "villages.Village", verbose_name=_("village"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # SET_NULL: the record may be merged away later; the answer stays.
    household = models.ForeignKey(
        "villages.Household",
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    member = models.ForeignKey(
        "villages.Member",
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the device was told: a retry gets exactly this again.
    answer = models.JSONField(_("answer"), default=dict)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("offline entry")
        verbose_name_plural = _("offline entries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="offline_entry_once_per_user"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.client_id}"
