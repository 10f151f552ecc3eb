"""Merging two records of one household or one person (the possible-duplicates
page): the survivor takes the chosen value of each field, everything that
pointed at the other record points at the survivor, the other record is
deleted, and a Merge row says who merged what and why. All of it in one
transaction, or nothing.

The links are found through the models' relations (``_meta``), not listed
here: the pillars' trainings, businesses, loans, cooperatives and service
activities, and whatever points at a member or household later, move with
the merge without villages importing the apps above it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalChanges

from desmigratif.access import can_write_village_records, code_in_scope
from desmigratif.concurrency import EditConflict, claim_version
from villages.models import Household, Member, Merge
from villages.signals import send_records_changed

KEPT, OTHER = "kept", "other"

HOUSEHOLD_FIELDS = ["no_kk", "dusun", "rt", "rw", "address"]
MEMBER_FIELDS = list(Member.RECORDED_FIELDS)

CHANGED_MESSAGE = gettext_lazy(
    "One of the two records was changed after you opened this page, so nothing has been merged. "
    "Check the values below again, then merge."
)


class MergeRefused(ValidationError):
    """The user may not merge these two records (not both in villages they may change)."""


def _check_may_write(user, *villages):
    if not can_write_village_records(user) or not all(code_in_scope(user, v.code) for v in villages):
        raise MergeRefused(
            _("You may merge records only of villages you may change: nothing has been merged."),
            code="not_allowed",
        )


def _claim_households(pairs):
    """Move on the versions of the households involved, lowest id first (so
    two merges of the same pair wait for each other instead of deadlocking);
    EditConflict when one was saved after the page showed ``seen``. This
    UPDATE also locks the households' rows until the merge commits."""
    seen_of = {}
    for pk, seen in pairs:
        if seen_of.setdefault(pk, seen) != seen:
            raise EditConflict()
    for pk in sorted(seen_of):
        claim_version(Household, pk, seen_of[pk])


def _move_links(model, other, survivor, user):
    """Point every row that points at ``other`` at ``survivor`` (the NIK access
    log, pillar records, earlier merges): foreign keys are updated; rows of a
    many-to-many table are moved unless the survivor is there already (then
    the other's row goes). History rows keep pointing at ``other``: they are
    its history."""
    for relation in model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or not relation.is_relation:
            continue
        related = relation.related_model
        # A many-to-many table is handled through its ManyToManyRel below.
        if issubclass(related, HistoricalChanges) or related._meta.auto_created:
            continue
        if relation.many_to_many:
            field = relation.field
            through = field.remote_field.through
            own = field.m2m_reverse_field_name()  # the column pointing at ``model``
            theirs = field.m2m_field_name()
            rows = through._base_manager.filter(**{own: other.pk})
            already = through._base_manager.filter(**{own: survivor.pk}).values(theirs)
            rows.filter(**{f"{theirs}__in": already}).delete()
            rows.update(**{own: survivor.pk})
        elif relation.one_to_many or relation.one_to_one:
            name = relation.field.name
            rows = related._base_manager.filter(**{name: other.pk})
            if getattr(related._meta, "simple_history_manager_attribute", None):
                # A business's or loan's own history says it changed owner, and who did it.
                for row in rows:
                    setattr(row, name, survivor)
                    row._history_user = user
                    row._change_reason = "merged"
                    row.save(update_fields=[name])
            else:
                rows.update(**{name: survivor.pk})


def _values(survivor, other, fields, choices):
    taken = {}
    for name in fields:
        source = OTHER if choices.get(name) == OTHER else KEPT
        taken[name] = source
        setattr(survivor, name, getattr(other if source == OTHER else survivor, name))
    return taken


def _record(*, kind, user, reason, survivor, other, number, label, village, taken):
    return Merge.objects.create(
        kind=kind,
        household=survivor if kind == Merge.Kind.HOUSEHOLD else None,
        member=survivor if kind == Merge.Kind.MEMBER else None,
        other_id=other.pk,
        other_label=label[:150],
        other_number=number,
        other_village=village,
        choices=taken,
        reason=reason,
        user=user,
    )


def _delete_other(other, user, survivor):
    other._history_user = user
    other._change_reason = f"merged into {survivor.pk}"
    other.delete()


def _check_reason(reason):
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why these two records are one.")})
    return reason[:300]


