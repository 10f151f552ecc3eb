"""Helpers for the household registry tests: the field values each migration
status needs (to pass to tests/household_factories.py's MemberFactory),
family card numbers, filling the household form as a browser does, and
reading what a page shows."""

import datetime
import html
import re

from villages.models import Member

DISTRICT = "352407"  # Brondong, 35.24.07 (conftest.py)

# MemberFactory(**PMI) etc.: the fields the model asks of each status.
CPMI = {
    "migration_status": Member.Status.CPMI,
    "destination_country": "TW",
    "occupation": "PLRT",
    "channel": Member.Channel.PROCEDURAL,
}
PMI = {
    "migration_status": Member.Status.PMI,
    "destination_country": "HK",
    "sector": Member.Sector.INFORMAL,
    "occupation": "PLRT",
    "channel": Member.Channel.PROCEDURAL,
    "departure_date": datetime.date(2021, 3, 1),
}
RETURNEE = {
    "migration_status": Member.Status.RETURNEE,
    "destination_country": "MY",
    "sector": Member.Sector.FORMAL,
    "departure_date": datetime.date(2015, 6, 1),
    "return_date": datetime.date(2019, 6, 1),
}


def make_kk(serial, district=DISTRICT):
    """A family card number out of HouseholdFactory's sequence (which counts from 1)."""
    return f"{district}9{serial:09d}"


def member_fields(member_form_prefix, **fields):
    """POST fields of one member form: ``member_fields("members-1", nik=...)``."""
    return {f"{member_form_prefix}-{name}": value for name, value in fields.items()}


def add_member_form(data, **fields):
    """Add one member form to household-form data read with ``form_data``, as
    the page's "add another member" button does: copy the empty form
    (``members-__prefix__-*``), number it, raise TOTAL_FORMS, fill ``fields``."""
    index = int(data["members-TOTAL_FORMS"])
    template = {k: v for k, v in data.items() if k.startswith("members-__prefix__-")}
    for name, value in template.items():
        data[name.replace("__prefix__", str(index))] = value
    data["members-TOTAL_FORMS"] = str(index + 1)
    data.update(member_fields(f"members-{index}", **fields))
    return index


def fill_member_form(data, index, **fields):
    data.update(member_fields(f"members-{index}", **fields))


# What a page shows


# crispy-bootstrap5 prints a field's errors in a <span> ({% crispy %}) or a <p> (|crispy).
ERROR_NEXT_TO_FIELD = re.compile(
    r'<(?:span|p) id="error_\d+_id_(?P<name>[\w-]+)"><strong>(?P<text>.*?)</strong></(?:span|p)>', re.S
)
ALERT = re.compile(r'<div class="alert alert-(?P<level>\w+)"[^>]*>(?P<text>.*?)</div>', re.S)


def errors_next_to_fields(response):
    """{field name: [messages]} as the page prints them under each field."""
    shown = {}
    for match in ERROR_NEXT_TO_FIELD.finditer(response.content.decode()):
        shown.setdefault(match["name"], []).append(html.unescape(match["text"]))
    return shown


def alerts(response, level="danger"):
    """The texts of the page's alert boxes of one level (danger, warning, success)."""
    return [
        html.unescape(match["text"]).strip()
        for match in ALERT.finditer(response.content.decode())
        if match["level"] == level
    ]


def form_errors_by_field(response):
    """{field name: [messages]} of the household form and each member form in
    the response context, named as the page names the fields."""
    expected = {
        name: list(errors) for name, errors in response.context["form"].errors.items() if name != "__all__"
    }
    for member_form in response.context["members"].forms:
        for name, errors in member_form.errors.items():
            if name != "__all__":
                expected[member_form.add_prefix(name)] = list(errors)
    return expected
