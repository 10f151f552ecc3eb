"""Household survey exports: the same spreadsheet the import reads.

member_export describes the export for desmigratif.exports, which answers a
small one at once and makes a large one a job. Who sees full NIKs is decided
by desmigratif.access; handing them out is logged (villages.services.
id_number_access_log) by the caller: the view for a small export, the
download of a job's file for a large one."""

from django.db import connections
from django.http import HttpResponse
from django.utils.translation import gettext as _

from desmigratif.access import get_village_for_user, role_of, sees_full_id_numbers, sees_whole_country
from desmigratif.exports import ExportSource, file_response
from desmigratif.models import ExportJob, Role
from surveys.household_format import COLUMNS, SHEET_NAME, member_to_row
from villages.models import IdNumberAccess, Member, Village
from villages.services import id_number_access_log

CHUNK_SIZE = 2000
FORMATS = ("csv", "xlsx")


def _rows(members_queryset, full_ids):
    # member_to_row reads the household (its village's code is the household's
    # column): the village itself is not joined.
    members = members_queryset.select_related("household").iterator(chunk_size=CHUNK_SIZE)
    try:
        for member in members:
            yield member_to_row(member, full_ids=full_ids)
    finally:
        # Closes a server-side cursor at once, also when a row fails.
        members.close()


def export_members_response(
    members_queryset, *, fmt: str, full_ids: bool, filename_stem: str
) -> HttpResponse:
    """A download of the members, one row each, written while the user waits
    (desmigratif.exports.file_response): for small exports only."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    return file_response(
        _rows(members_queryset, full_ids),
        COLUMNS,
        fmt=fmt,
        filename=f"{filename_stem}.{fmt}",
        sheet_title=SHEET_NAME,
    )


def _rows_village_by_village(members, villages, full_ids, order):
    """The same rows and order as one query over the whole scope, read one
    village at a time. Without server-side cursors (DB_PGBOUNCER: PgBouncer in
    transaction pooling) PostgreSQL would send all rows of one query at once,
    a million members into the worker's memory; one village is a few
    thousand."""
    for village_id in villages.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE):
        yield from _rows(members.filter(household__village_id=village_id).order_by(*order), full_ids)


def member_export(user, query) -> ExportSource:
    """The household survey export of the members in the user's scope, or of
    one village (``desa`` in the query; outside the scope: Http404). Sorted
    by village, household and member."""
    code = (query.get("desa") or "").strip()
    members = Member.objects.in_scope(user)
    villages = Village.objects.in_scope(user)
    village = None
    if code:
        village = get_village_for_user(user, code)
        members = members.filter(household__village=village)
        villages = villages.filter(pk=village.pk)
        full_ids = sees_full_id_numbers(user, village.code)
        stem = f"pendataan-rumah-tangga-{village.code}"
        title = _("Household survey of %(village)s") % {"village": village.area.name}
    else:
        full_ids = role_of(user) in (Role.ADMINISTRATOR, Role.VILLAGE_OFFICER)
        stem = "pendataan-rumah-tangga"
        title = _("Household survey of every village you can see")
    # Sorted by the number only for those who see it: for the others even the
    # order of the hidden digits is not given away.
    order = ("household__no_kk" if full_ids else "household_id", "id")

    def rows():
        if connections[members.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
            return _rows_village_by_village(members, villages, full_ids, order)
        return _rows(members.order_by("household__village_id", *order), full_ids)

    def count(limit=None):
        return (members[: limit + 1] if limit is not None else members).count()

    def log_access(count):
        id_number_access_log(user=user, reason=IdNumberAccess.Reason.EXPORT, village=village, count=count)

    return ExportSource(
        kind=ExportJob.Kind.MEMBERS,
        title=title,
        filename_stem=stem,
        sheet_title=SHEET_NAME,
        columns=list(COLUMNS),
        rows=rows,
        count=count,
        nationwide=not code and sees_whole_country(user),
        full_id_numbers=full_ids,
        log_access=log_access,
    )
