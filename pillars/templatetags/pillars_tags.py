"""Pillar records shown on pages of the villages app, which may not import
pillars: {% load pillars_tags %}{% member_trainings member as trainings %}."""

from django import template

from pillars.selectors import trainings_for_member

register = template.Library()


@register.simple_tag
def member_trainings(member):
    """The trainings (pillar II) the member took part in, newest first: one query."""
    return list(trainings_for_member(member=member))
