import datetime
import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Left, Lower
from django.utils.formats import date_format

from desmigratif.access import scope_filter
from villages import matching
from villages.countries import country_name
from villages.models import Area, Household, Member, PartnerInstitution, Village


def village_list(*, user):
    return Village.objects.in_scope(user).with_area_path().order_by("area__name", "area_id")


def village_detail_queryset():
    return Village.objects.with_area_path().prefetch_related(
        Prefetch("partners", queryset=PartnerInstitution.objects.order_by("kind", "name"))
    )


def village_filter_choices(*, user, within=None):
    """The choices of the village filters (villages.filters.VillageFilter):
    provinces and regencies (those in province ``within`` only, when given)
    with enrolled villages in the user's scope as (code, name) pairs, and the
    cohort years as (year, "year") pairs. Two queries: the distinct regencies
    and years of the villages, then the areas' names."""
    rows = (
        scope_filter(Village.objects, user, "area__code")
        .annotate(regency=Left("area_id", 5))
        .order_by()
        .values_list("regency", "cohort_year")
        .distinct()
    )
    regencies, years = set(), set()
    for regency, year in rows:
        regencies.add(regency)
        years.add(year)
    provinces = {code[:2] for code in regencies}
    if within:
        regencies = {code for code in regencies if code.startswith(f"{within}.")}
    names = Area.objects.filter(code__in=provinces | regencies).order_by("name").values_list("code", "name")
    province_choices, regency_choices = [], []
    for code, name in names:
        (province_choices if code in provinces else regency_choices).append((code, name))
    return province_choices, regency_choices, [(year, str(year)) for year in sorted(years)]


def id_number_query(q):
    """The digits of a search that is a number ("3524 0712 0590 0001"), or "" for a name."""
    digits = re.sub(r"[\s.\-]", "", q or "")
    return digits if digits.isdigit() else ""


# Officers find a person by the last six digits of the NIK on the card. Six
# digits anywhere in a number would also match the first six, the district
# code every NIK of the village starts with, or the date of birth in the
# middle of another NIK: these are matched at the end only.
NUMBER_END_DIGITS = 6


def household_list(*, village, q="", status="", country="", sector="", channel="", full_ids=False):
    """The village's households, filtered (their members: see the view).

    A complete 16-digit NIK or No. KK finds its household for everyone (the
    caller logs and throttles it for those who see numbers masked). Part of a
    number is searched only for ``full_ids`` users: for the others it finds
    nothing, or the last four digits could be guessed one search at a time.
    Six digits are the end of a number (NUMBER_END_DIGITS)."""
    households = village.households.all()
    member_filters = {}
    if status:
        member_filters["migration_status"] = status
    if country:
        member_filters["destination_country"] = country
    if sector:
        member_filters["sector"] = sector
    if channel:
        member_filters["channel"] = channel
    if member_filters:
        households = households.filter(
            Exists(Member.objects.filter(household=OuterRef("pk"), **member_filters))
        )
    q = " ".join(q.split())
    if q:
        digits = id_number_query(q)
        if len(digits) == 16:
            households = households.filter(
                Q(no_kk=digits) | Exists(Member.objects.filter(household=OuterRef("pk"), nik=digits))
            )
        elif digits and not full_ids:
            households = households.none()
        elif digits:
            lookup = "endswith" if len(digits) == NUMBER_END_DIGITS else "contains"
            households = households.filter(
                Q(**{f"no_kk__{lookup}": digits})
                | Exists(Member.objects.filter(household=OuterRef("pk"), **{f"nik__{lookup}": digits}))
            )
        else:
            # LOWER, not icontains' UPPER: the trigram index on UPPER(name)
            # serves nationwide searches (the admin); in one village the
            # planner should read the village's households, not every
            # "Made" of the country first.
            households = households.filter(
                Exists(
                    Member.objects.annotate(lower_name=Lower("name")).filter(
                        household=OuterRef("pk"), lower_name__contains=q.lower()
                    )
                )
            )
    # The page's members are read by the view (villages.views._household_rows)
    # as plain values: a model instance per member was a tenth of the list's CPU.
    return households.order_by("-updated_at", "pk")


