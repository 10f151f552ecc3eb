"""Writing and reading survey spreadsheets (.csv and .xlsx) safely.

Safe means three things here:

- A text that a spreadsheet would run as a formula (it starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) is never written as one. In
  CSV it gets a leading ``'`` (the usual CSV-injection defence); in .xlsx it is
  an explicit string cell, which Excel never evaluates.
- Reading gives back what was written: the ``'`` we added is removed again, so
  our own export imports to the original values, and a formula-looking text
  stays text.
- A hostile workbook cannot exhaust the server: the zip is checked before
  openpyxl opens it (number of entries, the uncompressed size it declares and
  the size it really inflates to), rows and cells are counted while they are
  read (settings.IMPORT_MAX_ROWS, IMPORT_MAX_CELLS), and openpyxl parses XML
  with defusedxml when it is installed (it is, see the tests).

The column-specific rules (labels, numbers, dates) live in
``surveys.household_format``; this module knows nothing about households.
"""

import codecs
import copy
import csv
import datetime
import io
import re
import zipfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The first characters quote_text may act on (see _needs_quote).
QUOTED_STARTS = frozenset([*DANGEROUS_PREFIXES, "'"])
CSV_DATE_FORMAT = "%d/%m/%Y"
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_TEXT_FORMAT = "@"
XLSX_MAX_TITLE = 31

# Parts of an uploaded workbook, checked on the zip directory before any
# XML is parsed; the unpacked size is settings.IMPORT_MAX_UNPACKED_MB.
MAX_XLSX_ENTRIES = 1000
INFLATE_CHUNK = 1024 * 1024
# Python's zipfile reads a part up to the size its directory declares; to
# measure what the compressed bytes really inflate to, it is told this.
UNBOUNDED_SIZE = 1 << 62
# openpyxl builds a whole row (and iterparse its element tree) before
# handing it over: one row of millions of cells would be a bomb of its own.
# Excel itself stops at 16,384 columns.
MAX_CELLS_PER_ROW = 16_384
WORKSHEETS = "xl/worksheets/"
# Start tags of rows and cells in a worksheet's XML, with or without a prefix.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")

CSV_CHUNK_ROWS = 500
ZIP_MAGIC = b"PK\x03\x04"

# OOXML strings escape characters XML cannot hold as _xHHHH_ (ST_Xstring);
# a literal "_xHHHH_" in the text is itself escaped as "_x005F_xHHHH_".
OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
OOXML_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# Characters an XML text node cannot keep as they are: control characters, and
# the carriage return, which XML parsers turn into a line feed.
OOXML_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")

XLSX_BROKEN_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,  # a part the workbook needs is missing
    EOFError,
    ValueError,  # includes defusedxml's refusals (entities, DTDs)
    TypeError,  # openpyxl's typed attributes refuse a malformed value
    SyntaxError,  # xml.etree.ElementTree.ParseError
    InvalidFileException,
    NotImplementedError,
)


# Values ------------------------------------------------------------------


def is_dangerous(value) -> bool:
    """True for a text a spreadsheet would treat as a formula or a command."""
    return isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES)


def _needs_quote(text: str) -> bool:
    # A text that already starts with ' followed by something we would quote is
    # quoted too, so that reading (which removes one ') gives it back unchanged.
    return is_dangerous(text) or (text.startswith("'") and _needs_quote(text[1:]))


def quote_text(text: str) -> str:
    """The text as it is written to a CSV cell."""
    return f"'{text}" if _needs_quote(text) else text


def unquote_text(text: str) -> str:
    """The inverse of quote_text, applied to every text cell read."""
    return text[1:] if text.startswith("'") and _needs_quote(text[1:]) else text


def normalise_header(text) -> str:
    """ "No KK", "no-kk", " NO_KK " -> "no_kk"."""
    text = str(text or "").replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-_]+", "_", text).strip("_")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime(CSV_DATE_FORMAT)
    if isinstance(value, str):
        # Most texts start with a letter or digit: nothing to check.
        return quote_text(value) if value[:1] in QUOTED_STARTS else value
    return str(value)


def _xlsx_text(text: str) -> str:
    text = OOXML_LITERAL.sub(r"_x005F_\1", text)
    return OOXML_UNSAFE_CHARS.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _xlsx_untext(text: str) -> str:
    if "_x" not in text:
        return text
    return OOXML_ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)


# Writing -----------------------------------------------------------------


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, text):
        return text


