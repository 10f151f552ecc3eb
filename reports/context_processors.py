from django.utils.functional import SimpleLazyObject

from desmigratif.access import role_of
from reports.selectors import waiting_count
from reports.services import REVIEWER_ROLES


def review_queue(request):
    """How many reports wait for the signed-in reviewer, for the menu: one
    count, only for reviewing roles and only when a page shows the menu."""
    user = getattr(request, "user", None)
    if user is None or role_of(user) not in REVIEWER_ROLES:
        return {"reports_waiting": 0}
    return {"reports_waiting": SimpleLazyObject(lambda: waiting_count(user=user))}
