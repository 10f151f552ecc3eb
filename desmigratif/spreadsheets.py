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
import itertools
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
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.worksheet._reader import ROW_TAG as ROW_ELEMENT_TAG
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

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
UTF8_BOM = codecs.BOM_UTF8
# Excel's plain "CSV (Comma delimited)" on Windows writes the ANSI code page,
# Windows-1252 in Indonesia; a file that is not valid UTF-8 is read as that.
CSV_FALLBACK_ENCODING = "cp1252"
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", CSV_FALLBACK_ENCODING: "Windows-1252"}
# Control characters no spreadsheet program writes in Windows-1252 text: a
# file that is not UTF-8 and holds them is some other kind of file.
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# Cell types of a formula's saved result that may be an empty text.
SAVED_TEXT_TYPES = frozenset(["str", "s", "inlineStr"])
SHEET_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
# The header row may have title rows above it: the first rows with data that
# are searched for the required column names.
HEADER_SEARCH_ROWS = 10

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
    spreadsheet; ``header_row`` is the header's (1 unless title rows are
    above it) and the data rows are those below it. Empty cells are None;
    fully empty rows are skipped.

    What was read, for the user: ``sheet_name`` (a workbook's sheet) and
    ``encoding`` (a CSV's, as ENCODING_NAMES spells it). ``header_hint`` is a
    message when the required columns were asked for and no row searched
    has them all (the header row is then the closest one)."""

    def __init__(self, columns, rows, *, header_row=1, sheet_name=None, encoding=None, header_hint=None):
        self.columns = columns
        self._rows = rows
        self.header_row = header_row
        self.sheet_name = sheet_name
        self.encoding = encoding
        self.header_hint = header_hint

    def __iter__(self):
        return self._rows

    def __next__(self):
        return next(self._rows)

    def read_from(self):
        """What was read, as the import's report keeps it."""
        return {"sheet": self.sheet_name, "header_row": self.header_row, "encoding": self.encoding}


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


def _header_search(candidates, required):
    """Which of ``candidates`` (the first rows with data, as values) is the
    header: the first with every required column name, else the one with
    most of them. (index, whether it has them all, how many it has)."""
    if not required:
        return 0, True, 0
    best, best_count = 0, -1
    for index, values in enumerate(candidates):
        names = (normalise_header(value) for value in values if not _is_empty(value))
        count = len(required.intersection(names))
        if count == len(required):
            return index, True, count
        if count > best_count:
            best, best_count = index, count
    return best, False, best_count


def _header_not_found(required, sheets=None):
    params = {"rows": HEADER_SEARCH_ROWS, "required": ", ".join(sorted(required))}
    if sheets is None:
        return (
            _(
                "No row among the first %(rows)s rows of the file has all the required columns "
                "(%(required)s). The header row (the column names of the template) must be one of them."
            )
            % params
        )
    return _(
        "No row among the first %(rows)s rows of the sheets looked at (%(sheets)s) has all the "
        "required columns (%(required)s). The header row (the column names of the template) must "
        "be one of them."
    ) % {**params, "sheets": ", ".join(f"“{name}”" for name in sheets)}


def read_rows(uploaded_file_or_path, filename=None, *, required=(), sheet_name=None) -> SheetRows:
    """Read an uploaded .csv or .xlsx; see SheetRows. The file's name (or
    ``filename``) decides the format. An unreadable file raises ValidationError
    with a message the user can act on.

    ``required`` (normalised column names) lets the header row sit below
    title rows: it is the first of the first HEADER_SEARCH_ROWS rows with
    data that has all of them. In a workbook, the sheet titled like
    ``sheet_name`` is read, else the first sheet with such a header row.
    Without ``required``, the header is the first row with data of the
    first sheet."""
    name = filename or getattr(uploaded_file_or_path, "name", None) or str(uploaded_file_or_path)
    extension = Path(str(name)).suffix.lower()
    required = frozenset(required)
    if extension == ".csv":
        return _read_csv(_source(uploaded_file_or_path), required)
    if extension == ".xlsx":
        return _read_xlsx(_source(uploaded_file_or_path), required, sheet_name)
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


def _binary_chunks(source):
    if isinstance(source, Path):
        with open(source, "rb") as handle:
            yield from iter(lambda: handle.read(INFLATE_CHUNK), b"")
    else:
        source.seek(0)
        try:
            yield from iter(lambda: source.read(INFLATE_CHUNK), b"")
        finally:
            source.seek(0)


def csv_encoding(chunks):
    """The encoding of a CSV file: "utf-8-sig" (UTF-8 with a byte order
    mark), "utf-8", or Windows-1252 (CSV_FALLBACK_ENCODING) when it is not
    valid UTF-8. ``chunks()`` gives the file's bytes in chunks, afresh on
    each call. A file that is neither, or that holds control characters no
    text file has, raises ValidationError."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    bom = None
    try:
        for chunk in chunks():
            if bom is None:
                bom = chunk.startswith(UTF8_BOM)
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        if bom:
            raise _not_text() from None
    else:
        return "utf-8-sig" if bom else "utf-8"
    # Windows-1252 leaves five bytes undefined; Python's codec refuses them.
    decoder = codecs.getincrementaldecoder(CSV_FALLBACK_ENCODING)()
    try:
        for chunk in chunks():
            if BINARY_BYTES.search(chunk):
                raise _not_text()
            decoder.decode(chunk)
    except UnicodeDecodeError:
        raise _not_text() from None
    return CSV_FALLBACK_ENCODING


def _csv_clean(value):
    if value == "":
        return None
    return unquote_text(value)


def _sniff_delimiter(header_line):
    counts = {}
    for delimiter in (",", ";"):
        counts[delimiter] = len(next(csv.reader([header_line], delimiter=delimiter)))
    return ";" if counts[";"] > counts[","] else ","


def _not_text():
    return ValidationError(
        _(
            "The CSV file is not text in UTF-8 or Windows-1252 (perhaps it is another kind of file "
            "renamed .csv). In Excel choose Save As, CSV UTF-8 (Comma delimited) (*.csv), or upload "
            "the workbook (.xlsx) instead."
        ),
        code="encoding",
    )


def _broken_csv(error):
    return ValidationError(
        _("The CSV file cannot be read (%(reason)s). Save it again from the spreadsheet program."),
        code="broken_csv",
        params={"reason": str(error)},
    )


def _csv_records(lines, delimiter, limit):
    """The first records of ``lines`` with their row numbers, up to ``limit``
    records with data; a record cut off at the end of the lines is dropped."""
    found = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for row_number, values in enumerate(reader, start=1):
            if not all(_is_empty(value) for value in values):
                found.append((row_number, values))
                if len(found) == limit:
                    break
    except csv.Error:
        pass
    return found


def _csv_header(head, first_line, required):
    """The delimiter and the header record (row number, values) among the
    first lines ``head``, and whether it has every required column."""
    sniffed = _sniff_delimiter(first_line.rstrip("\r\n"))
    best = None
    # The sniffed delimiter first: on a tie it wins.
    for delimiter in (sniffed, ";" if sniffed == "," else ","):
        records = _csv_records(head, delimiter, HEADER_SEARCH_ROWS)
        if not records:
            continue
        index, found, count = _header_search([values for _number, values in records], required)
        if found:
            return delimiter, records[index], True, count
        if best is None or count > best[3]:
            best = (delimiter, records[index], False, count)
    return best


def _read_csv(source, required=frozenset()):
    if next(_binary_chunks(source), b"").startswith(ZIP_MAGIC):
        raise ValidationError(
            _("This file is an Excel workbook, not a CSV file: upload it with the .xlsx extension."),
            code="workbook_as_csv",
        )
    encoding = csv_encoding(lambda: _binary_chunks(source))
    lines = _binary_lines(source)
    first = next(lines, b"")
    decoder = codecs.getincrementaldecoder(encoding)()

    def decoded():
        yield decoder.decode(first)
        for line in lines:
            yield decoder.decode(line)
        if tail := decoder.decode(b"", final=True):
            yield tail

    text_lines = decoded()
    # The first lines, enough for HEADER_SEARCH_ROWS records with data; the
    # header is looked for in them, and they are read again with the rest.
    head, with_data = [], 0
    for line in text_lines:
        head.append(line)
        if line.strip():
            with_data += 1
            if with_data == HEADER_SEARCH_ROWS + 1:
                break
    first_line = next((line for line in head if line.strip()), "")
    if not first_line:
        raise ValidationError(_("The file is empty."), code="empty")
    found_header = _csv_header(head, first_line, required)
    if found_header is None:
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter, (header_row, header), found, count = found_header
    names = _header_names(header)
    columns = [name for name in names if name]
    hint = None
    if not found:
        hint = _header_not_found(required)
        if not count:
            # No column name at all: a title row, not a header with unknown columns.
            columns = []

    reader = csv.reader(itertools.chain(head, text_lines), delimiter=delimiter)

    def rows():
        limit = RowLimit()
        try:
            for row_number, values in enumerate(reader, start=1):
                if row_number <= header_row or all(_is_empty(value) for value in values):
                    continue
                limit.count(values)
                yield row_number, _row_dict(names, values, _csv_clean)
        except csv.Error as error:
            raise _broken_csv(error) from None

    return SheetRows(
        columns,
        rows(),
        header_row=header_row,
        encoding=ENCODING_NAMES[encoding],
        header_hint=hint,
    )


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


class _ValueParser(WorkSheetParser):
    """openpyxl's worksheet parser with data_only (a formula cell gives the
    value the spreadsheet program saved with it), noting the first formula
    cell of each row that has no saved value: programs other than Excel and
    LibreOffice (openpyxl itself) write formulas without one, and such a
    cell must not pass for an empty one."""

    uncached = None

    def parse(self):
        """(row number, cells) of each row, as WorkSheetParser.parse gives
        them, without what the rows do not need (column widths, merged
        cells, print settings). Each row is taken out of the document once
        read: openpyxl clears a read row but leaves it in the tree, 100,000
        empty elements (about 9 MB) by the end of a 100,000-row sheet."""
        rows_parent = None
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == SHEET_DATA_TAG:
                    rows_parent = element
            elif element.tag == ROW_ELEMENT_TAG:
                row = self.parse_row(element)
                element.clear()
                # The parser runs a chunk ahead, so the rows after this one are
                # already in the tree: this one is the first of them.
                if rows_parent is not None and len(rows_parent) and rows_parent[0] is element:
                    del rows_parent[0]
                yield row

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        # Only empty values are looked at again: no cost for the others.
        if cell["value"] is None and self.uncached is None and element.find(FORMULA_TAG) is not None:
            saved = element.find(VALUE_TAG)
            # A formula whose result is an empty text is saved as such (t="str"
            # and an empty <v>); openpyxl writes an empty <v/> of no type.
            if saved is None or element.get("t", "n") not in SAVED_TEXT_TYPES:
                self.uncached = f"{get_column_letter(cell['column'])}{cell['row']}"
        return cell


def _sheet_values(sheet):
    """(row number, values, the first cell with a formula and no saved value
    or None) for each row of a read-only worksheet that has cells. The rows
    are numbered as the file says, whatever size the sheet declares (some
    programs write a wrong one)."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = _ValueParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for row_number, cells in parser.parse():
            if not cells:
                continue
            values = [None] * cells[-1]["column"]
            for cell in cells:
                column = cell["column"] - 1
                if column >= len(values):  # cells out of order
                    values.extend([None] * (column + 1 - len(values)))
                values[column] = cell["value"]
            yield row_number, values, parser.uncached
            parser.uncached = None


def _formula_without_value(cell, sheet_name):
    return ValidationError(
        _(
            "Cell %(cell)s of the sheet “%(sheet)s” holds a formula with no saved value: open the file "
            "in Excel or LibreOffice and save it again, or type the value."
        ),
        code="formula_without_value",
        params={"cell": cell, "sheet": sheet_name},
    )


def _first_rows(values):
    """The first HEADER_SEARCH_ROWS rows with data of _sheet_values."""
    found = []
    for row in values:
        # A formula without a saved value is not an empty row.
        if row[2] or not all(_is_empty(value) for value in row[1]):
            found.append(row)
            if len(found) == HEADER_SEARCH_ROWS:
                break
    return found


def _xlsx_header(workbook, required, sheet_name):
    """The sheet to read, the rows of it still to come (_sheet_values), its
    first rows with data, the index of the header among them, and a hint
    when no sheet has a header row with every required column."""
    sheets = list(workbook.worksheets)
    if not sheets:
        raise _not_a_workbook()
    wanted = normalise_header(sheet_name) if sheet_name else None
    # The sheet named like the template first, then the others in order.
    sheets.sort(key=lambda sheet: normalise_header(sheet.title) != wanted)
    fallback = None
    for sheet in sheets:
        values = _sheet_values(sheet)
        first = _first_rows(values)
        if not first:
            values.close()
            continue
        index, found, count = _header_search([row[1] for row in first], required)
        if found:
            return sheet, values, first, index, None, count
        values.close()
        if fallback is None:
            fallback = sheet
        if not required:
            break
    if fallback is None:
        raise ValidationError(_("The file is empty."), code="empty")
    values = _sheet_values(fallback)
    first = _first_rows(values)
    index, _found, count = _header_search([row[1] for row in first], required)
    return fallback, values, first, index, _header_not_found(required, [s.title for s in sheets]), count


def _read_xlsx(source, required=frozenset(), sheet_name=None):
    check_xlsx_archive(source)
    try:
        # data_only: a formula cell gives the value Excel last showed, not the
        # formula; nothing is ever evaluated here.
        workbook = load_workbook(source, read_only=True, data_only=True)
    except XLSX_BROKEN_ERRORS:
        raise _not_a_workbook() from None
    try:
        sheet, values, first, index, hint, count = _xlsx_header(workbook, required, sheet_name)
        header_row, header, uncached = first[index]
        if uncached:
            raise _formula_without_value(uncached, sheet.title)
        names = _header_names([_xlsx_clean(value) for value in header])
    except XLSX_BROKEN_ERRORS:
        workbook.close()
        raise _not_a_workbook() from None
    except ValidationError:
        workbook.close()
        raise
    columns = [name for name in names if name]
    if hint and not count:
        # No column name at all: a title row, not a header with unknown columns.
        columns = []

    def rows():
        limit = RowLimit()
        try:
            for row_number, row, uncached in itertools.chain(first[index + 1 :], values):
                if uncached:
                    raise _formula_without_value(uncached, sheet.title)
                if all(_is_empty(value) for value in row):
                    continue
                limit.count(row)
                yield row_number, _row_dict(names, row, _xlsx_clean)
        except XLSX_BROKEN_ERRORS:
            raise _not_a_workbook() from None
        finally:
            values.close()
            workbook.close()

    return SheetRows(columns, rows(), header_row=header_row, sheet_name=sheet.title, header_hint=hint)
