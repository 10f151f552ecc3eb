"""The account-event log: every password change and reset, sign-in and
second-factor change is written here (desmigratif.models.AccountEvent), with
who did it when it was not the user, and where from."""

from desmigratif.models import AccountEvent
from desmigratif.net import client_ip

USER_AGENT_MAX = AccountEvent._meta.get_field("user_agent").max_length
NOTE_MAX = AccountEvent._meta.get_field("note").max_length


def request_origin(request):
    """The client's address and its user agent trimmed to the column, or
    (None, "") without a request (a management command, the job queue)."""
    if request is None:
        return None, ""
    return client_ip(request) or None, request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def record(user, action, *, by=None, request=None, note=""):
    """Write one event for ``user``. ``by`` is the acting user when someone
    else (an administrator) acted; ``request`` gives the address and device."""
    ip_address, user_agent = request_origin(request)
    if by is not None and by.pk == user.pk:
        by = None
    return AccountEvent.objects.create(
        user=user,
        action=AccountEvent.Action(action),
        by=by,
        ip_address=ip_address,
        user_agent=user_agent,
        note=note[:NOTE_MAX],
    )
