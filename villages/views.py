import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from desmigratif.access import (
    can_write_village_records,
    get_village_for_user,
    sees_full_id_numbers,
)
from desmigratif.concurrency import (
    EditConflict,
    conflict_message,
    create_once,
    differences,
    form_token,
    seen_version,
    sent_before,
)
from desmigratif.paging import Sort, paginate
from villages.countries import country_name
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
from villages.identity import kk_serial_warning, mask_id_number, nik_district_code, nik_district_warning
from villages.models import Area, Household, IdNumberAccess, Member
from villages.selectors import (
    household_list,
    id_number_query,
    member_history,
    member_status_counts,
    near_duplicates,
    possible_duplicates,
    village_detail_queryset,
    village_list,
)
from villages.services import (
    LookupThrottled,
    household_save,
    id_number_access_log,
    id_number_search_log,
    member_mark_departed,
    member_mark_returned,
    village_save_profile,
)

# Sortable columns of the village list; the code last, so every page is stable.
VILLAGE_SORTS = {
    "village": ("area__name", "area_id"),
    "code": ("area_id",),
    "district": ("area__parent__name", "area__name", "area_id"),
    "regency": ("area__parent__parent__name", "area__name", "area_id"),
    "province": ("area__parent__parent__parent__name", "area__name", "area_id"),
    "cohort": ("cohort_year", "area__name", "area_id"),
    "status": ("status", "area__name", "area_id"),
}


@login_required
def village_list_view(request):
    village_filter = VillageFilter(
        request.GET or None, queryset=village_list(user=request.user), user=request.user
    )
    sort = Sort(request, VILLAGE_SORTS, default="village")
    page, query = paginate(request, village_filter.qs.order_by(*sort.order_by))
    return render(
        request,
        "villages/village_list.html",
        {
            "filter": village_filter,
            "page": page,
            "query": query,
            "sort": sort,
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
    seen = seen_version(request.POST)
    conflict = request.method == "POST" and seen not in (None, village.version)
    if request.method == "POST" and not conflict and form.is_valid() and partners.is_valid():
        try:
            village_save_profile(
                village=village,
                fields={name: form.cleaned_data[name] for name in form.Meta.fields},
                partners=[
                    f.instance for f in partners.forms if f.has_changed() and f not in partners.deleted_forms
                ],
                removed_partners=[f.instance for f in partners.deleted_forms if f.instance.pk],
                version=seen,
            )
        except EditConflict:
            conflict = True
        else:
            messages.success(request, _("The village profile has been saved."))
            return redirect("villages:detail", code=village.code)
    if conflict:
        village = get_village_for_user(request.user, code, for_write=True)
        form = VillageProfileForm(request.POST, instance=village)
        partners = PartnerFormSet(request.POST, instance=village, prefix="partners")
        details = differences(form)
        if any(f.has_changed() for f in partners.forms) or partners.initial_form_count() != len(
            partners.queryset
        ):
            details.append(_("partner institutions"))
        messages.error(request, conflict_message(_("This village profile"), details))
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
    return render(
        request,
        "villages/village_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "form": form,
            "partners": partners,
            "version": seen if seen and not conflict else village.version,
        },
    )


def _member_for_user(user, code, pk, *, for_write=False):
    village = get_village_for_user(user, code, for_write=for_write)
    member = get_object_or_404(
        Member.objects.filter(household__village=village).select_related("household"), pk=pk
    )
    return village, member


def _nik_district_warnings(request, members, *, full_ids):
    districts = {nik_district_code(m.nik) for m in members}
    known = set(Area.objects.filter(code__in=districts).values_list("code", flat=True))
    for member in sorted(members, key=lambda m: m.nik):
        warning = nik_district_warning(member.nik, known)
        if warning:
            number = member.nik if full_ids else mask_id_number(member.nik)
            messages.warning(request, f"{member.name} ({number}): {warning}")


@never_cache
@login_required
def household_list_view(request, code):
    village = get_village_for_user(request.user, code)
    full_ids = sees_full_id_numbers(request.user, village.code)
    search = HouseholdSearchForm(request.GET or None, full_ids=full_ids)
    filters = search.cleaned_data if search.is_valid() else {}
    filters = {k: v for k, v in filters.items() if v}
    status = 200
    digits = id_number_query(filters.get("q", ""))
    if digits and not full_ids:
        if len(digits) == 16:
            try:
                id_number_search_log(user=request.user, village=village)
            except LookupThrottled as throttled:
                del filters["q"]
                status = 429
                messages.error(
                    request,
                    ngettext(
                        "Too many searches by a full NIK or No. KK in the last hour; "
                        "try again in %(minutes)s minute.",
                        "Too many searches by a full NIK or No. KK in the last hour; "
                        "try again in %(minutes)s minutes.",
                        throttled.minutes,
                    )
                    % {"minutes": throttled.minutes},
                )
        else:
            messages.info(
                request,
                _(
                    "Only a complete NIK or No. KK (16 digits) can be searched; "
                    "part of a number finds nothing."
                ),
            )
    households = household_list(village=village, full_ids=full_ids, **filters)
    if status == 429:
        households = households.none()
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
            "rows": _household_rows(page.object_list, village=village, full_ids=full_ids),
            "query": query.urlencode(),
            "status_counts": member_status_counts(village=village),
            "full_ids": full_ids,
            "can_edit": can_write_village_records(request.user),
        },
        status=status,
    )


