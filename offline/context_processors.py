from desmigratif.access import role_of
from desmigratif.models import Role
from offline.device import device_owner


def device(request):
    """For the header (templates/base.html): the officer's village for the
    offline entry link and counter (none for other roles, who have no offline
    mode), and the owner tag every page compares with the device's store."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"offline": {}}
    return {
        "offline": {
            "village": user.scope_id if role_of(user) == Role.VILLAGE_OFFICER else "",
            "owner": device_owner(user),
        }
    }
