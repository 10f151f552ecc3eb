from desmigratif.access import can_manage_coordination, can_write_village_records


def access(request):
    """What the signed-in user may do, for menus: the same helpers the views use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may": {}}
    return {
        "may": {
            "write_villages": can_write_village_records(user),
            "manage_coordination": can_manage_coordination(user),
        }
    }