def _path_of_each(name, **kwargs):
    """pk -> the path of URL ``name`` for it, reversing once for a whole list:
    reverse() is slow enough that the household list (25 households, ~100
    members) spent a fifth of its CPU there when each row reversed its links."""
    stand_in = 2**31 - 1  # no village code holds these 10 digits
    head, tail = reverse(name, kwargs={**kwargs, "pk": stand_in}).split(str(stand_in))
    return lambda pk: f"{head}{pk}{tail}"


# The badge of each migration status in the household list (family: none).
STATUS_BADGES = {"pmi": "primary", "cpmi": "warning"}


def _household_rows(households, *, village, full_ids):
    """What each row of the household list shows, worked out once per page
    rather than in the template for every row and member: links, the No. KK
    (masked for those who see it so), the address (hamlet, RT/RW), and the
    members' names and status badges as HTML. The members are read as plain
    values in one query (the prefetch's model instances, and the template's
    loops over every member of every row, were about a fifth of the list's
    CPU)."""
    household_path = _path_of_each("villages:household", code=village.code)
    member_path = _path_of_each("villages:member", code=village.code)
    statuses = {value: conditional_escape(label) for value, label in Member.Status.choices}
    countries = {"": ""}
    households = list(households)
    members_of = {household.pk: [] for household in households}
    if members_of:
        members = Member.objects.filter(household_id__in=members_of).order_by("id")
        for household_id, *member in members.values_list(
            "household_id", "pk", "name", "migration_status", "destination_country"
        ):
            members_of[household_id].append(member)
    rows = []
    for household in households:
        links, badges = [], []
        for pk, name, status, country in members_of[household.pk]:
            links.append(f'<a href="{conditional_escape(member_path(pk))}">{conditional_escape(name)}</a>')
            if status == Member.Status.FAMILY:
                continue
            if country not in countries:
                countries[country] = conditional_escape(country_name(country))
            where = f" \u00b7 {countries[country]}" if countries[country] else ""
            badges.append(
                f'<span class="badge text-bg-{STATUS_BADGES.get(status, "success")} me-1">'
                f"{statuses.get(status, conditional_escape(status))}{where}</span>"
            )
        address = (
            (f"{conditional_escape(household.dusun)}, " if household.dusun else "")
            + (f"RT {conditional_escape(household.rt)}" if household.rt else "")
            + (f"/RW {conditional_escape(household.rw)}" if household.rw else "")
        )
        rows.append(
            {
                "household": household,
                "url": household_path(household.pk),
                "no_kk": household.no_kk if full_ids else mask_id_number(household.no_kk),
                # Every value below is escaped.
                "member_links": mark_safe(", ".join(links)),  # noqa: S308
                "status_badges": mark_safe("".join(badges)),  # noqa: S308
                "address": mark_safe(address),  # noqa: S308
            }
        )
    return rows


@never_cache
@login_required
def household_detail_view(request, code, pk):
    village = get_village_for_user(request.user, code)
    household = get_object_or_404(village.households.prefetch_related("members"), pk=pk)
    full_ids = sees_full_id_numbers(request.user, village.code)
    return render(
        request,
        "villages/household_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "household": household,
            "full_ids": full_ids,
            "can_edit": can_write_village_records(request.user),
            "merges": _merges_shown(household.merges, village, full_ids),
        },
    )


