from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from desmigratif.access import can_write_village_records, get_village_for_user
from villages.filters import VillageFilter
from villages.forms import PartnerFormSet, VillageProfileForm
from villages.selectors import village_detail_queryset, village_list
from villages.services import village_save_profile


@login_required
def village_list_view(request):
    village_filter = VillageFilter(
        request.GET or None, queryset=village_list(user=request.user), user=request.user
    )
    villages = village_filter.qs
    page = Paginator(villages, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "villages/village_list.html",
        {
            "filter": village_filter,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def village_detail_view(request, code):
    village = get_village_for_user(request.user, code)
    village = village_detail_queryset().get(pk=village.pk)
    return render(
        request,
        "villages/village_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "can_edit": can_write_village_records(request.user),
        },
    )


@login_required
def village_edit_view(request, code):
    village = get_village_for_user(request.user, code, for_write=True)
    form = VillageProfileForm(request.POST or None, instance=village)
    partners = PartnerFormSet(request.POST or None, instance=village, prefix="partners")
    if request.method == "POST" and form.is_valid() and partners.is_valid():
        village_save_profile(
            village=village,
            fields={name: form.cleaned_data[name] for name in form.Meta.fields},
            partners=[
                f.instance for f in partners.forms if f.has_changed() and f not in partners.deleted_forms
            ],
            removed_partners=[f.instance for f in partners.deleted_forms if f.instance.pk],
        )
        messages.success(request, _("The village profile has been saved."))
        return redirect("villages:detail", code=village.code)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
    return render(
        request,
        "villages/village_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "form": form,
            "partners": partners,
        },
    )
