"""The server side of offline entry on an officer's phone: the data the
device keeps for departures and returns, and the sync endpoint its entries
are sent to. Both answer in JSON only, errors included (a device reading a
login page or an HTML error page instead would lose track of its entries)."""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import PrefixNode, static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from desmigratif.access import get_village_for_user, role_of, sees_full_id_numbers
from desmigratif.models import Role
from offline.device import device_key, device_owner
from offline.services import MAX_ENTRIES, BadBatch, batch_apply, offline_data, read_batch
from villages.forms import DepartureForm, HouseholdForm, MemberForm, ReturnForm
from villages.id_rule_messages import id_rule_messages
from villages.models import IdNumberAccess, Member
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


# The pages on the device ---------------------------------------------------------------

# The static files the offline page needs, cached by the service worker when
# it is installed (so the page opens offline even if the officer never opened
# it online after the install); any other /static/ file the page asks for is
# cached the first time it is fetched.
SHELL_STATIC_FILES = (
    "vendor/bootstrap/bootstrap.min.css",
    "css/site.css",
    "css/percent.css",
    "css/print.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "js/site.js",
    "js/id-rules.js",
    "js/offline-store.js",
    "js/offline-header.js",
    "js/offline.js",
    "icons/favicon.ico",
    "icons/apple-touch-icon.png",
)


@never_cache
@require_GET
def key_view(request, code):
    """This user's device key, owner tag and a CSRF token for the sync (the
    page shell is cached, so it carries no token of its own)."""
    village, refusal = _officer_village(request, code)
    if refusal:
        return refusal
    return JsonResponse(
        {
            "key": device_key(request.user),
            "owner": device_owner(request.user),
            "csrf_token": get_token(request),
            "village": village.code,
        }
    )


def _choices(field):
    return [[str(value), str(label)] for value, label in field.choices if value != ""]


def _page_texts(household_form, member_form, departure_form, return_form):
    """The texts the page's JavaScript shows, in the user's language (it holds none of its own)."""
    labels = {}
    choices = {}
    for form in (household_form, member_form, departure_form, return_form):
        for name, bound in form.fields.items():
            labels.setdefault(name, str(bound.label))
            if hasattr(bound, "choices"):
                choices.setdefault(name, dict(_choices(bound)))
    return {
        "labels": {**labels, "no_kk": str(household_form.fields["no_kk"].label), "__all__": _("Whole entry")},
        "choices": choices,
        "id_rules": id_rule_messages(),
        "required": _("This field is required."),
        "not_sent": _("%(count)s not sent yet"),
        "kind": {
            "household": _("Household"),
            "departure": _("Departure"),
            "return": _("Return"),
        },
        "state": {
            "waiting": _("Waiting to be sent"),
            "rejected": _("Rejected: correct it and save again"),
            "conflict": _("Changed on the server: choose which version to keep"),
            "accepted": _("Sent and saved"),
        },
        "online": _("Online"),
        "offline": _("Offline: entries are saved on this device and sent when the connection returns."),
        "no_data": _("Open this page once while online and signed in, so it can work without a connection."),
        "data_loaded": _("Village data on this device from %(time)s."),
        "saved": _("Saved on this device. It is sent with “Send now” or when the connection returns."),
        "sending": _("Sending…"),
        "sent": _("%(accepted)s saved on the server, %(rejected)s rejected, %(conflict)s to choose."),
        "send_failed": _("Could not reach the server; the entries stay on this device. Try again later."),
        "signed_out": _(
            "You are signed out. Sign in again to send the entries; they stay on this device until then."
        ),
        "sign_in": _("Sign in"),
        "storage_full": _(
            "This device's storage is full: the entry was NOT saved, and what you typed is still in the "
            "form. Send the waiting entries or free space on the phone, then save again."
        ),
        "storage_low": _(
            "This device's storage is almost full. Send the waiting entries soon, or free space on the phone."
        ),
        "check_form": _("Check the fields marked in red."),
        "correct": _("Correct"),
        "delete": _("Delete"),
        "delete_confirm": _("Delete this entry from this device? It has not been sent."),
        "open_record": _("Open the record"),
        "keep_server": _("Keep the server's"),
        "send_mine": _("Send mine"),
        "this_device": _("On this device"),
        "on_server": _("On the server"),
        "member": _("Member"),
        "members": _("Members"),
        "choose_member": _("Choose a person"),
        "no_members": _("Nobody on this device's list can be recorded this way."),
        "remove_member": _("Remove this member"),
        "editing": _("Correcting an entry: save to send it again."),
        "clear_sent": _("Remove sent entries from the list"),
        "nothing_waiting": _("No entries on this device."),
        "keep_on_sign_out": _(
            "%(count)s entries on this device have not been sent. Keep them (encrypted) to send after you "
            "sign in again? Cancel deletes them."
        ),
        "warnings": _("Check"),
    }


@login_required
@never_cache
@require_GET
def offline_page(request, code):
    """The offline entry page: an app shell (forms, texts, choices; no
    household or person), which the service worker caches and the page's
    JavaScript fills from the device's own store."""
    village = get_village_for_user(request.user, code)
    if role_of(request.user) != Role.VILLAGE_OFFICER:
        return render(request, "offline/no_offline_mode.html", {"village": village}, status=403)
    household_form = HouseholdForm(full_ids=True)
    member_form = MemberForm(prefix="members-__prefix__", full_ids=True)
    departure_form = DepartureForm(member=Member(), prefix="departure")
    return_form = ReturnForm(member=Member(), prefix="return")
    return render(
        request,
        "offline/offline_page.html",
        {
            "village": village,
            "household_form": household_form,
            "member_form": member_form,
            "first_member_form": MemberForm(prefix="members-0", full_ids=True),
            "departure_form": departure_form,
            "return_form": return_form,
            "texts": _page_texts(household_form, member_form, departure_form, return_form),
            "max_entries": MAX_ENTRIES,
            # The messages wait for the next page: the service worker caches this one.
            "messages": (),
        },
    )


@require_GET
def service_worker(request):
    """The service worker, from the site root so its scope covers /desa/…
    (a worker controls only the paths below its own). no-cache: the browser
    checks for a new version on every visit, and a new list of hashed static
    names makes a new cache."""
    files = [static(name) for name in SHELL_STATIC_FILES]
    version = hashlib.sha256("\n".join(files).encode()).hexdigest()[:12]
    body = render_to_string(
        "offline/sw.js",
        {
            "files_json": json.dumps(files),
            "version": version,
            "static_prefix": PrefixNode.handle_simple("STATIC_URL"),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
