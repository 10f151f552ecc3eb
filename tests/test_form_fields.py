"""The |bootstrap_field filter (desmigratif/templatetags/form_fields.py) writes
templates/_field.html in Python: its HTML must be the template's, byte for
byte, for every kind of field, bound or not, with errors and help text."""

import re

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from desmigratif.form_renderer import FormRenderer
from villages.filters import VillageFilter
from villages.forms import HouseholdSearchForm, MemberFormSet
from villages.models import Household
from villages.selectors import village_list

TRICKY = "Jl. \"Masjid\" <No. 5> & Pasar 'Baru'"


class EveryKind(forms.Form):
    name = forms.CharField(label=TRICKY, help_text="Nama <lengkap> & gelar")
    nickname = forms.CharField(required=False, label=gettext_lazy("Sector"))
    sex = forms.ChoiceField(choices=[("", "---------"), ("L", "Laki-laki"), ("P", TRICKY)])
    born = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=mark_safe("<b>x</b>")
    )
    agree = forms.BooleanField(help_text="Wajib")
    optional_box = forms.BooleanField(required=False, label="Hapus")
    secret = forms.CharField(widget=forms.HiddenInput(), required=False)
    styled = forms.CharField(widget=forms.TextInput(attrs={"class": "font-monospace"}), required=False)
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)


def rendered_both_ways(form):
    engine = engines["django"]
    include = engine.from_string('{% include "_field.html" %}')
    filtered = engine.from_string("{% load form_fields %}{{ field|bootstrap_field }}")
    for field in form:
        yield field.name, include.render({"field": field}), filtered.render({"field": field})


BOUND = [
    None,
    {"name": "", "sex": "X", "born": "kemarin", "notes": TRICKY, "agree": "", "many": ["z"]},
    {"name": TRICKY, "sex": "P", "born": "2001-02-03", "agree": "on", "optional_box": "on", "secret": TRICKY},
]


@pytest.mark.parametrize("data", BOUND, ids=["unbound", "errors", "valid"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_bootstrap_field_writes_what_the_field_template_writes(data, language):
    with override(language):
        form = EveryKind(data, renderer=FormRenderer(), auto_id="id_%s")
        if data is not None:
            form.is_valid()
        for name, expected, written in rendered_both_ways(form):
            assert written == expected, name


def test_no_auto_id_and_a_form_prefix_are_written_the_same():
    for form in (EveryKind({"name": ""}, auto_id=False), EveryKind({"x-name": ""}, prefix="x")):
        form.is_valid()
        for name, expected, written in rendered_both_ways(form):
            assert written == expected, name


@pytest.mark.django_db
def test_the_household_forms_fields_are_written_as_before(village_a):
    """The forms the filter now renders on the officer's busiest pages."""
    household = Household(village=village_a)
    members = MemberFormSet(
        {
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-0-nik": "12",
            "members-0-sex": "Q",
        },
        instance=household,
        prefix="members",
    )
    members.is_valid()
    for form in [*members.forms, members.empty_form, HouseholdSearchForm({"status": "nope"})]:
        if form.is_bound:
            form.is_valid()
        for name, expected, written in rendered_both_ways(form):
            assert written == expected, name


def without_layout_whitespace(html):
    """HTML as a browser lays it out: whitespace next to a tag is not shown."""
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", html))


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"q": TRICKY, "province": "99", "cohort_year": "x", "status": "zz"}])
def test_the_staff_filters_are_written_as_crispy_forms_wrote_them(data, ministry_user):
    """The overview's, map's and village list's filter fields, once
    ``|as_crispy_field``: the same HTML but for whitespace between tags."""
    engine = engines["django"]
    crispy = engine.from_string("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
    filtered = engine.from_string('{% load form_fields %}{{ field|bootstrap_field:"p" }}')
    for name in ("q", "province", "regency", "cohort_year", "status"):
        # A form each: crispy-forms writes its classes into the widget.
        forms_ = [
            VillageFilter(data, queryset=village_list(user=ministry_user), user=ministry_user).form
            for _renderer in range(2)
        ]
        expected = crispy.render({"field": forms_[0][name]})
        written = filtered.render({"field": forms_[1][name]})
        assert without_layout_whitespace(written) == without_layout_whitespace(expected), name
        if data and name in ("province", "cohort_year", "status"):
            assert f'<p id="error_1_id_{name}">' in written
