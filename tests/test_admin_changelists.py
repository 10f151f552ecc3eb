"""Every admin change list costs the same number of queries for one row as
for all of them: the columns come with the rows (list_select_related) and
the filters ask once, whatever the number of rows or villages."""

import datetime
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desmigratif.models import User
from tests.household_factories import HouseholdFactory
from villages.models import Area, AreaLevel, Household, Village

OUR_APPS = {"desmigratif", "villages", "pillars", "coordination", "reports", "dashboards"}


@pytest.fixture
def demo(db, area_folder, settings):
    from villages.services import areas_load

    areas_load(folder=area_folder)
    settings.DEBUG = True  # load_demo refuses to run otherwise
    call_command("load_demo", stdout=StringIO())
    settings.DEBUG = False


@pytest.fixture(autouse=True)
def session_written_once(settings):
    """The compared requests must not differ by a session write: the session
    stores the time of a request once a step (SessionLimitsMiddleware), here
    at the first request after signing in only."""
    settings.SESSION_ACTIVITY_STEP = datetime.timedelta(hours=1)


def sign_in_admin(client):
    client.force_login(User.objects.get(username="admin"))
    client.get(reverse("admin:index"))  # the session's one write


# One-row settings whose list opens the row itself: no rows to grow.
SINGLE_ROW = {"SecondFactorPolicy"}


def changelists():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OUR_APPS and model.__name__ not in SINGLE_ROW:
            yield model, model_admin


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), len(response.context["cl"].result_list)


def test_changelist_queries_do_not_grow_with_the_rows_shown(client, demo, monkeypatch):
    sign_in_admin(client)
    growing = {}
    checked = 0
    for model, model_admin in changelists():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        monkeypatch.setattr(model_admin, "list_per_page", 1)
        one, shown_one = queries_of(client, url)
        monkeypatch.setattr(model_admin, "list_per_page", 500)
        many, shown_many = queries_of(client, url)
        if shown_many < 2:
            continue
        checked += 1
        assert shown_one == 1
        if many != one:
            growing[model.__name__] = (one, many, shown_many)

    assert not growing, f"queries for 1 row, for n rows, n: {growing}"
    assert checked >= 10


def test_household_changelist_village_filter_asks_once_for_any_number_of_villages(client, demo):
    sign_in_admin(client)
    url = reverse("admin:villages_household_changelist")
    before, _shown = queries_of(client, url)
    district = Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()
    for n in range(30):
        area = Area.objects.create(
            code=f"{district.code}.{7000 + n}", name=f"Desa Uji {n}", level=AreaLevel.VILLAGE, parent=district
        )
        HouseholdFactory(village=Village.objects.create(area=area, cohort_year=2017))

    after, shown = queries_of(client, url)

    assert after == before
    assert shown == Household.objects.count()
    html = client.get(url).content.decode()
    assert "Desa Uji 29" in html  # the filter lists the new villages
