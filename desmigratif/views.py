from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from desmigratif.access import role_of
from desmigratif.models import Role
from villages.models import Village


@login_required
def home(request):
    """Officers land on their own village's dashboard, reviewers on their
    review queue when reports wait for them; everyone else on the village list."""
    from reports.selectors import waiting_count
    from reports.services import REVIEWER_ROLES

    user = request.user
    role = role_of(user)
    if role == Role.VILLAGE_OFFICER and Village.objects.filter(area_id=user.scope_id).exists():
        return redirect("dashboards:village", code=user.scope_id)
    if role in REVIEWER_ROLES and waiting_count(user=user):
        return redirect("reports:queue")
    return redirect("villages:list")


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when a username+address pair is locked."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    # Wrong second-factor codes count like wrong passwords; the page says which it was.
    if getattr(request, "second_factor_attempt", False):
        template = "registration/second_factor_locked_out.html"
    else:
        template = "registration/locked_out.html"
    return render(request, template, {"cooloff_minutes": minutes}, status=429)


# Private: the names follow the user's language cookie.
@cache_control(max_age=86400, private=True)
def web_app_manifest(request):
    """The web app manifest: a phone can put the portal on its home screen.
    Named in the interface language; icons by their hashed static names."""
    manifest = {
        "name": _("Desmigratif portal"),
        "short_name": "Desmigratif",
        "description": _("Productive Migrant Villages: households, pillars and coordination"),
        "lang": get_language(),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0a58ca",
        "icons": [
            {
                "src": static(f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for size in (192, 512)
            for purpose in ("any", "maskable")
        ],
    }
    return JsonResponse(
        manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@cache_control(max_age=86400, public=True)
def favicon(request):
    # The hashed name is known only once the app runs (collected static files).
    return redirect(static("icons/favicon.ico"))
