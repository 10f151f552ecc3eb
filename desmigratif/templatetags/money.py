from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def format_rupiah(amount):
    """1250000 -> "Rp 1.250.000" (Indonesian grouping, no decimals), whatever
    the page's language: amounts are always read the Indonesian way."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    sign = "-" if value < 0 else ""
    whole = f"{abs(value).quantize(Decimal('1')):,}".replace(",", ".")
    return f"{sign}Rp {whole}"


@register.filter
def rupiah(amount):
    return format_rupiah(amount)
