"""Writes. Forms, the admin, the demo and the bench all go through these, so
each rule is written once: the model's clean() and constraints hold the
per-row rules, these functions the rules that span rows (an MOU's parties
and its commitments, a programme's dates and its budget lines)."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coordination.models import (
    MOU,
    Agency,
    BudgetLine,
    Commitment,
    Programme,
    Realisation,
    area_code_within,
)
from villages.models import Area, Village


def _names(items, limit=5):
    items = sorted({str(item) for item in items})
    shown = ", ".join(items[:limit])
    return f"{shown}, …" if len(items) > limit else shown


@transaction.atomic
def agency_save(*, agency: Agency) -> Agency:
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def mou_save(*, mou: MOU, parties: list[Agency], pillars: list[int], reach: list[Area]) -> MOU:
    """Create or change an MOU with its parties, pillars and reach. A change
    may not strand what was recorded under it: a party with commitments, a
    pillar with commitments, a village with realisations must stay in."""
    mou.set_pillars(pillars)
    errors = {}
    if len(set(parties)) < 2:
        errors["parties"] = [_("An MOU has at least two parties.")]
    if mou.pk:
        commitments = list(mou.commitments.select_related("agency"))
        dropped = {c.agency for c in commitments if c.agency not in parties}
        if dropped:
            errors.setdefault("parties", []).append(
                _("These agencies have commitments under this MOU and must stay parties: %(names)s.")
                % {"names": _names(dropped)}
            )
        uncovered = {c.get_pillar_display() for c in commitments if c.pillar not in pillars}
        if uncovered:
            errors["pillars"] = [
                _("The MOU has commitments for these pillars, so it must keep covering them: %(pillars)s.")
                % {"pillars": _names(uncovered)}
            ]
        codes = [area.code for area in reach]
        stranded = [
            village
            for village in Realisation.objects.filter(commitment__mou=mou)
            .values_list("village_id", flat=True)
            .distinct()
            if not area_code_within(village, codes)
        ]
        if stranded:
            names = Area.objects.filter(code__in=stranded).values_list("name", flat=True)
            errors["reach"] = [
                _("Realisations are recorded in villages outside this reach: %(names)s.")
                % {"names": _names(names)}
            ]
    try:
        mou.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    document = mou.document
    if document and not document._committed:
        mou.document_name = PurePath(document.name).name[:255]
    elif not document:
        mou.document_name = ""
    replaced = mou_stored_document(mou)
    mou.save()
    mou.parties.set(parties)
    mou.reach.set(reach)
    if replaced != (mou.document.name or ""):
        delete_file_on_commit(mou.document.storage, replaced)
    return mou


def mou_stored_document(mou) -> str:
    """The name of the document the database holds for ``mou`` now ("" for
    none or a new MOU): the file to delete when a save replaces it."""
    if not mou.pk:
        return ""
    return MOU.objects.filter(pk=mou.pk).values_list("document", flat=True).first() or ""


def delete_file_on_commit(storage, name):
    """A replaced or removed document is deleted from the storage once the
    change is committed (a rolled-back save keeps it): no orphan files."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def mou_delete(*, mou: MOU) -> None:
    name = mou_stored_document(mou)
    storage = mou.document.storage
    mou.delete()
    delete_file_on_commit(storage, name)


@transaction.atomic
def commitment_save(*, commitment: Commitment) -> Commitment:
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def realisation_save(*, realisation: Realisation, user=None) -> Realisation:
    """Record or change whether a commitment is realised in a village. The
    village must lie within the MOU's reach (Realisation.clean)."""
    realisation.updated_by = user
    realisation.full_clean()
    realisation.save()
    return realisation


@transaction.atomic
def programme_save(
    *, programme: Programme, villages: list[Village], partners: list[Agency] | None = None
) -> Programme:
    errors = {}
    if programme.pk and programme.start_date:
        years = set(programme.budget_lines.values_list("fiscal_year", flat=True))
        if years and min(years) < programme.start_date.year:
            errors["start_date"] = [
                _("The programme has a budget for %(year)s: it cannot start later than that year.")
                % {"year": min(years)}
            ]
        if years and programme.end_date and max(years) > programme.end_date.year:
            errors["end_date"] = [
                _("The programme has a budget for %(year)s: it cannot end before that year.")
                % {"year": max(years)}
            ]
    if partners and programme.agency_id in {p.pk for p in partners}:
        errors["partners"] = [_("The agency that runs the programme is not its own partner.")]
    try:
        programme.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    programme.save()
    programme.villages.set(villages)
    programme.partners.set(partners or [])
    return programme


@transaction.atomic
def budget_line_save(*, budget_line: BudgetLine) -> BudgetLine:
    """Amounts are never negative and the fiscal year lies within the programme
    (BudgetLine.clean). A realised amount above the plan is allowed: the form
    asks the user to confirm it."""
    budget_line.full_clean()
    budget_line.save()
    return budget_line