@transaction.atomic
def member_merge(
    *,
    user,
    survivor: Member,
    other: Member,
    choices: dict,
    reason: str,
    survivor_version: int,
    other_version: int,
) -> Merge:
    """Make ``other`` part of ``survivor``: the survivor stays in its household
    and takes, field by field, the value ``choices`` names (KEPT or OTHER; the
    versions are those of the two households the page was opened with)."""
    reason = _check_reason(reason)
    if survivor.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    _claim_households([(survivor.household_id, survivor_version), (other.household_id, other_version)])
    survivor = Member.objects.select_for_update().select_related("household__village").get(pk=survivor.pk)
    other = Member.objects.select_for_update().select_related("household__village").get(pk=other.pk)
    _check_may_write(user, survivor.household.village, other.household.village)
    if other.household_id != survivor.household_id and not (
        Member.objects.filter(household_id=other.household_id).exclude(pk=other.pk).exists()
    ):
        raise ValidationError(
            _(
                "The other record is the only member of its household: merge the two households "
                "instead, then the two members."
            ),
            code="last_member",
        )
    taken = _values(survivor, other, MEMBER_FIELDS, choices)
    merge = _record(
        kind=Merge.Kind.MEMBER,
        user=user,
        reason=reason,
        survivor=survivor,
        other=other,
        number=other.nik,
        label=other.name,
        village=other.household.village,
        taken=taken,
    )
    _move_links(Member, other, survivor, user)
    _delete_other(other, user, survivor)
    # The survivor is checked only now: the NIK it takes may be the other's,
    # free from the delete on.
    survivor.full_clean()
    survivor._history_user = user
    survivor._change_reason = "merged"
    survivor.save()
    _check_household(survivor.household)
    send_records_changed(Member, [survivor.household.village_id, other.household.village_id])
    return merge


@transaction.atomic
def household_merge(
    *,
    user,
    survivor: Household,
    other: Household,
    choices: dict,
    reason: str,
    survivor_version: int,
    other_version: int,
    same_people: dict | None = None,
) -> Merge:
    """Make household ``other`` part of ``survivor``: the survivor takes the
    chosen household fields, the other's members move to it, and those named
    in ``same_people`` (other member id -> survivor member id) are merged into
    that member, whose values are kept."""
    reason = _check_reason(reason)
    if survivor.pk == other.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    _claim_households([(survivor.pk, survivor_version), (other.pk, other_version)])
    survivor = Household.objects.select_for_update().select_related("village").get(pk=survivor.pk)
    other = Household.objects.select_for_update().select_related("village").get(pk=other.pk)
    _check_may_write(user, survivor.village, other.village)
    taken = _values(survivor, other, HOUSEHOLD_FIELDS, choices)
    merge = _record(
        kind=Merge.Kind.HOUSEHOLD,
        user=user,
        reason=reason,
        survivor=survivor,
        other=other,
        number=other.no_kk,
        label=other.no_kk,
        village=other.village,
        taken=taken,
    )
    same_people = same_people or {}
    survivors = {m.pk: m for m in Member.objects.select_for_update().filter(household=survivor)}
    for member in Member.objects.select_for_update().filter(household=other).order_by("pk"):
        kept = survivors.get(same_people.get(member.pk))
        if kept is not None:
            _move_links(Member, member, kept, user)
            Merge.objects.create(
                kind=Merge.Kind.MEMBER,
                member=kept,
                other_id=member.pk,
                other_label=member.name[:150],
                other_number=member.nik,
                other_village=other.village,
                choices=dict.fromkeys(MEMBER_FIELDS, KEPT),
                reason=reason,
                user=user,
            )
            _delete_other(member, user, kept)
        else:
            member.household = survivor
            member._history_user = user
            member._change_reason = "merged"
            member.save(update_fields=["household"])
    # Its members have all moved or merged by now.
    _move_links(Household, other, survivor, user)
    _delete_other(other, user, survivor)
    survivor.full_clean()
    survivor._history_user = user
    survivor._change_reason = "merged"
    survivor.save()
    _check_household(survivor)
    send_records_changed(Household, [survivor.village_id, other.village_id])
    return merge


def _check_household(household):
    heads = Member.objects.filter(household=household, relation=Member.Relation.HEAD).count()
    if heads > 1:
        raise ValidationError(
            _(
                "The merged household would have two heads of the family: say which of them are the "
                "same person, or change one's relation first."
            ),
            code="two_heads",
        )
