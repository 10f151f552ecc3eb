"""Draws the portal's icons (favicon and the web app manifest's icons) into
static/icons/. Pure Python, so that no image library is needed to rebuild
them: ``python tools/make_icons.py``. The drawing is a white house on the
navbar's blue, kept inside the middle 60% so that phones may crop the icon to
a circle or a rounded square (a "maskable" icon)."""

import struct
import zlib
from pathlib import Path

BLUE = (10, 88, 202)
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
# The house, in units of the icon's side: roof triangle, walls, door.
ROOF = ((0.5, 0.2), (0.8, 0.47), (0.2, 0.47))
WALLS = (0.27, 0.45, 0.73, 0.8)
DOOR = (0.44, 0.6, 0.56, 0.8)


def _inside_triangle(x, y, triangle):
    (ax, ay), (bx, by), (cx, cy) = triangle

    def side(px, py, qx, qy):
        return (x - qx) * (py - qy) - (px - qx) * (y - qy)

    d1, d2, d3 = side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def _inside_box(x, y, box):
    left, top, right, bottom = box
    return left <= x <= right and top <= y <= bottom


def pixel(x, y):
    if _inside_box(x, y, DOOR):
        return BLUE
    if _inside_triangle(x, y, ROOF) or _inside_box(x, y, WALLS):
        return WHITE
    return BLUE


def png(size):
    # Four samples per pixel smooth the roof's edges.
    offsets = (0.25, 0.75)
    rows = []
    for row in range(size):
        line = bytearray(b"\x00")
        for column in range(size):
            samples = [pixel((column + dx) / size, (row + dy) / size) for dx in offsets for dy in offsets]
            line += bytes(round(sum(channel) / len(samples)) for channel in zip(*samples, strict=True))
        rows.append(bytes(line))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def ico(png_data, size):
    """A .ico holding one PNG image (understood by every browser since 2007)."""
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png_data), 6 + 16)
    return directory + entry + png_data


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
    (OUT / "apple-touch-icon.png").write_bytes(png(180))
    (OUT / "favicon.ico").write_bytes(ico(png(32), 32))


if __name__ == "__main__":
    main()
