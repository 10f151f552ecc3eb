"""Numbers as the page's language writes them: "1.234" and "100,0%" in
Indonesian, "1,234" and "100.0%" in English. Templates use the ``number`` and
``percent`` filters (desmigratif/templatetags/numbers.py); views that build
hundreds of table cells use ``formatter()``, which reads the separators once.
Exports never come here: they keep plain numbers."""

from decimal import Decimal

from django.utils.formats import get_format, number_format

EMPTY = "–"


def format_number(value, decimal_pos=None):
    """A count or an amount, grouped: 1234 -> "1.234"; a float gets one decimal."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, float) and decimal_pos is None:
        decimal_pos = 1
    return number_format(value, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


def format_percent(value, decimal_pos=1):
    """100 -> "100,0%" (one decimal, so that a column of shares lines up)."""
    if value is None or value == "":
        return EMPTY
    return f"{format_number(Decimal(str(value)), decimal_pos)}%"


class formatter:  # noqa: N801 - used like a function: fmt = formatter(); fmt.percent(x)
    """The two formats above for many values at once: Django's number_format
    looks the separators up on every call, which shows on a 500-row table."""

    def __init__(self):
        self.decimal = get_format("DECIMAL_SEPARATOR", use_l10n=True)
        self.thousand = get_format("THOUSAND_SEPARATOR", use_l10n=True)

    def _swap(self, text):
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousand)

    def number(self, value):
        if value is None or value == "":
            return EMPTY
        if isinstance(value, float):
            return self._swap(f"{value:,.1f}")
        return self._swap(f"{value:,}")

    def percent(self, value):
        if value is None or value == "":
            return EMPTY
        return self._swap(f"{float(value):,.1f}") + "%"
