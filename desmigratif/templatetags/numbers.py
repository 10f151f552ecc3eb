"""{{ value|number }} -> "1.234", {{ value|percent }} -> "100,0%" in the page's
language (desmigratif.numbers). Use these, never a hand-made format: years and
ids are printed plain ({{ year }}), counts and shares through these filters."""

from django import template

from desmigratif.numbers import format_number, format_percent

register = template.Library()


@register.filter(is_safe=True)
def number(value):
    return format_number(value)


@register.filter(is_safe=True)
def percent(value):
    return format_percent(value)
