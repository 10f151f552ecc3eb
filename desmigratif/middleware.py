import logging
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import escape_uri_path
from django.utils.functional import empty
from django.utils.translation import gettext as _

request_logger = logging.getLogger("desmigratif.requests")

# Browser features no page of the portal uses: a page (or an injected script)
# cannot ask for them. The map draws from coordinates stored with each village,
# never from the device's position, so geolocation is off too.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class ChosenLanguageMiddleware:
    """Indonesian unless the user chose English with the language switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language,
    and many phones in the villages are set to English: the portal must
    still open in Indonesian there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def _asks_for_json(request):
    return "application/json" in request.headers.get("Accept", "")


class SessionLimitsMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT without a request or
    SESSION_MAX_AGE after sign-in, whichever comes first: shared computers in
    village offices must not stay signed in.

    The time of a request is stored only when the stored one is
    SESSION_ACTIVITY_STEP (60 s) old or older: storing every request cost a
    signed session write (an UPDATE) on every page. The last request is
    then up to one step after the stored time, so the session ends between
    SESSION_IDLE_TIMEOUT and SESSION_IDLE_TIMEOUT + one step after the last
    request: never early, at most a minute late."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault("signed_in_at", now)
            last_seen = session.get("last_seen_at", now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            max_age = settings.SESSION_MAX_AGE.total_seconds()
            step = settings.SESSION_ACTIVITY_STEP.total_seconds()
            if now - last_seen >= idle + step or now - started > max_age:
                logout(request)
                if _asks_for_json(request):
                    # A script (the offline sync) gets its own JSON answer for a
                    # signed-out user from the view, not a login page it cannot read.
                    return self.get_response(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            # Every request counts as activity; a stored time less than a step
            # old stands for this request too (the limit above allows for it).
            if "last_seen_at" not in session or now - last_seen >= step:
                session["last_seen_at"] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user whose password an administrator set (``must_change_password``)
    reaches only the password change page, the sign-out and the language
    switch until the password is changed: the administrator must not keep
    knowing it. Reads the flag from the user already loaded for the request,
    so nobody else pays a query for it."""

    # The second factor comes first (desmigratif.two_factor.SecondFactorMiddleware
    # sits before this one), so its pages stay open here.
    ALLOWED_URL_NAMES = (
        "password_change",
        "logout",
        "set_language",
        "second_factor_verify",
        "second_factor_setup",
        "favicon",
        "web_app_manifest",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def allowed_paths(self):
        if self._allowed is None:
            self._allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES}
        return self._allowed

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and request.path_info not in self.allowed_paths()
            and not request.path_info.startswith(settings.STATIC_URL)
        ):
            return redirect("password_change")
        return self.get_response(request)


def _has_nul(querydict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


def _refuse_parameters(request):
    reason = _("The request contains a character that is not allowed (NUL).")
    if request.path_info.startswith("/api/"):
        # The API answers in JSON, as DRF words its own errors.
        return JsonResponse({"detail": reason}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


class RefuseNulBytesMiddleware:
    """A NUL character in an address or a parameter never reaches a view.

    PostgreSQL cannot store or compare a NUL in text and raises an error
    that would be a 500; no real link or form ever holds one. An address
    with a NUL does not exist (404); a parameter with one is a bad request
    (400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404
        if _has_nul(request.GET):
            return _refuse_parameters(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Form fields are read here, after CsrfViewMiddleware has parsed them
        # anyway. A CSRF-exempt view (the import upload) sets its upload size
        # limit before the body is read, so it is left to parse its own body;
        # its fields are a choice and a file, and files may hold NUL bytes.
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if _has_nul(request.POST):
            return _refuse_parameters(request)
        return None


class PermissionsPolicyMiddleware:
    """Sends Permissions-Policy on every answer (Django has no setting for it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RequestLogMiddleware:
    """One key=value line per request on the ``desmigratif.requests`` logger:
    method, path without the query string (a search may hold a NIK), status,
    duration, bytes, the user's id and the client's address (the one
    django-axes locks, so behind nginx the real client's). No names, no
    parameters, no bodies: nothing personal beyond what the path holds (area
    codes and record ids)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        request_logger.info(
            "method=%s path=%s status=%s duration_ms=%.1f bytes=%s user=%s client=%s",
            request.method,
            escape_uri_path(request.path),
            response.status_code,
            duration_ms,
            _response_bytes(response),
            _user_id(request),
            get_client_ip_address(request) or "-",
        )
        return response


def _response_bytes(response):
    if response.has_header("Content-Length"):
        return response["Content-Length"]
    return "-" if response.streaming else len(response.content)


def _user_id(request):
    # Only a user some other part of the request already looked up: reading
    # it here would cost a session and user query on static files and probes.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"
    return user.pk if user.is_authenticated else "-"
