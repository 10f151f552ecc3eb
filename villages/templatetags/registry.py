from django import template

from villages.countries import country_name
from villages.identity import mask_id_number

register = template.Library()


@register.filter
def id_number(number, full):
    """{{ member.nik|id_number:full_ids }}: the whole number only for those who may see it."""
    return number if full else mask_id_number(number)


@register.filter
def country(code):
    return country_name(code)