def iter_csv(rows, columns):
    """The CSV as text chunks: a byte order mark, the header and the rows,
    several rows per chunk. For StreamingHttpResponse or a text file."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([quote_text(column) for column in columns])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([_csv_cell(row.get(column)) for column in columns]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def write_csv(rows, columns, stream=None):
    """Write rows (dicts keyed by column) as UTF-8 CSV with a byte order mark,
    comma separated, dates as DD/MM/YYYY, formula-looking texts quoted with '.

    Without a stream, return the generator of text chunks (for streaming).
    A text stream must be opened with encoding="utf-8" and newline="";
    a binary stream receives UTF-8 bytes."""
    chunks = iter_csv(rows, columns)
    if stream is None:
        return chunks
    binary = isinstance(stream, io.BufferedIOBase | io.RawIOBase) or "b" in getattr(stream, "mode", "")
    for chunk in chunks:
        stream.write(chunk.encode("utf-8") if binary else chunk)
    return stream


def _xlsx_cell(sheet, value):
    """A value for a write-only row: plain values where openpyxl gets the type
    right by itself (it is much faster), a cell where it would not."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    # Quote only what reading would otherwise change ('= -> =): a string cell
    # already keeps =, +, -, @ from being run.
    if unquote_text(text) != text:
        text = f"'{text}"
    text = _xlsx_text(text)
    if text.startswith("=") or text in ERROR_CODES or text.isdigit():
        # openpyxl would write "=..." as a formula and "#N/A" as an error:
        # force a string cell. Digits (NIK, No. KK, RT) get the Text format,
        # so Excel keeps them as text when the user edits the cell.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        if text.isdigit():
            cell.number_format = XLSX_TEXT_FORMAT
        return cell
    return text


