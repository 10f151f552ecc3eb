import csv
import datetime
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from desmigratif.concurrency import claim_version
from villages.models import NIK_TAKEN_MESSAGE, Area, AreaLevel, Household, IdNumberAccess, Member, Village

AREA_FILES = (
    # file, level, parent column, code pattern
    ("provinces.csv", AreaLevel.PROVINCE, None, r"\d{2}"),
    ("regencies.csv", AreaLevel.REGENCY, "province_code", r"\d{2}\.\d{2}"),
    ("districts.csv", AreaLevel.DISTRICT, "regency_code", r"\d{2}\.\d{2}\.\d{2}"),
    ("villages.csv", AreaLevel.VILLAGE, "district_code", r"\d{2}\.\d{2}\.\d{2}\.\d{4}"),
)
DEFAULT_AREA_FOLDER = settings.BASE_DIR / "fixtures" / "wilayah"
BATCH_SIZE = 2000


@dataclass
class AreaLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_files: int = 0


def _read_area_file(path, level, parent_column, pattern):
    code_re = re.compile(pattern)
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            parent = (row.get(parent_column) or "").strip() if parent_column else None
            if not code_re.fullmatch(code) or not name:
                raise ValidationError(
                    _("%(file)s line %(line)s: bad code or empty name (%(code)r).")
                    % {"file": path.name, "line": line_no, "code": code}
                )
            if parent_column and code.rpartition(".")[0] != parent:
                raise ValidationError(
                    _("%(file)s line %(line)s: code %(code)s is not under %(parent)s.")
                    % {"file": path.name, "line": line_no, "code": code, "parent": parent}
                )
            rows.append((code, name, level, parent))
    return rows


@transaction.atomic
def areas_load(*, folder: Path = DEFAULT_AREA_FOLDER) -> AreaLoadResult:
    """Load the official area files; a second run with the same files changes
    nothing, a renamed area is updated. Areas missing from the files are kept
    (users and villages may point at them) and counted."""
    folder = Path(folder)
    wanted = []
    for filename, level, parent_column, pattern in AREA_FILES:
        wanted.extend(_read_area_file(folder / filename, level, parent_column, pattern))

    known_codes = {row[0] for row in wanted}
    if len(known_codes) != len(wanted):
        counts = Counter(row[0] for row in wanted)
        repeated = sorted(code for code, n in counts.items() if n > 1)
        raise ValidationError(
            _("These codes appear more than once in the files: %(codes)s")
            % {"codes": ", ".join(repeated[:10])}
        )
    missing_parents = sorted({row[3] for row in wanted if row[3] and row[3] not in known_codes})
    if missing_parents:
        raise ValidationError(
            _("These parent codes are not in the files: %(codes)s")
            % {"codes": ", ".join(missing_parents[:10])}
        )

    existing = {
        code: (name, parent_id)
        for code, name, parent_id in Area.objects.values_list("code", "name", "parent_id")
    }
    result = AreaLoadResult()
    to_create, to_update = [], []
    for code, name, level, parent in wanted:
        area = Area(code=code, name=name, level=level, parent_id=parent)
        if code not in existing:
            to_create.append(area)
        elif existing[code] != (name, parent):
            to_update.append(area)
        else:
            result.unchanged += 1
    # Parents come first in `wanted`, so every batch's parents already exist.
    Area.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Area.objects.bulk_update(to_update, ["name", "parent"], batch_size=BATCH_SIZE)
    result.created = len(to_create)
    result.updated = len(to_update)
    result.not_in_files = len(existing.keys() - known_codes)
    return result


def area_counts():
    counts = dict.fromkeys(AreaLevel.values, 0)
    for row in Area.objects.values("level").order_by().annotate(n=Count("code")):
        counts[row["level"]] = row["n"]
    return counts


@transaction.atomic
def village_enrol(*, area: Area, cohort_year: int, **profile) -> Village:
    if area.level != AreaLevel.VILLAGE:
        raise ValidationError({"area": _("Only a village (desa/kelurahan) can be enrolled.")})
    village = Village(area=area, cohort_year=cohort_year, **profile)
    village.full_clean()
    village.save(force_insert=True)
    return village


@transaction.atomic
def village_save_profile(
    *, village: Village, fields: dict, partners=(), removed_partners=(), version: int | None = None
):
    """Save a village's profile and its partner institutions together: all or nothing.

    ``version``: the one the form showed; if the profile was saved since, nothing is
    written (desmigratif.concurrency.EditConflict)."""
    village.version = claim_version(Village, village.pk, version)
    for name, value in fields.items():
        setattr(village, name, value)
    village.full_clean()
    village.save()
    for partner in removed_partners:
        if partner.village_id == village.pk:
            partner.delete()
    for partner in partners:
        partner.village = village
        partner.full_clean()
        partner.save()
    return village


def _check_household_members(household):
    heads = household.members.filter(relation=Member.Relation.HEAD).count()
    if not household.members.exists():
        raise ValidationError(_("A household needs at least one member."), code="no_members")
    if heads > 1:
        raise ValidationError(_("A household has one head of the family only."), code="two_heads")


