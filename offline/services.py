"""Entries a village officer made on a phone without a connection, applied
when the phone is online again (the sync endpoint, offline.views).

Each entry goes through the same forms and services as the web pages
(villages.forms, villages.services): the same rules, the same messages, the
same history (with the officer's name and the reason "offline entry"). Each
is applied in its own transaction and answered on its own:

- accepted: written; the answer is stored under the id the device made
  (OfflineEntry), so the entry sent again gets the same answer and writes
  nothing (a retry after a lost answer, an interrupted sync);
- rejected: nothing written; the errors per field, in the user's language;
- conflict: the record was saved on the server after the device last saw it
  (``base_version``); nothing written, the server's record is in the answer
  so the officer can compare and choose.

Only the fields the forms have are read from an entry; anything else a
device sends (a village, a role, a version, history) is never looked at.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from desmigratif.concurrency import EditConflict
from offline.models import OfflineEntry
from villages.forms import DepartureForm, HouseholdForm, MemberForm, MemberFormSet, ReturnForm
from villages.identity import kk_serial_warning, mask_id_number, nik_district_code, nik_district_warning
from villages.models import Area, Household, Member
from villages.services import household_save, member_mark_departed, member_mark_returned

CHANGE_REASON = "offline entry"
MAX_ENTRIES = 200
# More people than any family card holds: a bigger list is a device fault.
MAX_MEMBERS = 50

ACCEPTED, REJECTED, CONFLICT = "accepted", "rejected", "conflict"
Kind = OfflineEntry.Kind

HOUSEHOLD_FIELDS = tuple(HouseholdForm.Meta.fields)
MEMBER_FIELDS = tuple(MemberForm.Meta.fields)
STATUS_CHANGES = {
    Kind.DEPARTURE: (DepartureForm, member_mark_departed),
    Kind.RETURN: (ReturnForm, member_mark_returned),
}


class BadBatch(Exception):
    """The request is not a batch of entries as the device sends them (a
    device fault, not the officer's): the whole request is refused."""


@dataclass
class Entry:
    client_id: uuid.UUID
    kind: str
    fields: dict
    members: list = field(default_factory=list)
    household: int | None = None
    member: int | None = None
    base_version: int | None = None


# Reading a batch -----------------------------------------------------------------------


def _scalar(value, where):
    if isinstance(value, dict | list):
        raise BadBatch(_("%(where)s: a field holds a list or an object, not a value.") % {"where": where})
    if isinstance(value, str) and "\x00" in value:
        raise BadBatch(
            _("%(where)s: a field contains a character that is not allowed (NUL).") % {"where": where}
        )
    return "" if value is None else value


def _whole_number(value, name, where):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadBatch(
            _("%(where)s: “%(name)s” must be a whole number above zero.") % {"where": where, "name": name}
        )
    return value


def _picked(data, names, where):
    """Only the fields the form has; everything else the device sent is left out here."""
    return {name: _scalar(data[name], where) for name in names if name in data}


def read_batch(payload) -> list[Entry]:
    """The entries of a request body (already parsed JSON), or BadBatch."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list):
        raise BadBatch(_("The request must be a JSON object with a list “entries”."))
    raw_entries = payload["entries"]
    if len(raw_entries) > MAX_ENTRIES:
        raise BadBatch(
            _("At most %(max)s entries can be sent at a time; this request has %(count)s.")
            % {"max": MAX_ENTRIES, "count": len(raw_entries)}
        )
    entries = []
    for number, raw in enumerate(raw_entries, start=1):
        where = _("Entry %(number)s") % {"number": number}
        if not isinstance(raw, dict):
            raise BadBatch(_("%(where)s is not a JSON object.") % {"where": where})
        try:
            client_id = uuid.UUID(str(raw.get("client_id", "")))
        except ValueError:
            raise BadBatch(_("%(where)s has no valid “client_id” (a UUID).") % {"where": where}) from None
        kind = raw.get("kind")
        if kind not in Kind.values:
            raise BadBatch(
                _("%(where)s: unknown “kind”; it is one of %(kinds)s.")
                % {"where": where, "kinds": ", ".join(Kind.values)}
            )
        base_version = _whole_number(raw.get("base_version"), "base_version", where)
        if kind == Kind.HOUSEHOLD:
            members = raw.get("members", [])
            if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
                raise BadBatch(_("%(where)s: “members” must be a list of objects.") % {"where": where})
            if len(members) > MAX_MEMBERS:
                raise BadBatch(
                    _("%(where)s: at most %(max)s members in a household.")
                    % {"where": where, "max": MAX_MEMBERS}
                )
            picked_members = []
            for member in members:
                picked = _picked(member, MEMBER_FIELDS, where)
                member_id = _whole_number(member.get("id"), "id", where)
                if member_id is not None:
                    if any(other.get("id") == member_id for other in picked_members):
                        raise BadBatch(_("%(where)s names one member twice.") % {"where": where})
                    picked["id"] = member_id
                picked_members.append(picked)
            entries.append(
                Entry(
                    client_id=client_id,
                    kind=kind,
                    fields=_picked(raw, HOUSEHOLD_FIELDS, where),
                    members=picked_members,
                    household=_whole_number(raw.get("household"), "household", where),
                    base_version=base_version,
                )
            )
        else:
            form_class = STATUS_CHANGES[kind][0]
            member_id = _whole_number(raw.get("member"), "member", where)
            if member_id is None:
                raise BadBatch(_("%(where)s: “member” (the member's id) is missing.") % {"where": where})
            entries.append(
                Entry(
                    client_id=client_id,
                    kind=kind,
                    fields=_picked(raw, tuple(form_class.base_fields), where),
                    member=member_id,
                    base_version=base_version,
                )
            )
    return entries


# Answers -------------------------------------------------------------------------------


def _error(message, code):
    return [{"message": str(message), "code": code}]


def _member_error(message):
    return {"id": _error(message, "not_found")}


def _rejected(entry, errors):
    return {"client_id": str(entry.client_id), "status": REJECTED, "errors": errors}


def _missing_version(entry):
    message = _("The version of the household this device saw is missing.")
    return _rejected(entry, {"base_version": _error(message, "required")})


def _conflict(entry, household, *, full_ids):
    return {
        "client_id": str(entry.client_id),
        "status": CONFLICT,
        "message": _(
            "This household was changed on the server after this device last saw it, so nothing has "
            "been saved. Compare the two versions: keep the server's, or send yours again to replace it."
        ),
        "record": household_record(household, full_ids=full_ids),
    }


def _accepted(entry, url, record_id, version):
    return {
        "client_id": str(entry.client_id),
        "status": ACCEPTED,
        "url": url,
        "id": record_id,
        "version": version,
    }


def _date(value):
    return value.isoformat() if isinstance(value, datetime.date) else None


def household_record(household, *, full_ids):
    """The household as the server has it now, with every member and the
    fields the offline forms have: what a device shows next to its own
    version in a conflict."""

    def number(value):
        return value if full_ids else mask_id_number(value)

    return {
        "id": household.pk,
        "version": household.version,
        "no_kk": number(household.no_kk),
        **{name: getattr(household, name) for name in ("dusun", "rt", "rw", "address")},
        "members": [
            {
                "id": member.pk,
                "nik": number(member.nik),
                "name": member.name,
                "sex": member.sex,
                "birth_date": _date(member.birth_date),
                "relation": member.relation,
                "migration_status": member.migration_status,
                "destination_country": member.destination_country,
                "sector": member.sector,
                "channel": member.channel,
                "placement_agency": member.placement_agency,
                "departure_date": _date(member.departure_date),
                "return_date": _date(member.return_date),
            }
            for member in household.members.order_by("id")
        ],
    }


def _errors_of(form, member_forms=(), non_form_errors=None):
    """Django's own JSON form of form errors: {field: [{message, code}]},
    "__all__" for errors of the whole entry, and "members": one object per
    member of the entry, in the order the device sent them."""
    errors = form.errors.get_json_data()
    if non_form_errors:
        errors.setdefault("__all__", []).extend(non_form_errors.get_json_data())
    member_errors = [member_form.errors.get_json_data() for member_form in member_forms]
    if any(member_errors):
        errors["members"] = member_errors
    return errors


def _add_save_error(error, forms):
    """A rule checked at save time (a NIK registered a moment ago, a second
    head among the members already saved): next to the field when its record
    is known, else for the whole entry."""
    target = getattr(error, "instance", None)
    for form in forms:
        if target is not None and form.instance is target and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
            return
    forms[0].add_error(None, ValidationError(error.messages, code=getattr(error, "code", None)))


# Applying ------------------------------------------------------------------------------


class _NotAccepted(Exception):
    """Leaves the entry's transaction, so nothing of the entry stays."""

    def __init__(self, answer):
        super().__init__(answer["status"])
        self.answer = answer


def _form_value(bound_field):
    value = bound_field.value()
    return "" if value is None else value


def _household_data(entry, household, existing, full_ids):
    """Form data as the web page would post it: the entry's values, and for a
    field the entry leaves out the value the record has (the form shows it
    and sends it back unchanged). As on the page, every member of the
    household is in it, so the form's rules (one head, a NIK once) see the
    whole household: the members the entry names, then those it does not
    (unchanged), as the formset's initial forms, then the new ones.

    Returns the data and, for each member form, its index in the entry's
    member list (None for a member the entry does not name)."""
    shown = HouseholdForm(instance=household, full_ids=full_ids)
    data = {name: entry.fields.get(name, _form_value(shown[name])) for name in HOUSEHOLD_FIELDS}
    named = [i for i, member in enumerate(entry.members) if "id" in member]
    named_ids = {entry.members[i]["id"] for i in named}
    rows = [(i, entry.members[i]) for i in named]
    rows += [(None, {"id": pk}) for pk in existing if pk not in named_ids]
    initial_count = len(rows)
    rows += [(i, member) for i, member in enumerate(entry.members) if "id" not in member]
    prefix = "members"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(initial_count),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for index, (_position, member) in enumerate(rows):
        instance = existing.get(member.get("id"))
        shown = MemberForm(instance=instance, full_ids=full_ids) if instance is not None else None
        if "id" in member:
            data[f"{prefix}-{index}-id"] = str(member["id"])
        for name in MEMBER_FIELDS:
            value = member.get(name, _form_value(shown[name]) if shown is not None else "")
            data[f"{prefix}-{index}-{name}"] = value
    return data, [position for position, _member in rows]


def _apply_household(*, user, village, entry, full_ids, batch):
    if entry.household is None:
        household = Household(village=village)
        existing = {}
    else:
        # An edit: only a household of this village, and only over the version the device saw.
        household = village.households.filter(pk=entry.household).first()
        if household is None:
            return _rejected(
                entry,
                {"household": _error(_("This household is not in your village's register."), "not_found")},
            )
        if entry.base_version is None:
            return _missing_version(entry)
        sent_version = entry.base_version
        entry.base_version = batch.seen_version(household.pk, sent_version)
        if entry.base_version != household.version:
            return _conflict(entry, household, full_ids=full_ids)
        existing = {member.pk: member for member in household.members.all()}
    strangers = [
        i for i, member in enumerate(entry.members) if "id" in member and member["id"] not in existing
    ]
    if strangers:
        message = _("This person is not a member of this household.")
        return _rejected(
            entry,
            {
                "members": [
                    _member_error(message) if i in strangers else {} for i in range(len(entry.members))
                ]
            },
        )
    data, positions = _household_data(entry, household, existing, full_ids)
    form = HouseholdForm(data, instance=household, full_ids=full_ids)
    members = MemberFormSet(data, instance=household, prefix="members", form_kwargs={"full_ids": full_ids})
    # In the device's order of members, for the errors it shows next to each.
    member_forms = [None] * len(entry.members)
    for member_form, position in zip(members.forms, positions, strict=True):
        if position is not None:
            member_forms[position] = member_form
    if not (form.is_valid() & members.is_valid()):
        errors = _errors_of(form, member_forms, members.non_form_errors())
        for member_form, position in zip(members.forms, positions, strict=True):
            # A member the device did not send: its errors are about the whole entry.
            if position is None and member_form.errors:
                for messages in member_form.errors.values():
                    errors.setdefault("__all__", []).extend(
                        {"message": f"{member_form.instance.name}: {message}", "code": "member"}
                        for message in messages
                    )
        return _rejected(entry, errors)
    try:
        saved = household_save(
            household=form.instance,
            members=[f.instance for f in members.forms if f.has_changed()],
            user=user,
            version=entry.base_version if entry.household is not None else None,
            change_reason=CHANGE_REASON,
        )
    except EditConflict:
        return _conflict(entry, village.households.get(pk=household.pk), full_ids=full_ids)
    except ValidationError as error:
        _add_save_error(error, [form, *members.forms])
        return _rejected(entry, _errors_of(form, member_forms))
    url = reverse("villages:household", kwargs={"code": village.code, "pk": saved.pk})
    answer = {**_accepted(entry, url, saved.pk, saved.version), "warnings": _warnings(saved, full_ids)}
    if entry.household is not None:
        batch.accepted(saved.pk, sent_version, saved.version)
        answer.update(household=saved.pk, base_version=sent_version)
    return answer


def _warnings(household, full_ids):
    """What the household page says after a save without refusing it (a
    NIK's old district, a No. KK ending in 0000), for the officer to check."""
    members = sorted(household.members.all(), key=lambda member: member.nik)
    districts = {nik_district_code(member.nik) for member in members}
    known = set(Area.objects.filter(code__in=districts).values_list("code", flat=True))
    warnings = []
    for member in members:
        if warning := nik_district_warning(member.nik, known):
            number = member.nik if full_ids else mask_id_number(member.nik)
            warnings.append(f"{member.name} ({number}): {warning}")
    if warning := kk_serial_warning(household.no_kk):
        warnings.append(str(warning))
    return warnings


def _apply_status_change(*, user, village, entry, full_ids, batch):
    form_class, service = STATUS_CHANGES[entry.kind]
    member = (
        Member.objects.filter(household__village=village, pk=entry.member).select_related("household").first()
    )
    if member is None:
        return _rejected(
            entry, {"member": _error(_("This person is not in your village's register."), "not_found")}
        )
    if entry.base_version is None:
        return _missing_version(entry)
    sent_version = entry.base_version
    entry.base_version = batch.seen_version(member.household_id, sent_version)
    if entry.base_version != member.household.version:
        return _conflict(entry, member.household, full_ids=full_ids)
    # A field the entry leaves out keeps what the form would show (the recorded value).
    shown = form_class(member=member)
    data = {name: entry.fields.get(name, _form_value(shown[name])) for name in form_class.base_fields}
    form = form_class(data, member=member)
    if not form.is_valid():
        return _rejected(entry, _errors_of(form))
    try:
        service(
            member=member,
            user=user,
            version=entry.base_version,
            change_reason=CHANGE_REASON,
            **form.cleaned_data,
        )
    except EditConflict:
        return _conflict(entry, Household.objects.get(pk=member.household_id), full_ids=full_ids)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return _rejected(entry, _errors_of(form))
    batch.accepted(member.household_id, sent_version, entry.base_version + 1)
    url = reverse("villages:member", kwargs={"code": village.code, "pk": member.pk})
    return {
        **_accepted(entry, url, member.pk, entry.base_version + 1),
        "household": member.household_id,
        "base_version": sent_version,
    }


class BatchVersions:
    """The households this batch has changed: from which version the device
    saw to which version its accepted entries left them. A later entry of the
    same batch about the same household was made on the device over the
    version the device saw, before the earlier entry was sent: the change
    since is the device's own, not someone else's, so it is no conflict (two
    departures from one household, recorded offline and sent together)."""

    def __init__(self):
        self.moved = {}  # household id -> (the version the device saw, the version now)

    def seen_version(self, household_id, base_version):
        seen, now = self.moved.get(household_id, (None, None))
        return now if base_version == seen else base_version

    def accepted(self, household_id, base_version, new_version):
        seen, now = self.moved.get(household_id, (base_version, None))
        self.moved[household_id] = (seen, new_version)

    def replayed(self, answer):
        """An entry accepted before (its answer sent again): the entries after
        it in the batch were made after it, over the same version."""
        if answer.get("household") and answer.get("base_version"):
            self.accepted(answer["household"], answer["base_version"], answer["version"])


def entry_apply(*, user, village, entry, full_ids, batch=None) -> dict:
    """Apply one entry in its own transaction and return its answer; an
    entry accepted before gets its stored answer and changes nothing."""
    batch = batch or BatchVersions()
    done = OfflineEntry.objects.filter(user=user, client_id=entry.client_id).first()
    if done is not None:
        batch.replayed(done.answer)
        return done.answer
    apply = _apply_household if entry.kind == Kind.HOUSEHOLD else _apply_status_change
    try:
        with transaction.atomic():
            # Claimed first: the same entry in a second sync running at the
            # same moment waits here (PostgreSQL) and then finds this answer.
            record = OfflineEntry.objects.create(
                user=user, client_id=entry.client_id, village=village, kind=entry.kind
            )
            answer = apply(user=user, village=village, entry=entry, full_ids=full_ids, batch=batch)
            if answer["status"] != ACCEPTED:
                raise _NotAccepted(answer)
            record.answer = answer
            if entry.kind == Kind.HOUSEHOLD:
                record.household_id = answer["id"]
            else:
                record.member_id = answer["id"]
            record.save(update_fields=["answer", "household", "member"])
    except _NotAccepted as refused:
        return refused.answer
    except IntegrityError:
        done = OfflineEntry.objects.filter(user=user, client_id=entry.client_id).first()
        if done is None:
            raise
        return done.answer
    return answer


def batch_apply(*, user, village, entries, full_ids) -> list[dict]:
    """The answers to a batch, one per entry, in order. Each entry is its own
    transaction: if the request dies halfway, the entries before it stay
    accepted and the device sends the rest (and those again) next time."""
    batch = BatchVersions()
    return [
        entry_apply(user=user, village=village, entry=entry, full_ids=full_ids, batch=batch)
        for entry in entries
    ]


def offline_data(*, village, full_ids) -> dict:
    """What a device needs to record departures and returns offline: the
    village's households (id, No. KK, version) and their members (id, name,
    NIK, status). NIK and No. KK masked unless ``full_ids``. Two queries
    whatever the number of households."""
    number = (lambda value: value) if full_ids else mask_id_number
    households = {}
    for pk, no_kk, version in village.households.order_by("pk").values_list("pk", "no_kk", "version"):
        households[pk] = {"id": pk, "no_kk": number(no_kk), "version": version, "members": []}
    members = (
        Member.objects.filter(household__village=village)
        .order_by("household_id", "id")
        .values_list("pk", "household_id", "name", "nik", "migration_status")
    )
    for pk, household_id, name, nik, status in members:
        households[household_id]["members"].append(
            {"id": pk, "name": name, "nik": number(nik), "status": status}
        )
    return {
        "village": {"code": village.code, "name": village.area.name},
        "full_ids": full_ids,
        "households": list(households.values()),
    }
