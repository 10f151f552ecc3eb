"""Household survey exports: the same spreadsheet the import reads.

The caller decides who may see full NIKs (desmigratif.access) and logs it
(villages.services.id_number_access_log); this module only writes."""

import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from villages.household_format import COLUMNS, SHEET_NAME, member_to_row
from villages.spreadsheets import write_csv, write_xlsx

CHUNK_SIZE = 2000
# Workbooks up to this size stay in memory while they are written.
XLSX_IN_MEMORY_BYTES = 10 * 1024 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def _rows(members_queryset, full_ids):
    members = members_queryset.select_related("household__village").iterator(chunk_size=CHUNK_SIZE)
    for member in members:
        yield member_to_row(member, full_ids=full_ids)


def export_members_response(
    members_queryset, *, fmt: str, full_ids: bool, filename_stem: str
) -> HttpResponse:
    """A download of the members, one row each: CSV streamed as the rows are
    read, or an .xlsx workbook written to a temporary file first (a zip cannot
    be streamed row by row)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    filename = f"{filename_stem}.{fmt}"
    rows = _rows(members_queryset, full_ids)
    if fmt == "csv":
        response = StreamingHttpResponse(write_csv(rows, COLUMNS), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        # FileResponse closes the file once it is sent.
        stream = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_BYTES)  # noqa: SIM115
        try:
            write_xlsx(rows, COLUMNS, stream, SHEET_NAME)
        except BaseException:
            stream.close()
            raise
        stream.seek(0)
        response = FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
