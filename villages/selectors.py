import datetime
import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Lower

from desmigratif.access import scope_filter
from villages.countries import country_name
from villages.models import Area, AreaLevel, Member, PartnerInstitution, Village


def village_list(*, user):
    return Village.objects.in_scope(user).with_area_path().order_by("area__name", "area_id")


def village_detail_queryset():
    return Village.objects.with_area_path().prefetch_related(
        Prefetch("partners", queryset=PartnerInstitution.objects.order_by("kind", "name"))
    )


def enrolled_area_choices(*, user, level, within=None):
    """Areas of one level that have enrolled villages in the user's scope, as
    (code, name) pairs for filter drop-downs: one query, whatever the number
    of villages."""
    width = {AreaLevel.PROVINCE: 2, AreaLevel.REGENCY: 5, AreaLevel.DISTRICT: 8}[level]
    codes = {
        code[:width]
        for code in scope_filter(Village.objects, user, "area__code").values_list("area_id", flat=True)
    }
    if within:
        codes = {code for code in codes if code.startswith(f"{within}.")}
    areas = Area.objects.filter(code__in=codes).order_by("name")
    return [(area.code, area.name) for area in areas]


def cohort_choices(*, user):
    years = (
        Village.objects.in_scope(user)
        .order_by("cohort_year")
        .values_list("cohort_year", flat=True)
        .distinct()
    )
    return [(year, str(year)) for year in years]


def id_number_query(q):
    """The digits of a search that is a number ("3524 0712 0590 0001"), or "" for a name."""
    digits = re.sub(r"[\s.\-]", "", q or "")
    return digits if digits.isdigit() else ""


def household_list(*, village, q="", status="", country="", sector="", channel="", full_ids=False):
    """The village's households, filtered; members prefetched for the page.

    A complete 16-digit NIK or No. KK finds its household for everyone (the
    caller logs and throttles it for those who see numbers masked). Part of a
    number is searched only for ``full_ids`` users: for the others it finds
    nothing, or the last four digits could be guessed one search at a time."""
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
            households = households.filter(
                Q(no_kk__contains=digits)
                | Exists(Member.objects.filter(household=OuterRef("pk"), nik__contains=digits))
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
    return households.order_by("-updated_at", "pk").prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("id"))
    )


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
        return value.strftime("%d/%m/%Y")
    return value


def member_history(*, member):
    """The member's changes, newest first: who, when, why, and what changed."""
    records = list(member.history.select_related("history_user").order_by("-history_date", "-history_id"))
    entries = []
    # Each record against the one before it (the oldest against nothing).
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                field = Member._meta.get_field(change.field)
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