def write_xlsx(rows, columns, path_or_stream, sheet_title):
    """Write rows (dicts keyed by column) to a one-sheet workbook: a header row,
    dates as date cells shown DD/MM/YYYY, every text as a string cell (never a
    formula, and numbers kept as text such as NIKs stay text)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "-", sheet_title)[:XLSX_MAX_TITLE])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(len(column) + 6, 22))
    sheet.append([_xlsx_cell(sheet, column) for column in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(column)) for column in columns])
    workbook.save(path_or_stream)
    return path_or_stream


# Reading -----------------------------------------------------------------


class SheetRows:
    """The rows of an uploaded sheet: iterate for (row_number, {column: value}).

    ``columns`` are the normalised header names in file order, so the caller
    can report unknown ones; a value in a column without a header comes under
    the column letter ("H"). Row numbers are those the user sees in the
    spreadsheet: the header is row 1. Empty cells are None; fully empty rows
    are skipped."""

    def __init__(self, columns, rows):
        self.columns = columns
        self._rows = rows

    def __iter__(self):
        return self._rows

    def __next__(self):
        return next(self._rows)


def _source(uploaded_file_or_path):
    """A path or a seekable binary file object, rewound."""
    if isinstance(uploaded_file_or_path, str | Path):
        return Path(uploaded_file_or_path)
    if hasattr(uploaded_file_or_path, "temporary_file_path"):
        return Path(uploaded_file_or_path.temporary_file_path())
    uploaded_file_or_path.seek(0)
    return uploaded_file_or_path


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _header_names(cells):
    """Normalised names by position; None where the header cell is empty."""
    names = [normalise_header(cell) or None for cell in cells]
    while names and names[-1] is None:
        names.pop()
    if not names:
        raise ValidationError(_("The file has no header row."), code="no_header")
    present = [name for name in names if name]
    repeated = sorted({name for name in present if present.count(name) > 1})
    if repeated:
        raise ValidationError(
            _("These columns appear more than once in the header row: %(columns)s."),
            code="repeated_columns",
            params={"columns": ", ".join(repeated)},
        )
    return names


def _row_dict(names, values, clean):
    row = dict.fromkeys(name for name in names if name)
    for index, value in enumerate(values):
        value = clean(value)
        name = names[index] if index < len(names) else None
        if name:
            row[name] = value
        elif value is not None:
            # Data under no header: keep it under its column letter ("H") so the
            # caller reports the column instead of losing the value.
            row[get_column_letter(index + 1)] = value
    return row


def read_rows(uploaded_file_or_path, filename=None) -> SheetRows:
    """Read an uploaded .csv or .xlsx; see SheetRows. The file's name (or
    ``filename``) decides the format. An unreadable file raises ValidationError
    with a message the user can act on."""
    name = filename or getattr(uploaded_file_or_path, "name", None) or str(uploaded_file_or_path)
    extension = Path(str(name)).suffix.lower()
    if extension == ".csv":
        return _read_csv(_source(uploaded_file_or_path))
    if extension == ".xlsx":
        return _read_xlsx(_source(uploaded_file_or_path))
    if extension in (".xls", ".ods", ".xlsm"):
        raise ValidationError(
            _("This spreadsheet type cannot be read. In Excel choose Save As, Excel Workbook (.xlsx)."),
            code="old_format",
        )
    raise ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."), code="extension")


# CSV


def _binary_lines(source):
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            yield from handle
    else:
        yield from source


def _csv_clean(value):
    if value == "":
        return None
    return unquote_text(value)


def _sniff_delimiter(header_line):
    counts = {}
    for delimiter in (",", ";"):
        counts[delimiter] = len(next(csv.reader([header_line], delimiter=delimiter)))
    return ";" if counts[";"] > counts[","] else ","


def _not_utf8():
    return ValidationError(
        _(
            "The CSV file is not UTF-8 text. In Excel choose Save As, CSV UTF-8 "
            "(Comma delimited) (*.csv), or upload the workbook (.xlsx) instead."
        ),
        code="encoding",
    )


def _broken_csv(error):
    return ValidationError(
        _("The CSV file cannot be read (%(reason)s). Save it again from the spreadsheet program."),
        code="broken_csv",
        params={"reason": str(error)},
    )


def _read_csv(source):
    lines = _binary_lines(source)
    first = next(lines, b"")
    if first.startswith(ZIP_MAGIC):
        raise ValidationError(
            _("This file is an Excel workbook, not a CSV file: upload it with the .xlsx extension."),
            code="workbook_as_csv",
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def decoded():
        try:
            yield decoder.decode(first)
            for line in lines:
                yield decoder.decode(line)
            if tail := decoder.decode(b"", final=True):
                yield tail
        except UnicodeDecodeError:
            raise _not_utf8() from None

    text_lines = decoded()
    # Skip blank lines before the header; the header's record number stays right.
    header_line = ""
    skipped = 0
    for line in text_lines:
        if line.strip():
            header_line = line
            break
        skipped += 1
    if not header_line:
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter = _sniff_delimiter(header_line.rstrip("\r\n"))

    def records():
        yield header_line
        yield from text_lines

    reader = csv.reader(records(), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise _broken_csv(error) from None
    names = _header_names(header)

    def rows():
        row_number = 1 + skipped
        limit = RowLimit()
        try:
            for values in reader:
                row_number += 1
                if all(_is_empty(value) for value in values):
                    continue
                limit.count(values)
                yield row_number, _row_dict(names, values, _csv_clean)
        except csv.Error as error:
            raise _broken_csv(error) from None

    return SheetRows([name for name in names if name], rows())


# XLSX


def _not_a_workbook():
    return ValidationError(
        _(
            "This file is not an Excel workbook (.xlsx) or it is damaged. Open it in Excel and "
            "save it again as Excel Workbook (.xlsx), or upload a CSV file."
        ),
        code="not_xlsx",
    )


def unpacked_limit_bytes():
    return settings.IMPORT_MAX_UNPACKED_MB * 1024 * 1024


def _unpacks_too_large():
    return ValidationError(
        _(
            "This workbook is too large to import once unpacked (more than %(size)s MB or "
            "%(entries)s parts). Split it into smaller files or upload it as CSV."
        ),
        code="too_large",
        params={"size": settings.IMPORT_MAX_UNPACKED_MB, "entries": MAX_XLSX_ENTRIES},
    )


def check_xlsx_archive(source):
    """Refuse a workbook whose zip could exhaust memory or disk when opened
    (a "zip bomb"): too many entries, or more than IMPORT_MAX_UNPACKED_MB of
    data, first as the zip's directory declares it, then as the compressed
    bytes really inflate, counted while they stream through a bounded buffer
    and stopped as soon as the limit is passed. Python's zipfile reads a part
    only up to its declared size, so a part that inflates to more than it
    declares is refused as damaged: openpyxl would read it cut short."""
    limit = unpacked_limit_bytes()
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_XLSX_ENTRIES or sum(entry.file_size for entry in entries) > limit:
                raise _unpacks_too_large()
            inflated = 0
            for entry in entries:
                counter = SheetCounter() if entry.filename.startswith(WORKSHEETS) else None
                real = _inflate_counting(archive, entry, limit - inflated, counter)
                if real is None:
                    raise _unpacks_too_large()
                if real != entry.file_size:
                    raise _not_a_workbook()
                inflated += real
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, ValueError):
        raise _not_a_workbook() from None
    finally:
        if not isinstance(source, Path):
            source.seek(0)


def _inflate_counting(archive, entry, budget, counter=None):
    """The number of bytes ``entry`` really inflates to, or None as soon as it
    passes ``budget``; one chunk in memory at a time. A worksheet's rows and
    cells are counted on the way (SheetCounter)."""
    unbounded = copy.copy(entry)
    unbounded.file_size = UNBOUNDED_SIZE
    total = 0
    with archive.open(unbounded) as stream:
        while chunk := stream.read(INFLATE_CHUNK):
            total += len(chunk)
            if total > budget:
                return None
            if counter:
                counter.feed(chunk)
    if counter:
        counter.feed(b"", final=True)
    return total


def _count_cells(xml):
    return xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/")


def _count_cells_prefixed(xml):
    return len(CELL_TAG.findall(xml))


class SheetCounter:
    """Counts the row and cell tags of a worksheet's XML as it streams by, so
    a workbook with more rows or cells than an import may hold (or one row
    too long to parse) is refused at upload, before any XML is parsed. The
    rows counted include the header and any empty formatted row; the reader
    counts the rows with data again (RowLimit)."""

    TAIL = 256  # a tag cut by a chunk's end is kept for the next chunk

    def __init__(self):
        self.tail = b""
        self.rows = self.cells = self.row_cells = 0
        self.limit = RowLimit(max_rows=settings.IMPORT_MAX_ROWS + 1)

    def feed(self, chunk, final=False):
        data = self.tail + chunk
        cut = len(data)
        if not final:
            cut = data.rfind(b"<")
            if cut < 0 or len(data) - cut > self.TAIL:
                cut = max(0, len(data) - self.TAIL)
        body, self.tail = data[:cut], data[cut:]
        if b":row" in body or b":c" in body:
            # Prefixed tags (<x:row>): the slower, general way.
            segments = ROW_TAG.split(body)
            cells_in = _count_cells_prefixed
        else:
            segments = body.split(b"<row")
            cells_in = _count_cells
        self._cells(cells_in(segments[0]))
        for segment in segments[1:]:
            self.row_cells = 0
            self.limit.count_row()
            self._cells(cells_in(segment))

    def _cells(self, number):
        self.row_cells += number
        self.limit.count_cells(number)
        if self.row_cells > MAX_CELLS_PER_ROW:
            self.limit.count_cells(self.limit.max_cells)  # refused as too many cells


class RowLimit:
    """Counts the rows (with data) and cells read, and stops reading with a
    message at IMPORT_MAX_ROWS or IMPORT_MAX_CELLS: the pipeline keeps a
    file's rows until it writes them, so their number is what bounds its
    memory."""

    def __init__(self, max_rows=None):
        self.rows = 0
        self.cells = 0
        self.max_rows = max_rows or settings.IMPORT_MAX_ROWS
        self.max_cells = settings.IMPORT_MAX_CELLS

    def count(self, values):
        self.count_row()
        self.count_cells(len(values))

    def count_row(self):
        self.rows += 1
        if self.rows > self.max_rows:
            raise ValidationError(
                _(
                    "The file has more than %(limit)s rows, more than one import may hold. Split it "
                    "into smaller files (for example one per village)."
                ),
                code="too_many_rows",
                params={"limit": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)},
            )

    def count_cells(self, number):
        self.cells += number
        if self.cells > self.max_cells:
            raise ValidationError(
                _(
                    "The file has more than %(limit)s cells, more than one import may hold. Delete "
                    "the columns that are not part of the sheet, or split the file into smaller files."
                ),
                code="too_many_cells",
                params={"limit": number_format(self.max_cells, force_grouping=True)},
            )


def _xlsx_clean(value):
    if isinstance(value, str):
        if value == "":
            return None
        return unquote_text(_xlsx_untext(value))
    return value


def _xlsx_header(workbook):
    """The rows iterator, the header's row number and the header names."""
    if not workbook.worksheets:
        raise _not_a_workbook()
    sheet = workbook.worksheets[0]
    # Read-only mode trusts the size the file declares and would silently drop
    # the rows beyond it; some programs write a wrong one.
    sheet.reset_dimensions()
    cells = sheet.iter_rows(values_only=True)
    for row_number, values in enumerate(cells, start=1):
        if not all(_is_empty(value) for value in values):
            return cells, row_number, _header_names([_xlsx_clean(value) for value in values])
    raise ValidationError(_("The file is empty."), code="empty")


def _read_xlsx(source):
    check_xlsx_archive(source)
    try:
        # data_only: a formula cell gives the value Excel last showed, not the
        # formula; nothing is ever evaluated here.
        workbook = load_workbook(source, read_only=True, data_only=True)
    except XLSX_BROKEN_ERRORS:
        raise _not_a_workbook() from None
    try:
        cells, header_row, names = _xlsx_header(workbook)
    except XLSX_BROKEN_ERRORS:
        workbook.close()
        raise _not_a_workbook() from None
    except ValidationError:
        workbook.close()
        raise

    def rows():
        limit = RowLimit()
        try:
            for row_number, values in enumerate(cells, start=header_row + 1):
                if all(_is_empty(value) for value in values):
                    continue
                limit.count(values)
                yield row_number, _row_dict(names, values, _xlsx_clean)
        except XLSX_BROKEN_ERRORS:
            raise _not_a_workbook() from None
        finally:
            workbook.close()

    return SheetRows([name for name in names if name], rows())
