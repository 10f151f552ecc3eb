"""One date style and one number style per language on the main pages:
"2 Des 2026", "2 Des 2026 10.00" and "50,0%" in Indonesian; "2 Dec 2026",
"2 Dec 2026 10:00" and "50.0%" in English. Dates typed into forms are day
first ("02/12/2026"), whatever the language; ISO (the date picker) is
accepted too. Years and ids are never grouped ("2026", not "2.026")."""

import datetime
import html as html_lib
import re

import pytest
import time_machine
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from coordination.models import MOU, Programme
from reports import services
from tests.dashboards.conftest import known  # noqa: F401 - the fixture, used by name below
from tests.reports.conftest import narratives

A = "35.24.07.2004"
# 10.00 in Jakarta on 2 December 2026.
NOW = datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.UTC)

STYLES = {
    "id": {"today": "2 Des 2026", "now": "2 Des 2026 10.00", "share": "50,0%", "realised": "40,0%"},
    "en": {"today": "2 Dec 2026", "now": "2 Dec 2026 10:00", "share": "50.0%", "realised": "40.0%"},
}
# Styles no page may show in its text (inputs and data attributes are not text).
OTHER_STYLES = {
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
    "day/month/year": r"\b\d{1,2}/\d{1,2}/\d{4}\b",
    "day-month-year": r"\b\d{1,2}-\d{1,2}-\d{4}\b",
    "Django's English date": r"\b[A-Z][a-z]{2,3}\.? \d{1,2}, \d{4}",
    "abbreviated month with a dot": r"\b\d{1,2} [A-Z][a-z]{2}\. \d{4}",
    "whole percent": r"(?<![\d.,])\d+%",
    "12-hour clock": r"\d(?::\d\d)? ?[ap]\.m\.",
}
WRONG_PERCENT = {"id": r"\d\.\d%", "en": r"\d,\d%"}
WRONG_TIME = {"id": r"\b\d{1,2}:\d\d\b", "en": r"\b\d{1,2}\.\d\d\b(?!\.\d)"}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield


def visible_text(response):
    """What a reader sees: the page's text without tags, attributes, scripts
    and styles (an input's value or a data attribute may keep ISO dates)."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html_lib.unescape(page).split())


@pytest.fixture
def pages(client, known, officer_a, ministry_user):  # noqa: F811 - the imported fixture
    """The main pages, each with the user who opens it."""
    report = services.report_submit(
        village=known.village, user=officer_a, year=2026, quarter=4, **narratives()
    )
    return [
        (officer_a, f"/dasbor/desa/{A}/"),
        (officer_a, f"/desa/{A}/rumah-tangga/"),
        (officer_a, f"/desa/{A}/rumah-tangga/{known.pmi.household_id}/"),
        (officer_a, f"/desa/{A}/anggota/{known.pmi.pk}/"),
        (ministry_user, "/dasbor/"),
        (officer_a, f"/laporan/{report.pk}/"),
        (ministry_user, f"/koordinasi/mou/{MOU.objects.get(number='MOU/1').pk}/"),
        (ministry_user, f"/koordinasi/program/{Programme.objects.filter(villages=known.village).get().pk}/"),
    ]


def read(client, user, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response)


@pytest.mark.parametrize("language", ["id", "en"])
def test_main_pages_write_dates_and_shares_in_one_style(client, pages, language):
    style = STYLES[language]
    texts = {url: read(client, user, url, language) for user, url in pages}

    found = [
        (url, name, match.group(), text[max(0, match.start() - 60) : match.end() + 20])
        for url, text in texts.items()
        for name, pattern in {
            **OTHER_STYLES,
            "other language's share": WRONG_PERCENT[language],
            "other language's time": WRONG_TIME[language],
        }.items()
        for match in re.finditer(pattern, text)
    ]
    assert not found, "\n".join(map(repr, found))

    dashboard, _households, _household, member, overview, report, mou, programme = texts.values()
    # Registration coverage of village A (worked out in tests/dashboards/test_indicators.py).
    assert style["share"] in dashboard and style["share"] in overview and style["share"] in report
    assert style["today"] in dashboard  # the printed page's "figures as of"
    assert style["today"] in report  # the figures' "as of" date
    assert style["now"] in report  # submitted at
    assert style["now"] in member  # the history entry
    assert "15 Jan 2018" in mou  # signed on
    assert style["realised"] in programme  # APBN: 400,000 of 1,000,000


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", ["100,0%", "33,3%", "0,0%", "–", "1.234,5%"]),
        ("en", ["100.0%", "33.3%", "0.0%", "–", "1,234.5%"]),
    ],
)
def test_the_percent_filter_writes_one_decimal_in_the_page_language(language, expected):
    template = Template(
        "{% load numbers %}{{ a|percent }}|{{ b|percent }}|{{ c|percent }}|{{ d|percent }}|{{ e|percent }}"
    )
    with translation.override(language):
        shown = template.render(Context({"a": 100, "b": 100 / 3, "c": 0, "d": None, "e": 1234.5}))
    assert shown.split("|") == expected


@pytest.mark.parametrize(("language", "expected"), [("id", "12.345"), ("en", "12,345")])
def test_counts_are_grouped_and_years_and_ids_are_not(language, expected):
    template = Template("{% load numbers %}{{ count|number }} {{ year }} {{ pk }}")
    with translation.override(language):
        shown = template.render(Context({"count": 12345, "year": 2026, "pk": 10234}))
    assert shown == f"{expected} 2026 10234"


@pytest.mark.parametrize("language", ["id", "en"])
def test_pages_print_years_without_separators(client, known, officer_a, language):  # noqa: F811
    text = read(client, officer_a, f"/dasbor/desa/{A}/", language)
    assert "2017" in text  # the cohort year
    assert "2.017" not in text and "2,017" not in text


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("typed", ["02/12/2026", "2026-12-02", "02-12-2026"])
def test_forms_read_dates_day_first_and_iso(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == datetime.date(2026, 12, 2)


@pytest.mark.parametrize("language", ["id", "en"])
def test_forms_never_read_dates_month_first(language):
    with translation.override(language), pytest.raises(forms.ValidationError):
        forms.DateField().clean("12/31/2026")
