"""Hostile workbooks for the import limits: a small .xlsx whose sheet unpacks
to far more than it should, optionally with a zip directory that lies about
the unpacked size. Built by hand (zlib and struct) so the sizes can lie, and
streamed, so building one never holds its unpacked sheet in memory."""

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

from desmigratif.spreadsheets import write_xlsx
from surveys import household_format as hf

LEVEL = 1  # fast; the ratio (about 150:1) is the one of the review's bomb
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:T1"/><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def text_row(values):
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>' for value in values)
    return f"<row>{cells}</row>".encode()


def number_row(count):
    return b"<row>" + b"<c><v>1</v></c>" * count + b"</row>"


def _deflate(chunks):
    """(compressed bytes, crc, real size) of the chunks, streamed."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    out, crc, size = io.BytesIO(), 0, 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out.write(compressor.compress(chunk))
    out.write(compressor.flush())
    return out.getvalue(), crc, size


def write_zip(path, parts, declared=None):
    """A zip of ``parts`` ({name: iterable of byte chunks}), deflated; its
    headers declare ``declared[name]`` as the unpacked size where given."""
    declared = declared or {}
    body, directory = bytearray(), bytearray()
    for name, chunks in parts.items():
        data, crc, size = _deflate(chunks)
        size = declared.get(name, size)
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        body += encoded + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))
    return path


def bomb(path, row, rows, *, header=hf.COLUMNS, declared_sheet_size=None):
    """A household survey workbook: the header, then ``row`` (bytes of one
    <row>) ``rows`` times. The other parts come from a real workbook."""
    template = io.BytesIO()
    write_xlsx([], list(header), template, hf.SHEET_NAME)
    with zipfile.ZipFile(template) as archive:
        parts = {info.filename: [archive.read(info)] for info in archive.infolist() if info.filename != SHEET}

    def sheet():
        yield SHEET_START + text_row(header)
        per_block = max(1, min(1000, 1_000_000 // len(row)))
        block = row * per_block
        for _ in range(rows // per_block):
            yield block
        yield row * (rows % per_block)
        yield SHEET_END

    parts[SHEET] = sheet()
    declared = {SHEET: declared_sheet_size} if declared_sheet_size is not None else {}
    return write_zip(path, parts, declared)