def member_status_counts(*, village):
    counts = dict.fromkeys(Member.Status.values, 0)
    rows = (
        Member.objects.filter(household__village=village).values("migration_status").annotate(n=Count("id"))
    )
    for row in rows.order_by():
        counts[row["migration_status"]] = row["n"]
    return [(status, label, counts[status]) for status, label in Member.Status.choices]


def _readable(field, value):
    if value in (None, ""):
        return ""
    if field.name == "destination_country":
        return country_name(value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return date_format(value)
    return value


readable_value = _readable


def member_history(*, member):
    """The member's changes, newest first: who, when, why, and what changed."""
    return _history_entries(Member, member.history.all())


def merged_record_history(*, merge):
    """The history of the record a merge removed (villages.merging), newest
    first, its removal included: its history rows keep its id."""
    model = Member if merge.kind == "member" else Household
    return _history_entries(model, model.history.filter(id=merge.other_id))


def _history_entries(model, history):
    records = list(history.select_related("history_user").order_by("-history_date", "-history_id"))
    entries = []
    # Each record against the one before it (the oldest against nothing).
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                changes.append((field, _readable(field, change.old), _readable(field, change.new)))
        entries.append({"record": newer, "changes": changes})
    return entries


def possible_duplicates(*, user, limit=200):
    """Members in scope who share a match key (villages.matching: the name
    ignoring case, spacing, punctuation and old spelling, and the date of
    birth) under different NIKs: usually one person entered twice.

    At most ``limit`` groups, in key order. Nationwide the keys are read in
    order from their index and the reading stops at the ``limit``-th shared
    key, so the time follows the number of groups shown, not the members."""
    members = Member.objects.in_scope(user)
    keys = list(
        members.exclude(match_key="")
        .values("match_key")
        .annotate(n=Count("*"))  # not Count("id"): the index alone answers it
        .filter(n__gt=1)
        .order_by("match_key")
        .values_list("match_key", flat=True)[:limit]
    )
    if not keys:
        return []
    matches = (
        members.filter(match_key__in=keys)
        .select_related("household__village__area")
        .order_by("match_key", "id")
    )
    grouped = {}
    for member in matches:
        grouped.setdefault(member.match_key, []).append(member)
    return list(grouped.values())


NEAR_MATCH_ROWS = 1000


def near_duplicates(*, user, born_from=None, rows=NEAR_MATCH_ROWS):
    """Pairs of members in scope born on the same day whose names are similar
    but not the same once reduced (villages.matching.near_match_pairs: "Moh.
    Rizki" and "Muhammad Rizky"); the exact matches are possible_duplicates'.

    Reads at most ``rows`` members, one birth date after the other from
    ``born_from``, in the (birth_date, id) index, and compares names only
    within each date: the cost follows ``rows``, not the members in scope.
    Returns (pairs, next_date): the birth date to go on from, or None when
    the last date was read. A date with more than ``rows`` members is
    compared on its first ``rows`` only."""
    members = Member.objects.in_scope(user)
    if born_from is not None:
        members = members.filter(birth_date__gte=born_from)
    read = list(
        members.select_related("household__village__area").order_by("birth_date", "id")[: rows + 1]
    )
    next_date = None
    if len(read) > rows:
        last = read[rows].birth_date
        kept = [member for member in read[:rows] if member.birth_date != last]
        if kept:
            read, next_date = kept, last
        else:
            read = read[:rows]
            next_date = last + datetime.timedelta(days=1)
    by_date = {}
    for member in read:
        by_date.setdefault(member.birth_date, []).append(member)
    pairs = []
    for group in by_date.values():
        if len(group) < 2:
            continue
        for i, j, score in matching.near_match_pairs([member.name for member in group]):
            one, other = group[i], group[j]
            if one.match_key != other.match_key:
                pairs.append((one, other, round(score)))
    return pairs, next_date
