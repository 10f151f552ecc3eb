"""desmigratif.form_renderer writes inputs, selects and textareas in Python:
its HTML must be Django's own, byte for byte, whatever the value."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from desmigratif.form_renderer import FormRenderer

TRICKY = "Jl. \"Masjid\" <No. 5> & Pasar 'Baru'"
CHOICES = [("", "---------"), ("a", "A & B"), ("b", gettext_lazy("Sector")), (3, 3), ("c", TRICKY)]
GROUPED = [("Asia", [("MY", "Malaysia"), ("TW", "Taiwan")]), ("EU", [("PL", "Polandia")]), ("", "---")]

WIDGETS = [
    (forms.TextInput(), ["", None, "Siti", TRICKY, mark_safe("<b>safe</b>"), 12, Decimal("1.50")]),
    (forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 32}), ["3524"]),
    (forms.TextInput(attrs={"required": True, "disabled": False, "data-x": None}), ["x"]),
    (forms.NumberInput(attrs={"step": "0.000001"}), [None, 0, -7.25, Decimal("106.123456")]),
    (forms.EmailInput(), ["a@b.id"]),
    (forms.PasswordInput(render_value=True), ["rahasia"]),
    (forms.HiddenInput(), ["", 610, "35.24.07.2004"]),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), [None, "", datetime.date(1990, 5, 12)]),
    (forms.DateInput(), [datetime.date(2021, 6, 1)]),
    (forms.DateTimeInput(), [datetime.datetime(2021, 6, 1, 13, 5)]),
    (forms.TimeInput(), [datetime.time(8, 30)]),
    (forms.CheckboxInput(), [None, False, True, "", "on", "yes"]),
    (forms.Textarea(attrs={"rows": 3}), [None, "", "line one\nline two", TRICKY, mark_safe("<i>x</i>")]),
    (forms.Select(choices=CHOICES), [None, "", "a", "b", 3, "3", "c", "missing"]),
    (forms.Select(choices=CHOICES, attrs={"class": "form-select", "aria-invalid": "true"}), ["a"]),
    (forms.Select(choices=[("x", "first x"), ("x", "second x")]), ["x"]),
    (forms.Select(choices=GROUPED), ["TW", None]),
    (forms.SelectMultiple(choices=CHOICES), [["a", "c"], [], None]),
    (forms.NullBooleanSelect(), [None, True, False]),
    (forms.RadioSelect(choices=CHOICES), ["a"]),  # not written in Python: the templates
    (forms.ClearableFileInput(), [None]),
]


@pytest.mark.parametrize(("widget", "values"), WIDGETS, ids=[type(w).__name__ for w, _v in WIDGETS])
@pytest.mark.parametrize("language", ["id", "en"])
def test_widgets_are_written_as_djangos_templates_write_them(widget, values, language):
    with override(language):
        for value in values:
            for attrs in (None, {"id": "id_members-0-x", "class": "select form-select is-invalid"}):
                expected = widget.render("members-0-x", value, attrs=attrs, renderer=DjangoTemplates())
                written = widget.render("members-0-x", value, attrs=attrs, renderer=FormRenderer())
                assert written == expected, (value, attrs)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_numbers_are_localised_as_in_the_templates():
    widget = forms.NumberInput()
    for value in (1234567, Decimal("1234.5")):
        with override("id"):
            expected = widget.render("n", value, renderer=DjangoTemplates())
            assert widget.render("n", value, renderer=FormRenderer()) == expected


def test_a_bound_form_renders_the_same_errors_and_attributes():
    class Form(forms.Form):
        name = forms.CharField(help_text="Nama lengkap")
        sex = forms.ChoiceField(choices=[("", "---------"), ("L", "Laki-laki"), ("P", "Perempuan")])
        born = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    for renderer in (DjangoTemplates(), FormRenderer()):
        form = Form({"name": "", "sex": "X", "born": "kemarin"}, renderer=renderer)
        assert not form.is_valid()
    html = [
        str(Form({"name": "", "sex": "X", "born": "x"}, renderer=renderer))
        for renderer in (DjangoTemplates(), FormRenderer())
    ]
    assert html[0] == html[1]
    assert 'aria-invalid="true"' in html[1]
