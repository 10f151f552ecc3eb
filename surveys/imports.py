"""Survey imports: check a whole file, then write all of it or nothing.

One pipeline per sheet (household survey, village profile, partner
institutions). Each reads rows with desmigratif.spreadsheets.read_rows, parses
them with the same rules as the forms (surveys.household_format and the
models' clean()), checks what only a whole file shows (scope, duplicates
within the file and against the database, a household's address agreeing
across its rows), and classifies every row as created, updated, unchanged
or rejected. Writing happens only when nothing was rejected, in one
transaction, in batches, and through django-simple-history's bulk helpers so
imported changes appear in the same history as form edits. On PostgreSQL,
large numbers of new households and members (and their history rows) go in
with COPY instead (HistoryCopier), storing what those helpers would store.

Lookups are made once per batch of rows, never once per row.
"""

import contextlib
import functools
import gc
import itertools
import operator
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Lookup, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_model_for_model,
)

from desmigratif.access import can_write_village_records, code_in_scope, sees_whole_country
from surveys import household_format as hf
from villages import matching
from villages.identity import kk_serial_warning, nik_district_code
from villages.models import Area, AreaLevel, Household, Member, PartnerInstitution, Village
from villages.signals import send_records_changed

LOOKUP_BATCH = 5000
WRITE_BATCH = 2000
# bulk_update's statement is a CASE over its rows for each field: Django
# takes long to build it and the database evaluates it row by row, so its
# cost grows with the square of the batch (10,000 corrected members took
# 280 s in batches of 2,000). PostgreSQL is given an UPDATE ... FROM VALUES
# instead (_update_from_values); this batch is the other databases'.
UPDATE_BATCH = 200
MAX_REPORTED_WARNINGS = 200
# Problems kept with their reason (the error report lists them): all of
# them are counted, but a file of garbage would otherwise keep a reason for
# each of its millions of cells in memory.
MAX_KEPT_ERRORS = 20_000

SHEET_LABELS = {
    "households": gettext_lazy("Household survey (pendataan-rumah-tangga)"),
    "village-profile": gettext_lazy("Village profile (profil-desa)"),
    "partners": gettext_lazy("Partner institutions (lembaga-mitra)"),
}


@dataclass(slots=True)
class RowError:
    row: int
    column: str | None
    message: str


@dataclass
class ImportReport:
    kind: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unknown_columns: list = field(default_factory=list)
    missing_columns: list = field(default_factory=list)
    written: bool = False
    error_count: int = 0  # every problem; ``errors`` keeps the first MAX_KEPT_ERRORS
    rejected_row_numbers: set = field(default_factory=set)
    # Warnings never block the write. ``warnings`` holds the first
    # MAX_REPORTED_WARNINGS as text (the page, the command), ``row_warnings``
    # the first MAX_KEPT_ERRORS by row (the error report); both are counted.
    warning_count: int = 0
    row_warnings: list = field(default_factory=list)
    # What was read: the sheet, the header's row, the CSV's encoding (SheetRows.read_from).
    read_from: dict = field(default_factory=dict)

    @property
    def rejected_rows(self):
        return sorted(self.rejected_row_numbers)

    @property
    def rejected(self):
        return len(self.rejected_row_numbers)

    @property
    def ok(self):
        return not self.error_count and not self.missing_columns

    def reject(self, row, column, message):
        self.error_count += 1
        self.rejected_row_numbers.add(row)
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(RowError(row, column, str(message)))

    def warn(self, row, column, message):
        self.warning_count += 1
        if len(self.row_warnings) < MAX_KEPT_ERRORS:
            self.row_warnings.append(RowError(row, column, str(message)))
        if len(self.warnings) < MAX_REPORTED_WARNINGS:
            values = {"row": row, "column": column, "reason": message}
            if column:
                self.warnings.append(_("Row %(row)s, %(column)s: %(reason)s") % values)
            else:
                self.warnings.append(_("Row %(row)s: %(reason)s") % values)

    def as_dict(self):
        return {
            "kind": self.kind,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [[e.row, e.column, e.message] for e in self.errors],
            "error_count": self.error_count,
            "warnings": self.warnings,
            "warning_count": max(self.warning_count, len(self.warnings)),
            "unknown_columns": self.unknown_columns,
            "missing_columns": self.missing_columns,
            "written": self.written,
            "read_from": self.read_from,
        }


