"""The coverage matrix as a spreadsheet, written by desmigratif.spreadsheets
(every text a string cell: an agency called "=HYPERLINK(...)" stays text)."""

from django.utils.translation import gettext as _

from desmigratif.spreadsheets import write_xlsx
from pillars.models import Pillar

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def coverage_columns():
    return [
        _("Province"),
        _("Regency / city"),
        _("District"),
        _("Village"),
        _("Code"),
        *(str(label) for _value, label in Pillar.choices),
    ]


def coverage_rows(matrix):
    columns = coverage_columns()
    nobody = _("(no one)")
    for row in matrix.rows:
        values = [row.province, row.regency, row.district, row.name, row.code]
        values += [", ".join(short for short, _title in cell) or nobody for cell in row.cells]
        yield dict(zip(columns, values, strict=True))


def write_coverage_xlsx(matrix, stream):
    return write_xlsx(coverage_rows(matrix), coverage_columns(), stream, sheet_title=_("Coverage"))