def _save_unique(obj, field, message):
    """Save ``obj``; a unique ``field`` that another transaction took a moment
    ago (after full_clean looked) is the same form error as full_clean's, not a
    500. The savepoint keeps the outer transaction usable on PostgreSQL."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        value = getattr(obj, field)
        if type(obj)._base_manager.filter(**{field: value}).exclude(pk=obj.pk).exists():
            error = ValidationError({field: [ValidationError(message, code="unique")]})
            error.instance = obj
            raise error from None
        raise


@transaction.atomic
def household_save(
    *,
    household: Household,
    members=(),
    removed_members=(),
    user=None,
    version: int | None = None,
    change_reason: str | None = None,
) -> Household:
    """Create or change a household with its members: all of it or nothing.

    `members` are unsaved or changed Member objects of this household,
    `removed_members` the ones to delete. `version`: the household's version the
    form showed; if the household or one of its members was saved since, nothing
    is written (desmigratif.concurrency.EditConflict). `change_reason` goes into
    each history entry (e.g. "offline entry")."""
    if household.pk is not None:
        household.version = claim_version(Household, household.pk, version)
    household.full_clean()
    if user is not None:
        household._history_user = user
    if change_reason:
        household._change_reason = change_reason
    _save_unique(household, "no_kk", _("This family card number is already registered."))
    for member in removed_members:
        if member.pk and member.household_id == household.pk:
            if user is not None:
                member._history_user = user
            if change_reason:
                member._change_reason = change_reason
            member.delete()
    for member in members:
        member.household = household
        member.full_clean()
        if user is not None:
            member._history_user = user
        if change_reason:
            member._change_reason = change_reason
        _save_unique(member, "nik", NIK_TAKEN_MESSAGE)
    _check_household_members(household)
    return household


@transaction.atomic
def member_mark_departed(
    *,
    member: Member,
    departure_date,
    sector="",
    channel: str | None = None,
    placement_agency: str | None = None,
    user=None,
    version: int | None = None,
    change_reason: str = "departed",
) -> Member:
    """CPMI -> PMI: the worker has left. The earlier values stay in the history.
    ``channel`` and ``placement_agency``: None keeps the recorded value, ""
    clears it (the departure form shows the recorded ones, so a blank there
    was cleared on purpose). ``version``: the household's version the form
    showed (EditConflict if older)."""
    claim_version(Household, member.household_id, version)
    if member.migration_status != Member.Status.CPMI:
        raise ValidationError(_("Only a CPMI can be marked as departed."), code="not_cpmi")
    member.migration_status = Member.Status.PMI
    member.departure_date = departure_date
    member.sector = sector or member.sector
    if channel is not None:
        member.channel = channel
    if placement_agency is not None:
        member.placement_agency = placement_agency
    member.full_clean()
    member._change_reason = change_reason
    if user is not None:
        member._history_user = user
    member.save()
    return member


@transaction.atomic
def member_mark_returned(
    *,
    member: Member,
    return_date,
    business_status="",
    training_wishes="",
    user=None,
    version: int | None = None,
    change_reason: str = "returned",
) -> Member:
    """PMI -> PMI purna: the worker has come home. ``version`` as for member_mark_departed."""
    claim_version(Household, member.household_id, version)
    if member.migration_status != Member.Status.PMI:
        raise ValidationError(_("Only a PMI working abroad can be marked as returned."), code="not_pmi")
    member.migration_status = Member.Status.RETURNEE
    member.return_date = return_date
    member.business_status = business_status
    member.training_wishes = training_wishes
    member.full_clean()
    member._change_reason = change_reason
    if user is not None:
        member._history_user = user
    member.save()
    return member


def id_number_access_log(*, user, reason, village=None, member=None, count=1):
    IdNumberAccess.objects.create(user=user, reason=reason, village=village, member=member, count=count)


class LookupThrottled(Exception):
    """Too many searches by a full number in the last hour; ``minutes`` until the next is allowed."""

    def __init__(self, minutes):
        super().__init__(minutes)
        self.minutes = minutes


LOOKUP_WINDOW = datetime.timedelta(hours=1)


@transaction.atomic
def id_number_search_log(*, user, village):
    """Record a search by a full NIK or No. KK by someone who sees numbers
    masked, or raise LookupThrottled when they already made
    NIK_LOOKUP_PER_HOUR of them in the last hour (then nothing is recorded and
    the search must not run). The count comes from the log table, so the limit
    holds across processes and servers."""
    # Locking the user's row makes concurrent searches of one user count one
    # after the other (PostgreSQL; SQLite writes one at a time anyway).
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    since = timezone.now() - LOOKUP_WINDOW
    recent = IdNumberAccess.objects.filter(user=user, reason=IdNumberAccess.Reason.SEARCH, at__gt=since)
    limit = settings.NIK_LOOKUP_PER_HOUR
    if recent.count() >= limit:
        # Allowed again when the oldest search still counted leaves the window.
        times = list(recent.order_by("-at").values_list("at", flat=True)[:limit])
        wait = times[-1] + LOOKUP_WINDOW - timezone.now()
        raise LookupThrottled(max(1, math.ceil(wait.total_seconds() / 60)))
    IdNumberAccess.objects.create(user=user, reason=IdNumberAccess.Reason.SEARCH, village=village, count=1)