class _AnyOf(Lookup):
    """`field = ANY(%s)` with the values as one array parameter. `field__in`
    compiles each value into the SQL on its own, which costs more than the
    query itself for batches of thousands of NIKs."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def _among(field_name, values):
    """A filter for `field_name` among `values`."""
    if connections[router.db_for_read(Member)].vendor == "postgresql":
        return _AnyOf(F(field_name), list(values))
    return Q(**{f"{field_name}__in": values})


def _batches(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_from_values(connection, model, objs, fields):
    """model.objects.bulk_update(objs, fields) on PostgreSQL, as one
    UPDATE ... FROM (VALUES ...) joined on the primary key."""
    if not objs:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    targets = [meta.get_field(name) for name in fields]
    columns = [pk, *targets]
    params = []
    for obj in objs:
        params += [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
    # A VALUES column of NULLs or of texts is text: each is cast to its field's type.
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in targets)
    row = f"({', '.join(['%s'] * len(columns))})"
    names = ", ".join(quote(f.column) for f in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {sets} "
        f"FROM (VALUES {', '.join([row] * len(objs))}) AS v ({names}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}::{pk.db_type(connection)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _differs(registered_values, parsed, fields):
    """Whether a record's stored `fields` (values in that order) differ from the parsed instance's."""
    return any(value != getattr(parsed, f) for f, value in zip(fields, registered_values, strict=True))


class SheetImport:
    """Common steps: header check, scope, classification, all-or-nothing write."""

    kind = ""
    columns = ()
    required_columns = ()

    def __init__(self, *, user=None):
        # user None: the command line without --user, the whole country.
        if user is not None and not can_write_village_records(user):
            raise PermissionDenied(_("Your role may not import data."))
        self.user = user

    def check_header(self, sheet, report):
        present = set(sheet.columns)
        self.header = present
        # An optional column the file does not have leaves the portal's
        # values alone; only a column that is there (even empty) changes them.
        self.absent_columns = set(self.columns) - present
        report.missing_columns = [c for c in self.required_columns if c not in present]
        report.unknown_columns = [c for c in sheet.columns if c and c not in self.columns]
        # Rows given by other means than read_rows (the admin's) say nothing of where they were read.
        report.read_from = sheet.read_from() if hasattr(sheet, "read_from") else {}
        # Title rows may sit above the header: its problems are on its row.
        header_row = getattr(sheet, "header_row", 1)
        for column in report.missing_columns:
            report.reject(
                header_row, column, _("The required column %(column)s is missing.") % {"column": column}
            )
        if report.missing_columns and getattr(sheet, "header_hint", None):
            report.reject(header_row, None, sheet.header_hint)

    def villages_for(self, codes, report, rows_by_code):
        """The enrolled villages among `codes` that the user may import into;
        rows naming any other village are rejected."""
        villages = {v.area_id: v for v in Village.objects.filter(area_id__in=codes).select_related("area")}
        known_areas = set(
            Area.objects.filter(code__in=set(codes) - villages.keys()).values_list("code", flat=True)
        )
        allowed = {}
        for code in codes:
            if code not in villages:
                if code in known_areas:
                    message = _("Village %(code)s is not enrolled in the Desmigratif programme.")
                else:
                    message = _("There is no village with the code %(code)s.")
                for row in rows_by_code[code]:
                    report.reject(row, "kode_desa", message % {"code": code})
            elif self.user is not None and not code_in_scope(self.user, code):
                for row in rows_by_code[code]:
                    report.reject(
                        row,
                        "kode_desa",
                        _("Village %(code)s is outside your area: you may import only your own villages.")
                        % {"code": code},
                    )
            else:
                allowed[code] = villages[code]
        return allowed

    def reject_headless_values(self, raw, report, row_number):
        """A value in a column without a header (read_rows names it by its
        letter) usually means a cell was split, e.g. an unquoted "pisang; kopi"
        in a semicolon-separated file: refuse the row rather than lose it."""
        stray = [key for key, value in raw.items() if key not in self.header and value not in (None, "")]
        for key in stray:
            report.reject(
                row_number,
                key,
                _(
                    "Column %(column)s has a value but no header. If a cell holds a list separated by "
                    "semicolons in a semicolon-separated file, put the cell in quotes."
                )
                % {"column": key},
            )
        return bool(stray)

    def run(self, sheet, *, write=False, progress=None):
        report = ImportReport(kind=self.kind)
        self.check_header(sheet, report)
        if report.missing_columns:
            return report
        plan = self.check(sheet, report, progress or (lambda done, total: None))
        if write and report.ok:
            try:
                with transaction.atomic():
                    self.write(plan)
            except IntegrityError:
                # Someone saved one of these records between the check and the
                # write; the transaction has undone everything.
                report.reject(
                    1,
                    None,
                    _(
                        "Some of these records were changed by someone else while the file was being "
                        "written. Nothing was written: check the file again."
                    ),
                )
            else:
                report.written = True
        return report


# (field of household_format, attribute of the parsed Household); the village is its area code.
HOUSEHOLD_ATTRIBUTES = tuple((f, "village_id" if f == "village_code" else f) for f in hf.HOUSEHOLD_FIELDS)
# Those a household's rows must agree on (the No. KK is what makes them one household).
HOUSEHOLD_VALUE_ATTRIBUTES = tuple(pair for pair in HOUSEHOLD_ATTRIBUTES if pair[0] != "no_kk")
# The columns with an error of a row that has none (shared: one per row would add up).
_NO_COLUMNS = frozenset()


@contextlib.contextmanager
def _garbage_collection_by_batch():
    """Python's automatic garbage collection paused for the duration.

    A survey's rows become hundreds of thousands of objects that live until
    the write; every automatic collection on the way scans them all again,
    which made a quarter of a 100,000-row import's time. The pipeline
    collects the young objects itself once a batch (gc.collect(1)), which
    also frees the reference cycles of that batch's errors (a
    ValidationError lists itself)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class HouseholdSurveyImport(SheetImport):
    kind = "households"
    columns = hf.COLUMNS
    required_columns = hf.REQUIRED_COLUMNS

    def run(self, sheet, *, write=False, progress=None):
        with _garbage_collection_by_batch():
            return super().run(sheet, write=write, progress=progress)

    def check(self, sheet, report, progress):
        # The Household and Member of each row are made once, by
        # household_format; the plan writes those same instances.
        # Every row is kept, with the columns it could not read: a row with a
        # wrong date of birth still takes part in the checks across rows (its
        # NIK in another row, its household's address), so all of a row's
        # problems are reported in one pass. Only rows without any are written.
        rows = []  # (row_number, household, member, columns with an error)
        # The rows of one household share one Household (row_to_instances):
        # a 100,000-row file holds one per household, not one per row.
        parsed_households = {}
        for row_number, raw in sheet:
            report.total_rows += 1
            household, member, errors = hf.row_to_instances(raw, parsed_households)
            bad = _NO_COLUMNS
            if errors:
                bad = frozenset(column for column, _message in errors)
                for column, message in errors:
                    report.reject(row_number, column, message)
            self.reject_headless_values(raw, report, row_number)
            rows.append((row_number, household, member, bad))
            if report.total_rows % LOOKUP_BATCH == 0:
                gc.collect(1)
                progress(report.total_rows, None)
        del parsed_households

        rows_by_code = defaultdict(list)
        for row_number, household, _member, bad in rows:
            if "kode_desa" not in bad:
                rows_by_code[household.village_id].append(row_number)
        villages = self.villages_for(rows_by_code.keys(), report, rows_by_code)

        # Within the file: one household per No. KK, one row per NIK, one
        # head per household. A household column (village, address) may be
        # filled on one row of the household only: its blank cells on the
        # other rows take that value; two different values are refused.
        households, nik_rows = {}, {}
        filled = {}  # No. KK -> {field: (row, value)}, the first value of each household column
        heads = defaultdict(list)
        for row_number, household, member, bad in rows:
            kk = household.no_kk
            if not kk or "no_kk" in bad:
                continue
            first_row, merged = households.setdefault(kk, (row_number, household))
            seen = filled.setdefault(kk, {})
            # A later row sharing the household's instance (row_to_instances) has its
            # values: nothing to add or compare. Almost every row is one.
            shared = household is merged and row_number != first_row
            for field_name, attname in () if shared else HOUSEHOLD_VALUE_ATTRIBUTES:
                column = hf.COLUMN_OF_FIELD[field_name]
                value = getattr(household, attname)
                if column in bad or value is None or value == "":
                    continue
                known = seen.get(field_name)
                if known is None:
                    seen[field_name] = (row_number, value)
                    if household is not merged:
                        setattr(merged, attname, value)
                elif known[1] != value:
                    report.reject(
                        row_number,
                        column,
                        _(
                            "This household's %(column)s is “%(value)s” in this row but “%(other)s” in "
                            "its row %(row)s: all rows of one No. KK must agree (a blank cell takes the "
                            "household's value)."
                        )
                        % {"column": column, "value": value, "other": known[1], "row": known[0]},
                    )
            nik = member.nik
            if nik and "nik" not in bad:
                if nik in nik_rows:
                    report.reject(
                        row_number, "nik", _("This NIK is also in row %(row)s.") % {"row": nik_rows[nik]}
                    )
                else:
                    nik_rows[nik] = row_number
            if member.relation == Member.Relation.HEAD:
                heads[kk].append(row_number)
        del filled
        for head_rows in heads.values():
            for row_number in head_rows[1:]:
                report.reject(
                    row_number,
                    "hubungan_keluarga",
                    _("The household already has a head of the family in row %(row)s.")
                    % {"row": head_rows[0]},
                )

        # Against the database, a batch at a time, reading only the fields
        # compared, as tuples, and comparing each batch as it comes: a model
        # instance of every registered household and member (and one more
        # Household per member) doubled the memory of a re-import, whose rows
        # are mostly unchanged. write() loads the changed records only.
        household_fields = [f for f in hf.HOUSEHOLD_FIELDS if f != "village_code"]
        kept_household_fields = [
            f for f in household_fields if hf.COLUMN_OF_FIELD[f] not in self.absent_columns
        ]
        kept_member_fields = [f for f in hf.MEMBER_FIELDS if hf.COLUMN_OF_FIELD[f] not in self.absent_columns]
        # No. KK -> (id, village, whether a compared field differs from the file's household)
        existing_households, registered_heads = {}, {}
        for batch in _batches(households, LOOKUP_BATCH):
            found = Household.objects.filter(_among("no_kk", batch)).values_list(
                "no_kk", "pk", "village_id", *kept_household_fields
            )
            for kk, pk, village_id, *values in found:
                parsed = households[kk][1]
                differs = _differs(values, parsed, kept_household_fields)
                existing_households[parsed.no_kk] = (pk, village_id, differs)
            heads_in_db = Member.objects.filter(
                _among("household__no_kk", batch), relation=Member.Relation.HEAD
            )
            registered_heads.update(heads_in_db.values_list("household__no_kk", "nik"))
        # NIK -> (id, No. KK of its registered household, whether a compared field differs)
        existing_members = {}
        # (No. KK, Member) of the row that counts for each NIK, in nik_rows' order.
        counted = (
            (household.no_kk, member)
            for row_number, household, member, _bad in rows
            if nik_rows.get(member.nik) == row_number
        )
        while batch := {member.nik: (kk, member) for kk, member in itertools.islice(counted, LOOKUP_BATCH)}:
            found = Member.objects.filter(_among("nik", list(batch))).values_list(
                "nik", "pk", "household__no_kk", *kept_member_fields
            )
            for nik, pk, kk, *values in found:
                row_kk, parsed = batch[nik]
                differs = _differs(values, parsed, kept_member_fields)
                existing_members[parsed.nik] = (pk, row_kk if kk == row_kk else kk, differs)
        progress(report.total_rows, report.total_rows)

        rows_of_kk = defaultdict(list)
        for row_number, household, _member, bad in rows:
            if "no_kk" not in bad:
                rows_of_kk[household.no_kk].append(row_number)
        for kk, (_first_row, parsed) in households.items():
            registered = existing_households.get(kk)
            if registered and parsed.village_id is not None and registered[1] != parsed.village_id:
                for n in rows_of_kk[kk]:
                    report.reject(
                        n,
                        "no_kk",
                        _("This No. KK is already registered for another village."),
                    )
        for kk, head_rows in heads.items():
            head_nik = registered_heads.get(kk)
            registered = existing_households.get(kk)
            if registered and registered[1] != households[kk][1].village_id:
                continue  # already refused: the No. KK belongs to another village
            # The registered head stays head unless the file names them again
            # (perhaps with another relation).
            if head_nik and head_nik not in nik_rows:
                for row_number in head_rows:
                    report.reject(
                        row_number,
                        "hubungan_keluarga",
                        _("This household already has a registered head of the family."),
                    )
        for row_number, household, member, bad in rows:
            if "nik" in bad or "no_kk" in bad:
                continue
            registered = existing_members.get(member.nik)
            if registered and registered[1] != household.no_kk:
                report.reject(
                    row_number,
                    "nik",
                    _(
                        "This NIK is already registered in another household. One person can be in "
                        "one household only."
                    ),
                )

        known_districts = set(
            Area.objects.filter(code__in={nik_district_code(nik) for nik in nik_rows}).values_list(
                "code", flat=True
            )
        )
        for nik, row_number in nik_rows.items():
            district = nik_district_code(nik)
            if district not in known_districts:
                report.warn(
                    row_number,
                    "nik",
                    _(
                        "The district code %(code)s in the NIK is not in the current area list; "
                        "check the number."
                    )
                    % {"code": district},
                )
        # Said once per household, on its first row; never a rejection.
        for kk, (first_row, _household) in households.items():
            if warning := kk_serial_warning(kk):
                report.warn(first_row, "no_kk", warning)

        # Classify and plan the writes: the rows without any problem.
        rejected = set(report.rejected_rows)
        rows = [row for row in rows if row[0] not in rejected]
        written_kks = {household.no_kk for _row_number, household, _member, _bad in rows}
        # Registered records that changed are planned as {id: the file's
        # instance}; write() loads and updates them a batch at a time.
        plan = {
            "new_households": [],
            "changed_households": {},
            "new_members": [],
            "changed_members": {},
            "household_fields": kept_household_fields,
            "member_fields": kept_member_fields,
            "household_ids": {},  # No. KK -> id, for the registered households written to
            "village_ids": set(),
        }
        for kk, (_first_row, parsed) in households.items():
            if kk not in written_kks:
                continue
            plan["village_ids"].add(parsed.village_id)
            registered = existing_households.get(kk)
            if registered is None:
                parsed.village = villages[parsed.village_id]
                plan["new_households"].append(parsed)
                continue
            pk, _village_id, differs = registered
            plan["household_ids"][kk] = pk
            if differs:
                plan["changed_households"][pk] = parsed
        touched_households = {h.no_kk for h in plan["changed_households"].values()} | {
            h.no_kk for h in plan["new_households"]
        }
        plan["members_changed_in"] = set()
        for _row_number, household, parsed, _bad in rows:
            kk = household.no_kk
            registered = existing_members.get(parsed.nik)
            if registered is None:
                plan["new_members"].append((kk, parsed))
                report.created += 1
                if kk not in touched_households:
                    plan["members_changed_in"].add(kk)
            elif registered[2]:
                plan["changed_members"][registered[0]] = parsed
                plan["members_changed_in"].add(kk)
                report.updated += 1
            elif kk in touched_households:
                report.updated += 1
            else:
                report.unchanged += 1
        return plan

    def _update_registered(self, model, changes, fields, saved_fields):
        """Load the registered records of `changes` ({id: the file's instance}),
        give them the file's values of `fields` and save `saved_fields` with
        their history, a batch at a time: a file that changes every record
        never holds them all as instances."""
        now = timezone.now()
        for batch in _batches(changes, WRITE_BATCH):
            records = model.objects.in_bulk(batch)
            changed = []
            for pk in batch:
                record = records.get(pk)
                if record is None:
                    continue
                parsed = changes[pk]
                for f in fields:
                    setattr(record, f, getattr(parsed, f))
                if model is Member:
                    record.match_key = matching.match_key(record.name, record.birth_date)
                record.updated_at = now
                changed.append(record)
            using = router.db_for_write(model)
            if connections[using].vendor == "postgresql":
                _update_from_values(connections[using], model, changed, saved_fields)
            # With no fields, simple-history's helper writes the history rows only.
            bulk_update_with_history(
                changed,
                model,
                [] if connections[using].vendor == "postgresql" else saved_fields,
                batch_size=UPDATE_BATCH,
                default_user=self.user,
                default_change_reason="import",
            )

    def write(self, plan):
        user = self.user
        history = {"default_user": user, "default_change_reason": "import"}
        new_households = plan["new_households"]
        copier = HistoryCopier.for_import(len(new_households) + len(plan["new_members"]), user, "import")
        if copier:
            copier.create(new_households, Household)
        else:
            bulk_create_with_history(new_households, Household, batch_size=WRITE_BATCH, **history)
        self._update_registered(
            Household,
            plan["changed_households"],
            plan["household_fields"],
            ["dusun", "rt", "rw", "address", "updated_at"],
        )
        ids = plan["household_ids"]
        if copier:  # COPY gave every new household its id already
            ids.update((h.no_kk, h.pk) for h in new_households)
        else:
            new_kks = [h.no_kk for h in new_households]
            for batch in _batches(new_kks, LOOKUP_BATCH):
                ids.update(Household.objects.filter(no_kk__in=batch).values_list("no_kk", "pk"))
        new_members = []
        for kk, member in plan["new_members"]:
            member.household_id = ids[kk]
            new_members.append(member)
        if copier:
            copier.create(new_members, Member)
        else:
            bulk_create_with_history(new_members, Member, batch_size=WRITE_BATCH, **history)
        self._update_registered(
            Member,
            plan["changed_members"],
            plan["member_fields"],
            [*hf.MEMBER_FIELDS, "match_key", "updated_at"],
        )
        # A household whose members changed counts as changed (the list shows it first).
        # Every changed household's version moves on, so a household form opened
        # before the import refuses to overwrite it (desmigratif.concurrency).
        for batch in _batches(plan["members_changed_in"], LOOKUP_BATCH):
            Household.objects.filter(no_kk__in=batch).update(
                updated_at=timezone.now(), version=F("version") + 1
            )
        changed = [
            pk for pk, h in plan["changed_households"].items() if h.no_kk not in plan["members_changed_in"]
        ]
        for batch in _batches(changed, LOOKUP_BATCH):
            Household.objects.filter(pk__in=batch).update(version=F("version") + 1)
        # No model signal saw these rows: say which villages' figures moved.
        send_records_changed(Household, plan["village_ids"])