def _household_form_view(request, village, household):
    creating = household.pk is None
    # Those who see numbers masked get them masked in the form too; posting the
    # mask back unchanged keeps the registered number (villages.forms).
    full_ids = sees_full_id_numbers(request.user, village.code)
    form = HouseholdForm(request.POST or None, instance=household, full_ids=full_ids)
    members = MemberFormSet(
        request.POST or None, instance=household, prefix="members", form_kwargs={"full_ids": full_ids}
    )
    if request.method == "POST" and creating and (url := sent_before(request)):
        # The same form sent twice (a double click): the first one's household.
        messages.success(request, _("The household has been saved."))
        return redirect(url)
    seen = seen_version(request.POST)
    # A form opened before someone else's save is refused before it is even
    # checked (a member removed since would otherwise be an odd field error).
    conflict = request.method == "POST" and not creating and seen not in (None, household.version)
    if request.method == "POST" and not conflict and form.is_valid() and members.is_valid():

        def save():
            return household_save(
                household=form.instance,
                # Unchanged members are not saved again: no empty history entries.
                members=[
                    f.instance for f in members.forms if f not in members.deleted_forms and f.has_changed()
                ],
                removed_members=[f.instance for f in members.deleted_forms if f.instance.pk],
                user=request.user,
                version=seen,
            )

        def url_of(saved):
            return reverse("villages:household", kwargs={"code": village.code, "pk": saved.pk})

        try:
            if creating:
                saved, url = create_once(request, save, url_of)
            else:
                saved = save()
                url = url_of(saved)
        except EditConflict:
            conflict = True
        except ValidationError as error:
            _household_save_error(form, members, error)
        else:
            if saved is not None:
                _nik_district_warnings(request, list(saved.members.all()), full_ids=full_ids)
                if warning := kk_serial_warning(saved.no_kk):
                    messages.warning(request, warning)
            messages.success(request, _("The household has been saved."))
            return redirect(url)
    if conflict:
        # The user's input stays; the form now carries the saved version, so
        # saving again (after checking) is a deliberate overwrite.
        household = get_object_or_404(village.households, pk=household.pk)
        form = HouseholdForm(request.POST, instance=household, full_ids=full_ids)
        members = MemberFormSet(
            request.POST, instance=household, prefix="members", form_kwargs={"full_ids": full_ids}
        )
        messages.error(
            request, conflict_message(_("This household"), _household_differences(request, form, members))
        )
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
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
            # A form shown again after an error keeps the version it was opened at.
            "version": None if creating else (seen if seen and not conflict else household.version),
            "form_token": form_token(request.POST) if creating else None,
        },
    )


def _household_save_error(form, members, error):
    """A rule checked only at save time (e.g. a NIK registered by someone else a
    moment ago): next to the field it concerns when known, else above the form."""
    target = getattr(error, "instance", None)
    if hasattr(error, "error_dict") and target is not None:
        if target is form.instance:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return
        for member_form in members.forms:
            if member_form.instance is target:
                for field, errors in error.error_dict.items():
                    member_form.add_error(field if field in member_form.fields else None, errors)
                return
    form.add_error(None, ValidationError(error.messages))


def _household_differences(request, form, members):
    """What the saved household has that the refused form does not: its own
    fields with their saved values (the No. KK by name only) and which members
    were added, removed or are different."""
    details = differences(form, hidden=("no_kk",))
    saved = {m.pk: m for m in members.queryset}
    posted = {}
    for i in range(members.initial_form_count()):
        pk = request.POST.get(f"members-{i}-id", "")
        if pk.isdigit():
            posted[int(pk)] = request.POST.get(f"members-{i}-name", "")
    added = [m.name for pk, m in saved.items() if pk not in posted]
    removed = [name for pk, name in posted.items() if pk not in saved]
    changed = []
    for member_form in members.initial_forms:
        member = saved.get(member_form.instance.pk)
        if member is None:
            continue
        fields = [
            str(member_form.fields[name].label)
            for name in member_form.changed_data
            if name not in ("id", "DELETE", "household") and not member_form.fields[name].widget.is_hidden
        ]
        if fields:
            changed.append(f"{member.name} ({', '.join(fields)})")
    if added:
        details.append(_("members added: %(names)s") % {"names": ", ".join(added)})
    if removed:
        details.append(_("members removed: %(names)s") % {"names": ", ".join(removed)})
    if changed:
        details.append(_("members with other values: %(members)s") % {"members": "; ".join(changed)})
    return details


@never_cache
@login_required
def household_create_view(request, code):
    village = get_village_for_user(request.user, code, for_write=True)
    return _household_form_view(request, village, Household(village=village))


@never_cache
@login_required
def household_edit_view(request, code, pk):
    village = get_village_for_user(request.user, code, for_write=True)
    household = get_object_or_404(village.households, pk=pk)
    return _household_form_view(request, village, household)


