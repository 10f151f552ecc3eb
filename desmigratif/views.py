from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from desmigratif.access import role_of
from desmigratif.models import Role
from villages.models import Village


@login_required
def home(request):
    """Officers land on their own village's dashboard; everyone else on the village list."""
    user = request.user
    if role_of(user) == Role.VILLAGE_OFFICER and Village.objects.filter(area_id=user.scope_id).exists():
        return redirect("dashboards:village", code=user.scope_id)
    return redirect("villages:list")


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when a username+address pair is locked."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