# Writing with COPY -----------------------------------------------------------

# New records from this many up are written with PostgreSQL's COPY. Below it
# the statements of simple-history's bulk_create_with_history take a fraction
# of a second, and that helper stays the path of every small import.
COPY_MIN_ROWS = 1000
COPY_NULL = "\\N"
# Field types whose str() PostgreSQL's COPY text format reads back as the value
# bulk_create would send: numbers, texts, ISO dates and aware datetimes.
COPY_FIELD_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "CharField",
    "TextField",
    "DateField",
    "DateTimeField",
    "ForeignKey",
}


def _copy_escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class HistoryCopier:
    """bulk_create_with_history(objs, model, default_user=user,
    default_change_reason=reason) for new records, with PostgreSQL's COPY.

    The records and their "+" history rows hold what simple-history's helper
    would store: ids from the table's own sequence, created_at and updated_at
    set as bulk_create's pre_save sets them, every tracked field, the history
    user (the importing user, else simple-history's default one), the reason
    and the date. The objects get their ids, as after bulk_create. It is the
    helper's 5 million values compiled into SQL (and a history instance built
    per record) that make an import of 100,000 members slow; COPY sends the
    same rows as text, one statement a table."""

    def __init__(self, using, user, reason):
        self.using = using
        self.connection = connections[using]
        self.user = user
        self.reason = reason
        self.now = timezone.now()

    @classmethod
    def for_import(cls, new_records, user, reason):
        """A copier when COPY fits this write, else None (use simple-history's helper)."""
        using = router.db_for_write(Member)
        if connections[using].vendor != "postgresql" or new_records < COPY_MIN_ROWS:
            return None
        if not all(cls._layout(model) for model in (Household, Member)):
            return None
        return cls(using, user, reason)

    @staticmethod
    @functools.cache
    def _layout(model):
        """(columns, history columns, positions of the tracked fields among the
        columns, auto_now fields), or None for a model this copier does not
        handle the way bulk_create_with_history would."""
        fields = model._meta.concrete_fields
        if len(fields) < 2 or any(f.get_internal_type() not in COPY_FIELD_TYPES for f in fields):
            return None  # (attrgetter and itemgetter below give tuples from two names up)
        auto_now = [
            f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if any(model._meta.get_field(name).get_internal_type() != "DateTimeField" for name in auto_now):
            return None
        history_model = get_history_model_for_model(model)
        attnames = [f.attname for f in fields]
        tracked = [f.attname for f in history_model.tracked_fields]
        if len(tracked) < 2:
            return None
        extras = ["history_date", "history_change_reason", "history_type", "history_user_id"]
        for history_field in history_model._meta.concrete_fields:
            if history_field.attname == "history_id":
                if history_field.get_internal_type() not in ("AutoField", "BigAutoField"):
                    return None  # a UUID history_id is made in Python, not by the table
            elif history_field.attname not in tracked and history_field.attname not in extras:
                return None  # history_relation, custom fields: not written here
        history_columns = [history_model._meta.get_field(name).column for name in tracked]
        history_columns += [history_model._meta.get_field(name).column for name in extras]
        return (
            [f.column for f in fields],
            history_columns,
            [attnames.index(name) for name in tracked],
            auto_now,
        )

    def create(self, objs, model):
        if not objs:
            return
        columns, history_columns, tracked, auto_now = self._layout(model)
        connection = self.connection
        meta = model._meta
        with connection.cursor() as cursor:
            # Ids are taken from the table's own sequence, as an INSERT would
            # take them: no RETURNING needed to know them.
            ids = self._next_ids(cursor, connection.ops.quote_name(meta.db_table), meta.pk.column, len(objs))
        # The objects get their ids but are not marked saved (_state), as
        # bulk_create would: nothing uses them after the write, and a state
        # of its own for each object was 26 MB of a 100,000-member import.
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            for name in auto_now:
                setattr(obj, name, self.now)

        values_of = operator.attrgetter(*(field.attname for field in meta.concrete_fields))
        tabs = len(columns) - 1
        pick_tracked = operator.itemgetter(*tracked)
        history_model = get_history_model_for_model(model)
        write_history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        if write_history:
            user = self.user or history_model.get_default_history_user(objs[0])
            suffix = "\t".join(
                [str(self.now), _copy_escape(self.reason), "+", COPY_NULL if user is None else str(user.pk)]
            )

        def lines(history_lines):
            for obj in objs:
                values = values_of(obj)
                texts = [COPY_NULL if value is None else str(value) for value in values]
                line = "\t".join(texts)
                # Escape only the rare row that needs it: a tab, backslash or line
                # break in a value (each NULL marker accounts for one backslash).
                if (
                    line.count("\t") != tabs
                    or line.count("\\") != values.count(None)
                    or "\n" in line
                    or "\r" in line
                ):
                    texts = [COPY_NULL if value is None else _copy_escape(str(value)) for value in values]
                    line = "\t".join(texts)
                if write_history:
                    history_lines.write("\t".join(pick_tracked(texts)) + "\t" + suffix + "\n")
                yield line

        # The history rows wait on disk while the records are copied (one COPY
        # at a time per connection): kept as strings, they were the largest
        # part of a 100,000-member import's memory at its peak.
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as history_lines:
            self._copy(meta.db_table, columns, _LineReader(lines(history_lines)))
            if write_history:
                history_lines.seek(0)
                self._copy(history_model._meta.db_table, history_columns, history_lines)

    @staticmethod
    def _next_ids(cursor, table, column, count):
        """`count` new values of the table's id sequence. Nearly always they
        follow one another: then they are a range, not 100,000 fetched rows
        (about 9 MB at the import's peak). When another session took values
        at the same moment, these are given up (a sequence may have gaps) and
        the values are taken again, each one fetched."""
        sequence = "nextval(pg_get_serial_sequence(%s, %s))"
        cursor.execute(
            f"WITH taken AS (SELECT {sequence} AS id FROM generate_series(1, %s)) "
            "SELECT min(id), max(id) FROM taken",
            [table, column, count],
        )
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            return range(low, high + 1)
        cursor.execute(f"SELECT {sequence} FROM generate_series(1, %s)", [table, column, count])
        return [row[0] for row in cursor.fetchall()]

    def _copy(self, table, columns, source):
        """COPY `source` (a file of COPY text lines) into `table`."""
        quote = self.connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with self.connection.cursor() as cursor, self.connection.wrap_database_errors:
            cursor.cursor.copy_expert(sql, source)


class _LineReader:
    """A file for copy_expert that makes its text as the server asks for it:
    no copy of the whole table in memory, and the server stores one chunk
    while the next is being made."""

    LINES_PER_READ = 2000

    def __init__(self, lines):
        self.lines = lines

    def read(self, size=-1):
        chunk = list(itertools.islice(self.lines, self.LINES_PER_READ))
        if not chunk:
            return ""
        chunk.append("")
        return "\n".join(chunk)


# Village profile and partner institutions ----------------------------------

LEARNING_HOUSE_LABELS = {
    Village.LearningHouse.OWNED: "Milik Desa",
    Village.LearningHouse.RENTED: "Sewa",
    Village.LearningHouse.NONE: "Tidak Ada",
}
read_learning_house = hf.LabelReader(LEARNING_HOUSE_LABELS, {"Milik": Village.LearningHouse.OWNED})
read_yes_no = hf.LabelReader({True: "Ya", False: "Tidak"}, {"Yes": True, "No": False, "Ada": True})
PARTNER_KIND_LABELS = {
    PartnerInstitution.Kind.LPMD: "LPMD",
    PartnerInstitution.Kind.PKK: "PKK",
    PartnerInstitution.Kind.KARANG_TARUNA: "Karang Taruna",
    PartnerInstitution.Kind.BUSINESS_GROUP: "Kelompok Usaha/Tani",
    PartnerInstitution.Kind.COOPERATIVE: "Koperasi",
    PartnerInstitution.Kind.BUMDES: "BUMDes",
    PartnerInstitution.Kind.NGO: "LSM",
    PartnerInstitution.Kind.BANK: "Bank",
    PartnerInstitution.Kind.COMPANY: "Perusahaan",
    PartnerInstitution.Kind.OTHER: "Lainnya",
}
read_partner_kind = hf.LabelReader(
    PARTNER_KIND_LABELS,
    {
        "Kelompok Usaha": PartnerInstitution.Kind.BUSINESS_GROUP,
        "Kelompok Tani": PartnerInstitution.Kind.BUSINESS_GROUP,
        "Gapoktan": PartnerInstitution.Kind.BUSINESS_GROUP,
        "NGO": PartnerInstitution.Kind.NGO,
    },
)


def read_number(text):
    """ "70", "70,5", "70.5" -> Decimal; a real number cell as it is."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Decimal(str(text))
    cleaned = str(text).strip().replace(" ", "").replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None


def read_coordinate(text):
    # Coordinates copied from a map have more decimals than the 6 we keep (~0.1 m).
    return read_number(text).quantize(Decimal("0.000001"))


def read_whole_number(text):
    number = read_number(text)
    if number != number.to_integral_value() or number < 0:
        raise ValidationError(_("“%(value)s” must be a whole number, 0 or more.") % {"value": text})
    return int(number)


def read_year(text):
    year = read_whole_number(text)
    return year


def read_products(text):
    products, seen = [], set()
    for item in str(text).split(";"):
        item = " ".join(item.split())
        if item and item.lower() not in seen:
            seen.add(item.lower())
            products.append(item)
    return products


def read_pillars(text):
    pillars = set()
    for item in str(text).replace(",", ";").split(";"):
        item = item.strip().upper()
        if not item:
            continue
        number = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(item) or (int(item) if item.isdigit() else None)
        if number not in (1, 2, 3, 4):
            raise ValidationError(_("Pillars are numbers 1 to 4 separated by ;, e.g. 2;4."))
        pillars.add(number)
    return pillars


class _RowSheetImport(SheetImport):
    """A sheet of one record per row: each column parsed by its reader into a
    model field, the model's full_clean() for the rest."""

    readers = {}  # column -> (field, reader)

    def parse(self, raw, report, row_number):
        values, failed = {}, self.reject_headless_values(raw, report, row_number)
        for column, (field_name, reader) in self.readers.items():
            value = raw.get(column)
            if value is None or str(value).strip() == "":
                if column in self.required_columns:
                    report.reject(row_number, column, _("This field is required."))
                    failed = True
                values[field_name] = None
                continue
            try:
                values[field_name] = reader(value)
            except ValidationError as error:
                report.reject(row_number, column, " ".join(str(m) for m in error.messages))
                failed = True
        return None if failed else values

    def clean_instance(self, instance, report, row_number, exclude=()):
        try:
            # Uniqueness is checked for the whole file at once, not per row.
            instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            column_of = {field: column for column, (field, _reader) in self.readers.items()}
            for field_name, messages in error.message_dict.items():
                report.reject(row_number, column_of.get(field_name), " ".join(messages))
            return False
        return True


class VillageProfileImport(_RowSheetImport):
    kind = "village-profile"
    columns = (
        "kode_desa",
        "tahun_program",
        "lintang",
        "bujur",
        "perangkat_dibawah_slta",
        "perangkat_slta",
        "perangkat_diploma",
        "perangkat_sarjana",
        "rumah_belajar",
        "rumah_belajar_luas_m2",
        "rumah_belajar_jarak_balai_m",
        "internet",
        "jarak_disnaker_km",
        "produk_unggulan",
    )
    required_columns = ("kode_desa", "tahun_program")
    readers = {
        "kode_desa": ("village_code", hf.parse_village_code),
        "tahun_program": ("cohort_year", read_year),
        "lintang": ("latitude", read_coordinate),
        "bujur": ("longitude", read_coordinate),
        "perangkat_dibawah_slta": ("apparatus_below_senior_high", read_whole_number),
        "perangkat_slta": ("apparatus_senior_high", read_whole_number),
        "perangkat_diploma": ("apparatus_diploma", read_whole_number),
        "perangkat_sarjana": ("apparatus_bachelor", read_whole_number),
        "rumah_belajar": ("learning_house", read_learning_house),
        "rumah_belajar_luas_m2": ("learning_house_area_m2", read_number),
        "rumah_belajar_jarak_balai_m": ("learning_house_distance_m", read_whole_number),
        "internet": ("has_internet", read_yes_no),
        "jarak_disnaker_km": ("manpower_office_distance_km", read_number),
        "produk_unggulan": ("leading_products", read_products),
    }

    # Only fields the file has a value for are changed: an empty cell leaves
    # the portal's value alone rather than erasing it.
    def check(self, sheet, report, progress):
        parsed = {}
        for row_number, raw in sheet:
            report.total_rows += 1
            values = self.parse(raw, report, row_number)
            if values is None:
                continue
            code = values.pop("village_code")
            if code in parsed:
                report.reject(
                    row_number,
                    "kode_desa",
                    _("This village is also in row %(row)s.") % {"row": parsed[code][0]},
                )
                continue
            parsed[code] = (row_number, values)
        areas = {a.code: a for a in Area.objects.filter(code__in=parsed, level=AreaLevel.VILLAGE)}
        villages = {v.area_id: v for v in Village.objects.filter(area_id__in=parsed)}
        may_enrol = self.user is None or sees_whole_country(self.user)
        plan = {"create": [], "update": []}
        for code, (row_number, values) in parsed.items():
            if code not in areas:
                report.reject(
                    row_number, "kode_desa", _("There is no village with the code %(code)s.") % {"code": code}
                )
                continue
            if self.user is not None and not code_in_scope(self.user, code):
                report.reject(
                    row_number,
                    "kode_desa",
                    _("Village %(code)s is outside your area: you may import only your own villages.")
                    % {"code": code},
                )
                continue
            village = villages.get(code)
            given = {f: v for f, v in values.items() if v is not None}
            if village is None:
                if not may_enrol:
                    report.reject(
                        row_number,
                        "kode_desa",
                        _(
                            "Village %(code)s is not enrolled in the programme; only an administrator "
                            "can enrol it."
                        )
                        % {"code": code},
                    )
                    continue
                village = Village(area=areas[code], **given)
                if self.clean_instance(village, report, row_number):
                    plan["create"].append(village)
                    report.created += 1
                continue
            changed = {f: v for f, v in given.items() if getattr(village, f) != v}
            if not changed:
                report.unchanged += 1
                continue
            for f, v in changed.items():
                setattr(village, f, v)
            if self.clean_instance(village, report, row_number):
                plan["update"].append(village)
                report.updated += 1
        progress(report.total_rows, report.total_rows)
        return plan

    def write(self, plan):
        Village.objects.bulk_create(plan["create"], batch_size=WRITE_BATCH)
        send_records_changed(Village, (v.pk for v in plan["create"]))
        fields = [field_name for field_name, _reader in self.readers.values() if field_name != "village_code"]
        now = timezone.now()
        for village in plan["update"]:
            village.updated_at = now  # bulk_update does not apply auto_now
        Village.objects.bulk_update(plan["update"], [*fields, "updated_at"], batch_size=WRITE_BATCH)
        # Open profile forms notice the import (desmigratif.concurrency).
        for batch in _batches([v.pk for v in plan["update"]], LOOKUP_BATCH):
            Village.objects.filter(pk__in=batch).update(version=F("version") + 1)


class PartnersImport(_RowSheetImport):
    kind = "partners"
    columns = ("kode_desa", "nama_lembaga", "jenis", "pilar")
    required_columns = ("kode_desa", "nama_lembaga", "jenis")
    readers = {
        "kode_desa": ("village_code", hf.parse_village_code),
        "nama_lembaga": ("name", lambda text: " ".join(str(text).split())),
        "jenis": ("kind", read_partner_kind),
        "pilar": ("pillars", read_pillars),
    }

    def check(self, sheet, report, progress):
        rows, seen = [], {}
        for row_number, raw in sheet:
            report.total_rows += 1
            values = self.parse(raw, report, row_number)
            if values is None:
                continue
            key = (values["village_code"], values["name"].lower())
            if key in seen:
                report.reject(
                    row_number,
                    "nama_lembaga",
                    _("This institution is also in row %(row)s.") % {"row": seen[key]},
                )
                continue
            seen[key] = row_number
            rows.append((row_number, values))
        rows_by_code = defaultdict(list)
        for row_number, values in rows:
            rows_by_code[values["village_code"]].append(row_number)
        villages = self.villages_for(rows_by_code.keys(), report, rows_by_code)
        existing = {
            (p.village_id, p.name.lower()): p
            for p in PartnerInstitution.objects.filter(village_id__in=villages)
        }
        rejected = set(report.rejected_rows)
        plan = {"create": [], "update": []}
        for row_number, values in rows:
            if row_number in rejected:
                continue
            code = values["village_code"]
            fields = {"name": values["name"], "kind": values["kind"]}
            partner = existing.get((code, values["name"].lower()))
            if partner is None or "pilar" not in self.absent_columns:
                pillars = values["pillars"] or set()
                fields.update({f"supports_pillar_{n}": n in pillars for n in (1, 2, 3, 4)})
            if partner is None:
                partner = PartnerInstitution(village=villages[code], **fields)
                if self.clean_instance(partner, report, row_number, exclude=["village"]):
                    plan["create"].append(partner)
                    report.created += 1
            elif any(getattr(partner, f) != v for f, v in fields.items()):
                for f, v in fields.items():
                    setattr(partner, f, v)
                if self.clean_instance(partner, report, row_number):
                    plan["update"].append(partner)
                    report.updated += 1
            else:
                report.unchanged += 1
        progress(report.total_rows, report.total_rows)
        return plan

    def write(self, plan):
        PartnerInstitution.objects.bulk_create(plan["create"], batch_size=WRITE_BATCH)
        fields = ["name", "kind", *(f"supports_pillar_{n}" for n in (1, 2, 3, 4))]
        PartnerInstitution.objects.bulk_update(plan["update"], fields, batch_size=WRITE_BATCH)
        # The partners are part of the village profile form: open ones notice.
        villages = sorted({p.village_id for p in [*plan["create"], *plan["update"]]})
        for batch in _batches(villages, LOOKUP_BATCH):
            Village.objects.filter(pk__in=batch).update(version=F("version") + 1)


IMPORTERS = {
    "households": HouseholdSurveyImport,
    "village-profile": VillageProfileImport,
    "partners": PartnersImport,
}


def importer_for(kind, *, user=None):
    try:
        return IMPORTERS[kind](user=user)
    except KeyError:
        raise ValidationError(_("Unknown sheet type %(kind)s.") % {"kind": kind}) from None