@never_cache
@login_required
def member_detail_view(request, code, pk):
    village, member = _member_for_user(request.user, code, pk)
    full_ids = sees_full_id_numbers(request.user, village.code)
    if full_ids:
        id_number_access_log(
            user=request.user, reason=IdNumberAccess.Reason.MEMBER_PAGE, village=village, member=member
        )
    history = member_history(member=member)
    return render(
        request,
        "villages/member_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "member": member,
            "household": member.household,
            "history": history,
            # A merge leaves a "merged" entry: only then is there a merge to read.
            "merges": (
                _merges_shown(member.merges, village, full_ids)
                if any(entry["record"].history_change_reason == "merged" for entry in history)
                else []
            ),
            "full_ids": full_ids,
            "can_edit": can_write_village_records(request.user),
        },
    )


def _merges_shown(merges, village, full_ids):
    """The merges into a record; the merged record's number in full only for
    those who see this village's in full, and only if it was of this village."""
    merges = list(merges.select_related("user"))
    for merge in merges:
        merge.shown_in_full = full_ids and merge.other_village_id == village.code
    return merges


def _status_change_view(request, code, pk, *, form_class, service, title, done_message):
    village, member = _member_for_user(request.user, code, pk, for_write=True)
    form = form_class(request.POST or None, member=member)
    # The household's version: a status change on a record changed since the
    # form was opened (another status change, an edit, an import) is refused.
    seen = seen_version(request.POST)
    conflict = request.method == "POST" and seen not in (None, member.household.version)
    if request.method == "POST" and not conflict and form.is_valid():
        try:
            service(member=member, user=request.user, version=seen, **form.cleaned_data)
        except EditConflict:
            conflict = True
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, done_message)
            return redirect("villages:member", code=village.code, pk=member.pk)
    if conflict:
        village, member = _member_for_user(request.user, code, pk, for_write=True)
        messages.error(request, conflict_message(member.name, _member_status_details(member)))
    return render(
        request,
        "villages/member_status_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "member": member,
            "form": form,
            "title": title,
            "version": seen if seen and not conflict else member.household.version,
        },
    )


def _member_status_details(member):
    """The saved migration facts of a member, for a refused status change."""
    details = [
        _("%(field)s: “%(value)s”")
        % {
            "field": capfirst(Member._meta.get_field("migration_status").verbose_name),
            "value": member.get_migration_status_display(),
        }
    ]
    for name in ("departure_date", "return_date"):
        value = getattr(member, name)
        if value:
            details.append(
                _("%(field)s: “%(value)s”")
                % {
                    "field": capfirst(Member._meta.get_field(name).verbose_name),
                    "value": date_format(value),
                }
            )
    return details


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


@never_cache
@login_required
def possible_duplicates_view(request):
    groups = possible_duplicates(user=request.user)
    born_from = _date_param(request.GET.get("dari"))
    near, next_date = near_duplicates(user=request.user, born_from=born_from)
    members = [member for group in groups for member in group] + [m for pair in near for m in pair[:2]]
    full_codes = {
        member.household.village_id
        for member in members
        if sees_full_id_numbers(request.user, member.household.village_id)
    }
    can_merge = can_write_village_records(request.user)
    merge_members = _pair_path("villages:merge_members")
    merge_households = _pair_path("villages:merge_households")

    def pair(kept, other, score=None):
        """Links that merge ``other`` into ``kept`` (the page asks again which values win)."""
        if not can_merge:
            return {"kept": kept, "other": other, "score": score}
        return {
            "kept": kept,
            "other": other,
            "score": score,
            "members_url": merge_members(kept.pk, other.pk),
            "households_url": (
                merge_households(kept.household_id, other.household_id)
                if kept.household_id != other.household_id
                else ""
            ),
        }

    return render(
        request,
        "villages/possible_duplicates.html",
        {
            "groups": groups,
            "cards": [(group, [pair(group[0], other) for other in group[1:]]) for group in groups],
            "near": [pair(one, other, score) for one, other, score in near],
            "born_from": born_from,
            "next_date": next_date,
            "full_codes": full_codes,
            "can_merge": can_merge,
        },
    )


def _date_param(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _pair_path(name):
    """(pk, other) -> the path of URL ``name``, reversing once for the page."""
    stand_ins = (2**31 - 2, 2**31 - 1)
    path = reverse(name, kwargs={"pk": stand_ins[0], "other": stand_ins[1]})
    return lambda pk, other: path.replace(str(stand_ins[0]), str(pk)).replace(str(stand_ins[1]), str(other))
