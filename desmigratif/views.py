from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

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
