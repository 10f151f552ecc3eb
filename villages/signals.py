"""Signals the villages app sends for writes that send no model signals.

``records_changed`` is sent with ``village_ids`` (village codes) after a write
that changed households, members or enrolled villages in bulk (imports with
COPY, bulk_create, bulk_update or queryset.update): whoever keeps figures per
village (the dashboards' aggregates) learns which villages to count again.
It is sent inside the writer's transaction, so a receiver that writes takes
part in it. Writes through ``Model.save()`` and ``delete()`` need not send it:
post_save and post_delete already say the same.
"""

from django.dispatch import Signal

records_changed = Signal()  # village_ids: an iterable of village codes


def send_records_changed(sender, village_ids):
    village_ids = sorted({code for code in village_ids if code})
    if village_ids:
        records_changed.send(sender=sender, village_ids=village_ids)
