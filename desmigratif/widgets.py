"""A multiple choice that a phone can use: static/js/site.js turns it into a
list of checkboxes with a box to type part of a name; without JavaScript it
stays a plain multiple select (which phones show as a touch list)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchableSelectMultiple(forms.SelectMultiple):
    def __init__(self, attrs=None, choices=()):
        attrs = {
            "size": 8,
            "data-picker": "",
            "data-picker-filter": _("Type part of a name to find it"),
            "data-picker-chosen": _("Chosen"),
            "data-picker-none": _("Nothing matches."),
            **(attrs or {}),
        }
        super().__init__(attrs, choices)
