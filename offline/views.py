"""The server side of offline entry on an officer's phone: the data the
device keeps for departures and returns, and the sync endpoint its entries
are sent to. Both answer in JSON only, errors included (a device reading a
login page or an HTML error page instead would lose track of its entries)."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from desmigratif.access import get_village_for_user, role_of, sees_full_id_numbers
from desmigratif.models import Role
from offline.services import BadBatch, batch_apply, offline_data, read_batch
from villages.models import IdNumberAccess
from villages.services import id_number_access_log

SIGNED_OUT = "signed_out"


def _refusal(status, code, detail):
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _officer_village(request, code):
    """(village, None) for the village's own officer, else (None, a JSON refusal):
    signed out 403 "signed_out" (the device keeps its entries and asks the
    officer to sign in), out of scope 404, any other role 403."""
    if not request.user.is_authenticated:
        return None, _refusal(
            403,
            SIGNED_OUT,
            _("You are signed out. Sign in again to send the entries; they stay on this device until then."),
        )
    try:
        village = get_village_for_user(request.user, code)
    except Http404:
        return None, _refusal(404, "not_found", _("This village is not in your area."))
    if role_of(request.user) != Role.VILLAGE_OFFICER:
        return None, _refusal(403, "no_offline_mode", _("Regency staff and above have no offline mode."))
    return village, None


@never_cache
@require_GET
def offline_data_view(request, code):
    village, refusal = _officer_village(request, code)
    if refusal:
        return refusal
    full_ids = sees_full_id_numbers(request.user, village.code)
    data = offline_data(village=village, full_ids=full_ids)
    if full_ids:
        # Full NIKs leave the server for a device, as in an export: logged the same way.
        count = sum(len(household["members"]) for household in data["households"])
        id_number_access_log(
            user=request.user, reason=IdNumberAccess.Reason.EXPORT, village=village, count=count
        )
    data["generated_at"] = timezone.now().isoformat()
    return JsonResponse(data)


def _bad_request(detail):
    return _refusal(400, "bad_request", detail)


@never_cache
@require_POST
def sync_view(request, code):
    """CSRF-protected like every form of the portal: the offline page sends the
    token in the X-CSRFToken header."""
    village, refusal = _officer_village(request, code)
    if refusal:
        return refusal
    if request.content_type != "application/json":
        return _bad_request(_("Send the entries as JSON (Content-Type: application/json)."))
    try:
        body = request.body
    except RequestDataTooBig:
        return _bad_request(_("The request is too large: send fewer entries at a time."))
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return _bad_request(_("The request is not valid JSON."))
    try:
        entries = read_batch(payload)
    except BadBatch as error:
        return _bad_request(str(error))
    results = batch_apply(
        user=request.user,
        village=village,
        entries=entries,
        full_ids=sees_full_id_numbers(request.user, village.code),
    )
    return JsonResponse({"results": results})
