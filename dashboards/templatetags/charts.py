"""Small server-rendered SVG bar charts. Each chart is an image for sighted
readers (role="img" with a summary in aria-label) and comes with a table of
the same numbers for screen readers and printing."""

from django import template
from django.utils.translation import gettext as _

from desmigratif.numbers import format_number

register = template.Library()

# Each bar's label sits on a line of its own above it, and the chart is
# about as wide as a phone: scaled to a 360 px screen, a label to the left of
# the bars came out at 6 px and was cut at the left edge.
BAR_HEIGHT = 18
GAP = 8
LABEL_HEIGHT = 16
WIDTH = 320
# Room after the longest bar for its number: about 7 units a character at font size 12.
CHAR_WIDTH = 7


def _svg(number):
    """SVG coordinates as plain strings: the template would localise a float
    ("260,0" in Indonesian), which is no SVG length."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _number(value):
    """A bar's figure as the page's language writes it: "1.234" / "1,234"."""
    return format_number(value)


@register.inclusion_tag("dashboards/_bar_chart.html")
def bar_chart(rows, title, first=None, second=None, unit=""):
    """``rows`` is a list of [label, value] or [label, value, second value]
    (two series: ``first`` and ``second`` name them, e.g. planned and
    realised)."""
    rows = [list(row) for row in rows or []]
    two = bool(rows) and len(rows[0]) > 2
    biggest = max((max(row[1:]) for row in rows), default=0) or 1
    bars = []
    longest = max((len(_number(value)) for row in rows for value in row[1:3]), default=1)
    bar_width = WIDTH - max(longest * CHAR_WIDTH + 8, 40)
    step = LABEL_HEIGHT + BAR_HEIGHT * (2 if two else 1) + GAP
    for index, row in enumerate(rows):
        y = index * step
        values = row[1:3] if two else row[1:2]
        bars.append(
            {
                "label": row[0],
                "label_y": _svg(y + LABEL_HEIGHT - 4),
                "parts": [
                    {
                        "y": _svg(y + LABEL_HEIGHT + n * BAR_HEIGHT),
                        "width": _svg(bar_width * (value or 0) / biggest),
                        "value": _number(value),
                        "text_x": _svg(bar_width * (value or 0) / biggest + 4),
                        "text_y": _svg(y + LABEL_HEIGHT + n * BAR_HEIGHT + BAR_HEIGHT - 5),
                        "series": n,
                    }
                    for n, value in enumerate(values)
                ],
                "values": [_number(value) for value in values],
            }
        )
    summary = "; ".join(f"{bar['label']}: {', '.join(bar['values'])}" for bar in bars)
    return {
        "title": title,
        "bars": bars,
        "two": two,
        "first": first or _("Number"),
        "second": second,
        "unit": unit,
        "empty": not rows or not any(any(v for v in row[1:]) for row in rows),
        "width": str(WIDTH),
        "height": str(max(len(rows) * step - GAP, BAR_HEIGHT)),
        "label_width": "0",
        "label_end": "0",
        "bar_height": str(BAR_HEIGHT - 2),
        "aria_label": f"{title}. {summary}",
    }


@register.filter
def rupiah(value):
    """12345678 -> "Rp 12.345.678"."""
    if value is None or value == "":
        return ""
    return f"Rp {int(value):,}".replace(",", ".")


@register.filter
def get(mapping, key):
    """{{ row.progress|get:"1" }}"""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def progress_band(score):
    """A score's band, named in words next to its colour (legend, map markers)."""
    if score is None:
        return "none"
    if score >= 67:
        return "high"
    if score >= 34:
        return "medium"
    return "low"
