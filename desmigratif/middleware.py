import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import translation
from django.utils.translation import gettext as _

# Writing the last-seen time on every request would save the session on
# every page; a minute's precision is plenty for a 30-minute idle limit.
LAST_SEEN_RESOLUTION = 60


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


class SessionLimitsMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT without a request or
    SESSION_MAX_AGE after sign-in, whichever comes first: shared computers in
    village offices must not stay signed in."""

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
            if now - last_seen > idle or now - started > max_age:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION or "last_seen_at" not in session:
                session["last_seen_at"] = now
        return self.get_response(request)
