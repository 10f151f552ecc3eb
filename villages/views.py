from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from desmigratif.access import (
    can_write_village_records,
    get_village_for_user,
    role_of,
    sees_full_id_numbers,
)
from desmigratif.models import Role
from villages.exports import export_members_response
from villages.filters import VillageFilter
from villages.forms import (
    DepartureForm,
    HouseholdForm,
    HouseholdSearchForm,
    MemberFormSet,
    PartnerFormSet,
    ReturnForm,
    VillageProfileForm,
)
from villages.identity import mask_id_number, nik_district_code, nik_district_warning
from villages.models import Area, Household, IdNumberAccess, Member
from villages.selectors import (
    household_list,
    member_history,
    member_status_counts,
    possible_duplicates,
    village_detail_queryset,
    village_list,
)
from villages.services import (
    household_save,
    id_number_access_log,
    member_mark_departed,
    member_mark_returned,
    village_save_profile,
)


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


def _member_for_user(user, code, pk, *, for_write=False):
    village = get_village_for_user(user, code, for_write=for_write)
    member = get_object_or_404(
        Member.objects.filter(household__village=village).select_related("household"), pk=pk
    )
    return village, member


def _nik_district_warnings(request, niks):
    districts = {nik_district_code(nik) for nik in niks}
    known = set(Area.objects.filter(code__in=districts).values_list("code", flat=True))
    for nik in sorted(niks):
        warning = nik_district_warning(nik, known)
        if warning:
            messages.warning(request, f"{mask_id_number(nik)}: {warning}")


@login_required
def household_list_view(request, code):
    village = get_village_for_user(request.user, code)
    search = HouseholdSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    households = household_list(village=village, **{k: v for k, v in filters.items() if v})
    page = Paginator(households, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "villages/household_list.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "search": search,
            "page": page,
            "query": query.urlencode(),
            "status_counts": member_status_counts(village=village),
            "full_ids": sees_full_id_numbers(request.user, village.code),
            "can_edit": can_write_village_records(request.user),
        },
    )


@login_required
def household_detail_view(request, code, pk):
    village = get_village_for_user(request.user, code)
    household = get_object_or_404(village.households.prefetch_related("members"), pk=pk)
    return render(
        request,
        "villages/household_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "household": household,
            "full_ids": sees_full_id_numbers(request.user, village.code),
            "can_edit": can_write_village_records(request.user),
        },
    )


def _household_form_view(request, village, household):
    creating = household.pk is None
    form = HouseholdForm(request.POST or None, instance=household)
    members = MemberFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        try:
            household = household_save(
                household=form.instance,
                # Unchanged members are not saved again: no empty history entries.
                members=[
                    f.instance for f in members.forms if f not in members.deleted_forms and f.has_changed()
                ],
                removed_members=[f.instance for f in members.deleted_forms if f.instance.pk],
                user=request.user,
            )
        except ValidationError as error:
            # A rule checked only at save time (e.g. a NIK registered by someone
            # else a moment ago): shown above the form, nothing saved.
            form.add_error(None, ValidationError(error.messages))
        else:
            _nik_district_warnings(request, [m.nik for m in household.members.all()])
            messages.success(request, _("The household has been saved."))
            return redirect("villages:household", code=village.code, pk=household.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
    elif not creating and not sees_full_id_numbers(request.user, village.code):
        id_number_access_log(
            user=request.user,
            reason=IdNumberAccess.Reason.EDIT_FORM,
            village=village,
            count=household.members.count(),
        )
    return render(
        request,
        "villages/household_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "household": household,
            "creating": creating,
            "form": form,
            "members": members,
        },
    )


@login_required
def household_create_view(request, code):
    village = get_village_for_user(request.user, code, for_write=True)
    return _household_form_view(request, village, Household(village=village))


@login_required
def household_edit_view(request, code, pk):
    village = get_village_for_user(request.user, code, for_write=True)
    household = get_object_or_404(village.households, pk=pk)
    return _household_form_view(request, village, household)


@login_required
def member_detail_view(request, code, pk):
    village, member = _member_for_user(request.user, code, pk)
    full_ids = sees_full_id_numbers(request.user, village.code)
    if full_ids:
        id_number_access_log(
            user=request.user, reason=IdNumberAccess.Reason.MEMBER_PAGE, village=village, member=member
        )
    return render(
        request,
        "villages/member_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "member": member,
            "household": member.household,
            "history": member_history(member=member),
            "full_ids": full_ids,
            "can_edit": can_write_village_records(request.user),
        },
    )


def _status_change_view(request, code, pk, *, form_class, service, title, done_message):
    village, member = _member_for_user(request.user, code, pk, for_write=True)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(member=member, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, done_message)
            return redirect("villages:member", code=village.code, pk=member.pk)
    return render(
        request,
        "villages/member_status_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "member": member,
            "form": form,
            "title": title,
        },
    )


@login_required
def member_depart_view(request, code, pk):
    return _status_change_view(
        request,
        code,
        pk,
        form_class=DepartureForm,
        service=member_mark_departed,
        title=_("Mark as departed (CPMI → PMI)"),
        done_message=_("Marked as departed: now a PMI."),
    )


@login_required
def member_return_view(request, code, pk):
    return _status_change_view(
        request,
        code,
        pk,
        form_class=ReturnForm,
        service=member_mark_returned,
        title=_("Mark as returned (PMI → PMI purna)"),
        done_message=_("Marked as returned: now a PMI purna."),
    )


@login_required
def possible_duplicates_view(request):
    groups = possible_duplicates(user=request.user)
    full_codes = {
        member.household.village_id
        for group in groups
        for member in group
        if sees_full_id_numbers(request.user, member.household.village_id)
    }
    return render(request, "villages/possible_duplicates.html", {"groups": groups, "full_codes": full_codes})


@login_required
def member_export_view(request, fmt):
    code = request.GET.get("desa", "")
    members = Member.objects.in_scope(request.user)
    if code:
        village = get_village_for_user(request.user, code)
        members = members.filter(household__village=village)
        full_ids = sees_full_id_numbers(request.user, village.code)
        stem = f"pendataan-rumah-tangga-{village.code}"
    else:
        village = None
        full_ids = role_of(request.user) == Role.ADMINISTRATOR or (
            role_of(request.user) == Role.VILLAGE_OFFICER
        )
        stem = "pendataan-rumah-tangga"
    if full_ids:
        id_number_access_log(
            user=request.user, reason=IdNumberAccess.Reason.EXPORT, village=village, count=members.count()
        )
    members = members.order_by("household__village_id", "household__no_kk", "id")
    return export_members_response(members, fmt=fmt, full_ids=full_ids, filename_stem=stem)
