"""The "today" of every rule that refuses a date in the future."""

from zoneinfo import ZoneInfo

from django.utils import timezone

# Indonesia spans three zones, and Papua (WIT, UTC+9) starts a new day first.
EASTERNMOST_ZONE = ZoneInfo("Asia/Jayapura")


def latest_today():
    """The date it is now in the part of Indonesia that is furthest ahead.

    A date after it is in the future in every village. The portal's own day
    (TIME_ZONE, Jakarta) would refuse an officer in Kupang (WITA) or
    Jayapura (WIT) who records today's departure in the first hours after
    midnight, while Jakarta is still on yesterday."""
    return timezone.localdate(timezone=EASTERNMOST_ZONE)
