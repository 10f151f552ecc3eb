"""django-import-export Resources for the three survey sheets, over our own
import pipeline and export writers.

The library's own import goes row by row (instance lookup, full_clean and
save per row); ours checks a whole file at once and writes all of it or
nothing (surveys.imports). So these Resources do not use the library's
fields and row loop:

* ``import_data`` runs the file through surveys.import_jobs.import_file, the
  same entry point as the import pages and the command: the same reading
  (encodings, header row, sheets, formula cells), the same checks and
  messages, write=not dry_run. The admin's two steps, "import" then
  "confirm", are our check and then our check-and-write. The report becomes
  a library Result: each rejected row an invalid row carrying our messages.
  To read the file with our reader, the admin's upload reaches the Resource
  as it was uploaded (SurveyFile format, an UploadedSheet); a plain tablib
  Dataset (the library's command, code) is taken too, as rows.
* ``export`` gives the sheet's columns with the values our exports write,
  and the SurveyCSV / SurveyXLSX formats write them with
  desmigratif.spreadsheets (formula-looking texts quoted, dates day first),
  so an export re-imports unchanged.

Both are for files answered within the request: above ADMIN_MAX_ROWS rows
(settings.IMPORT_ADMIN_MAX_ROWS, EXPORT_INLINE_MAX_ROWS) they are refused
with a pointer to the portal's pages, which do such files as background
jobs with progress.
"""

import io
import itertools
from collections import defaultdict

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.resources import Resource
from import_export.results import Error, Result, RowResult

from desmigratif.access import role_of
from desmigratif.models import Role
from desmigratif.spreadsheets import (
    SheetRows,
    normalise_header,
    unquote_text,
    write_csv,
    write_xlsx,
)
from surveys import household_format as hf
from surveys import import_jobs, imports
from surveys.models import ImportJob
from villages.models import Household, IdNumberAccess, Member, PartnerInstitution, Village
from villages.services import id_number_access_log

# Rows shown on the admin's result page; the portal's error report has all.
MAX_SHOWN_ROWS = 500


class ImportRefused(Exception):
    """A whole-file problem, shown as the library's base error."""


# Formats -------------------------------------------------------------------


class UploadedSheet:
    """The admin's upload as it was sent, for our reader (the library would
    turn it into a tablib Dataset with its own)."""

    def __init__(self, content: bytes):
        self.content = content

    def __bool__(self):
        # Empty or header-only files get our own message, not the library's.
        return True


class SurveyFile(Format):
    """Import format: an .xlsx workbook or a CSV file, told apart by our
    reader from the file's name and content."""

    def __init__(self, encoding=None):
        # The admin passes its encoding; our reader finds the file's own.
        self.encoding = encoding

    def get_title(self):
        return _("Excel workbook (.xlsx) or CSV")

    def create_dataset(self, in_stream):
        return UploadedSheet(in_stream)

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True

    def can_export(self):
        return False


class _SurveyExport(Format):
    def export_data(self, dataset, **kwargs):
        columns = list(dataset.headers)
        rows = (dict(zip(columns, values, strict=True)) for values in dataset)
        stream = io.BytesIO()
        self.write(rows, columns, stream, dataset.title or "data")
        return stream.getvalue()

    def is_binary(self):
        return True

    def can_import(self):
        return False

    def can_export(self):
        return True


class SurveyCSV(_SurveyExport):
    def get_title(self):
        return "csv"

    def get_extension(self):
        return "csv"

    def get_content_type(self):
        return "text/csv; charset=utf-8"

    def write(self, rows, columns, stream, title):
        write_csv(rows, columns, stream)


class SurveyXLSX(_SurveyExport):
    def get_title(self):
        return "xlsx"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return import_jobs.XLSX_CONTENT_TYPE

    def write(self, rows, columns, stream, title):
        write_xlsx(rows, columns, stream, title)


# Resources -----------------------------------------------------------------


def admin_max_rows():
    return settings.IMPORT_ADMIN_MAX_ROWS


def _too_many_rows_message(limit):
    return _(
        "The admin imports files of up to %(limit)s rows. Import larger files on the import page "
        "(%(url)s), which checks them in the background and shows the progress."
    ) % {"limit": number_format(limit, force_grouping=True), "url": reverse("surveys:import_upload")}


