from django import template

from villages import countries
from villages.identity import mask_id_number

register = template.Library()


@register.filter
def id_number(number, full):
    """{{ member.nik|id_number:full_ids }}: the whole number only for those who may see it."""
    return number if full else mask_id_number(number)


@register.filter
def country(code):
    return countries.country_name(code)


@register.simple_tag
def country_datalist():
    """Once per page with country inputs (villages.forms.CountryField)."""
    return countries.country_datalist()
