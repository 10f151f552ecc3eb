"""The pages that merge two records the possible-duplicates page found, and
the earlier history of a merged record (villages.merging)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from desmigratif.access import (
    can_write_village_records,
    get_in_scope_or_404,
    get_village_for_user,
    sees_full_id_numbers,
)
from desmigratif.concurrency import EditConflict
from villages import matching
from villages.forms import MergeForm
from villages.identity import mask_id_number
from villages.merging import (
    CHANGED_MESSAGE,
    HOUSEHOLD_FIELDS,
    KEPT,
    MEMBER_FIELDS,
    OTHER,
    MergeRefused,
    household_merge,
    member_merge,
)
from villages.models import Household, Member, Merge
from villages.selectors import merged_record_history, readable_value

ID_FIELDS = {"nik", "no_kk"}


def _for_write(user, queryset, code_field, pk):
    record = get_in_scope_or_404(queryset, user, code_field, pk=pk)
    if not can_write_village_records(user):
        raise PermissionDenied
    return record


def _shown(model, name, value, full_ids):
    if name in ID_FIELDS and value:
        return value if full_ids else mask_id_number(value)
    return readable_value(model._meta.get_field(name), value) or _("(empty)")


def _rows(model, fields, kept, other, full_kept, full_other):
    """The fields the two records disagree on, each value as the user may see
    it; the kept record's value first, the other's when the kept one is empty."""
    rows = []
    for name in fields:
        a, b = getattr(kept, name), getattr(other, name)
        if a == b:
            continue
        initial = OTHER if a in (None, "") else KEPT
        rows.append(
            (
                name,
                capfirst(model._meta.get_field(name).verbose_name),
                _shown(model, name, a, full_kept),
                _shown(model, name, b, full_other),
                initial,
            )
        )
    return rows


def _merge_error(request, form, error):
    """A rule the merged record breaks (a NIK that does not fit the date of
    birth taken, two heads): next to the choice it concerns when there is one."""
    keys = dict((name, key) for key, name in form.take_names)
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(keys.get(name), errors)
    else:
        form.add_error(None, error)
    messages.error(request, _("Nothing has been merged: please check the choices below."))


@never_cache
@login_required
def member_merge_view(request, pk, other):
    members = Member.objects.select_related("household__village__area")
    code_field = "household__village__area__code"
    kept = _for_write(request.user, members, code_field, pk)
    merged = _for_write(request.user, members, code_field, other)
    if kept.pk == merged.pk:
        raise PermissionDenied
    full_kept = sees_full_id_numbers(request.user, kept.household.village_id)
    full_other = sees_full_id_numbers(request.user, merged.household.village_id)
    rows = _rows(Member, MEMBER_FIELDS, kept, merged, full_kept, full_other)
    initial = {"version": kept.household.version, "other_version": merged.household.version}
    form = MergeForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member_merge(
                user=request.user,
                survivor=kept,
                other=merged,
                choices=form.choices(),
                reason=form.cleaned_data["reason"],
                survivor_version=form.cleaned_data["version"],
                other_version=form.cleaned_data["other_version"],
            )
        except EditConflict:
            return _changed(request, "villages:merge_members", pk, other)
        except MergeRefused as error:
            messages.error(request, error.messages[0])
        except ValidationError as error:
            _merge_error(request, form, error)
        else:
            messages.success(request, _("The two records are now one: %(name)s.") % {"name": kept.name})
            return redirect("villages:member", code=kept.household.village_id, pk=kept.pk)
    return render(
        request,
        "villages/merge_form.html",
        {
            "kind": Merge.Kind.MEMBER,
            "form": form,
            "kept": kept,
            "other": merged,
            "kept_label": kept.name,
            "other_label": merged.name,
            "kept_number": kept.nik if full_kept else mask_id_number(kept.nik),
            "other_number": merged.nik if full_other else mask_id_number(merged.nik),
            "kept_village": kept.household.village,
            "other_village": merged.household.village,
            "swap": ("villages:merge_members", merged.pk, kept.pk),
        },
    )


def _changed(request, name, pk, other):
    """Someone saved one of the records after the page was opened: nothing was
    merged; the page again with the records as they are now."""
    messages.error(request, CHANGED_MESSAGE)
    return redirect(name, pk=pk, other=other)


def _same_people(kept_members, other_members, full_ids):
    """For each member of the other household: the kept household's members it
    may be, the one with the same or a similar name and date of birth first chosen."""

    def label(member, full):
        number = member.nik if full else mask_id_number(member.nik)
        return f"{member.name} · {member.birth_date:%d/%m/%Y} · {number}"

    rows = []
    for member in other_members:
        choices = [(m.pk, label(m, full_ids[0])) for m in kept_members]
        same_day = [m for m in kept_members if m.birth_date == member.birth_date]
        pairs = matching.near_match_pairs([member.name, *(m.name for m in same_day)])
        best = max((pair for pair in pairs if pair[0] == 0), key=lambda pair: pair[2], default=None)
        initial = same_day[best[1] - 1].pk if best else None
        rows.append((member.pk, label(member, full_ids[1]), choices, initial))
    return rows


@never_cache
@login_required
def household_merge_view(request, pk, other):
    households = Household.objects.select_related("village__area").prefetch_related("members")
    code_field = "village__area__code"
    kept = _for_write(request.user, households, code_field, pk)
    merged = _for_write(request.user, households, code_field, other)
    if kept.pk == merged.pk:
        raise PermissionDenied
    full_kept = sees_full_id_numbers(request.user, kept.village_id)
    full_other = sees_full_id_numbers(request.user, merged.village_id)
    rows = _rows(Household, HOUSEHOLD_FIELDS, kept, merged, full_kept, full_other)
    same = _same_people(list(kept.members.all()), list(merged.members.all()), (full_kept, full_other))
    initial = {"version": kept.version, "other_version": merged.version}
    form = MergeForm(request.POST or None, rows=rows, same_people=same, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            household_merge(
                user=request.user,
                survivor=kept,
                other=merged,
                choices=form.choices(),
                reason=form.cleaned_data["reason"],
                survivor_version=form.cleaned_data["version"],
                other_version=form.cleaned_data["other_version"],
                same_people=form.same_people(),
            )
        except EditConflict:
            return _changed(request, "villages:merge_households", pk, other)
        except MergeRefused as error:
            messages.error(request, error.messages[0])
        except ValidationError as error:
            _merge_error(request, form, error)
        else:
            messages.success(request, _("The two households are now one."))
            return redirect("villages:household", code=kept.village_id, pk=kept.pk)
    return render(
        request,
        "villages/merge_form.html",
        {
            "kind": Merge.Kind.HOUSEHOLD,
            "form": form,
            "kept": kept,
            "other": merged,
            "kept_label": kept.no_kk if full_kept else mask_id_number(kept.no_kk),
            "other_label": merged.no_kk if full_other else mask_id_number(merged.no_kk),
            "kept_village": kept.village,
            "other_village": merged.village,
            "swap": ("villages:merge_households", merged.pk, kept.pk),
        },
    )


@never_cache
@login_required
def merge_detail_view(request, code, pk):
    """A merge and the merged record's history up to it, under the kept record's village."""
    village = get_village_for_user(request.user, code)
    merge = get_object_or_404(
        Merge.objects.select_related("user", "member__household", "household", "other_village__area").filter(
            Q(member__household__village=village) | Q(household__village=village)
        ),
        pk=pk,
    )
    full_ids = sees_full_id_numbers(request.user, village.code) and sees_full_id_numbers(
        request.user, merge.other_village_id
    )
    model, fields = (
        (Member, MEMBER_FIELDS) if merge.kind == Merge.Kind.MEMBER else (Household, HOUSEHOLD_FIELDS)
    )
    history = merged_record_history(merge=merge)
    last = history[0]["record"] if history else None
    return render(
        request,
        "villages/merge_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "merge": merge,
            "other_number": merge.other_number if full_ids else mask_id_number(merge.other_number),
            "taken": [
                capfirst(model._meta.get_field(name).verbose_name)
                for name, source in merge.choices.items()
                if source == OTHER and name in fields
            ],
            # Its values when it was merged: the newest history row holds them.
            "values": [
                (
                    capfirst(model._meta.get_field(name).verbose_name),
                    _shown(model, name, getattr(last, name), full_ids),
                )
                for name in fields
            ]
            if last is not None
            else [],
            "history": history,
            "full_ids": full_ids,
        },
    )