def _cell(value):
    """A tablib cell as our reader gives it: blanks as None, texts unquoted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return unquote_text(value) if isinstance(value, str) else value


def dataset_sheet(dataset):
    """A tablib Dataset as the SheetRows our pipelines read (header row 1)."""
    columns = [normalise_header(header) for header in dataset.headers or ()]
    rows = (
        (number, {column: _cell(value) for column, value in zip(columns, values, strict=False) if column})
        for number, values in enumerate(dataset, start=2)
        if any(_cell(value) is not None for value in values)
    )
    return SheetRows(columns, rows)


def report_result(report, result_class=Result):
    """The library's Result for our ImportReport: totals, and each rejected
    row an invalid row with our messages by column."""
    result = result_class()
    result.survey_report = report
    result.diff_headers = []
    result.total_rows = report.total_rows
    result.totals[RowResult.IMPORT_TYPE_NEW] = report.created
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = report.updated
    result.totals[RowResult.IMPORT_TYPE_SKIP] = report.unchanged
    result.totals[RowResult.IMPORT_TYPE_INVALID] = report.rejected
    messages = defaultdict(lambda: defaultdict(list))
    for error in report.errors:
        messages[error.row][error.column or NON_FIELD_ERRORS].append(error.message)
    for row in sorted(messages)[:MAX_SHOWN_ROWS]:
        result.append_invalid_row(row, {}, ValidationError({k: v for k, v in messages[row].items()}))
    result.more_rejected_rows = max(0, report.rejected - MAX_SHOWN_ROWS)
    if not report.ok and not result.invalid_rows:
        # Rejections counted but none kept: still no confirm button.
        result.append_base_error(Error(ImportRefused(_("The file was rejected."))))
    return result


class SurveyResource(Resource):
    """One survey sheet: its columns, its pipeline (``kind``), its rows."""

    kind = ""
    sheet_title = ""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def get_display_name(cls):
        return str(imports.SHEET_LABELS[cls.kind])

    @property
    def columns(self):
        return import_jobs.SHEETS[self.kind].template_columns()

    def get_user_visible_fields(self):
        return [Field(attribute=column, column_name=column) for column in self.columns]

    def get_export_headers(self, selected_fields=None):
        return list(self.columns)

    # Import ------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """Check the whole file (dry_run) or check and write it, all or
        nothing, through our pipeline; our report as a library Result."""
        user = kwargs.get("user", self.user)
        try:
            if isinstance(dataset, UploadedSheet):
                report = self._import_upload(dataset.content, kwargs.get("file_name") or "", user, dry_run)
            else:
                report = self._import_rows(dataset, user, dry_run)
        except ValidationError as error:
            if raise_errors:
                raise
            result = self.get_result_class()()
            result.append_base_error(Error(ImportRefused(import_jobs.message_of(error))))
            return result
        return report_result(report, self.get_result_class())

    def _import_upload(self, content, file_name, user, dry_run):
        source = io.BytesIO(content)
        import_jobs.check_file_content(source, file_name)
        self._refuse_above_limit(self._count_rows(source, file_name))
        return import_jobs.import_file(
            source, kind=self.kind, user=user, write=not dry_run, filename=file_name
        )

    def _count_rows(self, source, file_name):
        """The data rows, counted up to one more than the limit: a file above
        it is refused before the pipeline takes its time."""
        try:
            # Read as the import reads it: title rows above the header do not count.
            sheet = import_jobs.read_sheet(source, kind=self.kind, filename=file_name)
            return sum(1 for _row in itertools.islice(sheet, admin_max_rows() + 1))
        except ValidationError:
            return 0  # the pipeline's reading reports it
        finally:
            source.seek(0)

    def _refuse_above_limit(self, rows):
        if rows > admin_max_rows():
            raise ValidationError(_too_many_rows_message(admin_max_rows()), code="too_many_rows")

    def _import_rows(self, dataset, user, dry_run):
        self._refuse_above_limit(len(dataset))
        pipeline = import_jobs.importer(self.kind, user=user)
        return pipeline.run(dataset_sheet(dataset), write=not dry_run)

    # Export ------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        """The sheet's rows for ``queryset`` (the admin's filtered change
        list), in the user's scope, as a tablib Dataset for SurveyCSV /
        SurveyXLSX. ValueError (shown by the admin) above
        EXPORT_INLINE_MAX_ROWS rows."""
        records = self.export_queryset(queryset)
        limit = settings.EXPORT_INLINE_MAX_ROWS
        count = records[: limit + 1].count()
        if count > limit:
            raise ValueError(
                _(
                    "The admin exports up to %(limit)s rows at once. Filter the list, or use the "
                    "portal's export, which writes larger files in the background."
                )
                % {"limit": number_format(limit, force_grouping=True)}
            )
        dataset = tablib.Dataset(headers=self.get_export_headers(), title=self.sheet_title)
        columns = dataset.headers
        for row in self.export_rows(records):
            dataset.append([row.get(column) for column in columns])
        self.after_export_rows(len(dataset))
        return dataset

    def export_queryset(self, queryset):
        raise NotImplementedError

    def export_rows(self, records):
        raise NotImplementedError

    def after_export_rows(self, count):
        pass


def _nothing(user):
    # Only administrators use the admin's import and export (surveys.admin);
    # any other user gets no rows, whatever the change list holds.
    return role_of(user) != Role.ADMINISTRATOR


class HouseholdSurveyResource(SurveyResource):
    kind = ImportJob.Kind.HOUSEHOLDS
    sheet_title = hf.SHEET_NAME

    def export_queryset(self, queryset):
        members = Member.objects.all()
        if queryset is not None and queryset.model is Household:
            members = members.filter(household__in=queryset.order_by().values("pk"))
        elif queryset is not None:
            members = members.filter(pk__in=queryset.order_by().values("pk"))
        if _nothing(self.user):
            members = members.none()
        return members.order_by("household__village_id", "household__no_kk", "id")

    def export_rows(self, records):
        # Administrators see full NIKs and No. KKs (desmigratif.access).
        for member in records.select_related("household"):
            yield hf.member_to_row(member, full_ids=True)

    def after_export_rows(self, count):
        # Full NIKs handed out: logged like every export of them.
        id_number_access_log(user=self.user, reason=IdNumberAccess.Reason.EXPORT, count=count)


def _number(value):
    # Decimals as numbers: a text "-6.88" would be quoted as formula-like.
    return None if value is None else float(value)


class VillageProfileResource(SurveyResource):
    kind = ImportJob.Kind.VILLAGE_PROFILE
    sheet_title = "profil-desa"

    def export_queryset(self, queryset):
        villages = Village.objects.all() if queryset is None else queryset
        if _nothing(self.user):
            villages = villages.none()
        return villages.order_by("area_id")

    def export_rows(self, records):
        labels = imports.LEARNING_HOUSE_LABELS
        yes_no = imports.read_yes_no.labels
        for village in records:
            yield {
                "kode_desa": village.area_id,
                "tahun_program": village.cohort_year,
                "lintang": _number(village.latitude),
                "bujur": _number(village.longitude),
                "perangkat_dibawah_slta": village.apparatus_below_senior_high,
                "perangkat_slta": village.apparatus_senior_high,
                "perangkat_diploma": village.apparatus_diploma,
                "perangkat_sarjana": village.apparatus_bachelor,
                "rumah_belajar": labels.get(village.learning_house),
                "rumah_belajar_luas_m2": _number(village.learning_house_area_m2),
                "rumah_belajar_jarak_balai_m": village.learning_house_distance_m,
                "internet": None if village.has_internet is None else yes_no[village.has_internet],
                "jarak_disnaker_km": _number(village.manpower_office_distance_km),
                "produk_unggulan": "; ".join(village.leading_products or ()) or None,
            }


class PartnersResource(SurveyResource):
    kind = ImportJob.Kind.PARTNERS
    sheet_title = "lembaga-mitra"

    def export_queryset(self, queryset):
        partners = PartnerInstitution.objects.all()
        if queryset is not None and queryset.model is Village:
            partners = partners.filter(village__in=queryset.order_by().values("pk"))
        elif queryset is not None:
            partners = partners.filter(pk__in=queryset.order_by().values("pk"))
        if _nothing(self.user):
            partners = partners.none()
        return partners.order_by("village_id", "name", "pk")

    def export_rows(self, records):
        for partner in records:
            pillars = [str(n) for n in (1, 2, 3, 4) if getattr(partner, f"supports_pillar_{n}")]
            yield {
                "kode_desa": partner.village_id,
                "nama_lembaga": partner.name,
                "jenis": imports.PARTNER_KIND_LABELS.get(partner.kind, partner.kind),
                "pilar": ";".join(pillars) or None,
            }
