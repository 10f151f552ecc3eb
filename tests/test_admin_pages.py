"""Every admin page stays small with the real number of areas: foreign keys to
areas, villages, households and members are searched (autocomplete) or typed
(raw id), never listed as every row in a <select>; and the village filters of
the lists work."""

import re
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget
from django.core.management import call_command
from django.forms import ModelChoiceField
from django.urls import reverse

from desmigratif.models import User
from pillars.models import Business
from tests.household_factories import HouseholdFactory
from villages.models import Area, AreaLevel, Household, Member, Village
from villages.services import areas_load

# The admin pages that matter: a few thousand areas stand in for the 91,605
# official ones (enough to show a page that lists them all).
EXTRA_VILLAGE_AREAS = 3000
PAGE_LIMIT = 300_000
OPTION_LIMIT = 100
GUARDED = (Area, Village, Household, Member)
OUR_APPS = {"desmigratif", "villages", "pillars", "coordination", "reports", "dashboards"}


@pytest.fixture
def many_areas(db, area_folder, settings):
    areas_load(folder=area_folder)
    settings.DEBUG = True  # load_demo refuses to run otherwise
    call_command("load_demo", stdout=StringIO())
    settings.DEBUG = False
    district = Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()
    Area.objects.bulk_create(
        Area(
            code=f"{district.code}.{6000 + n}", name=f"Desa Uji {n}", level=AreaLevel.VILLAGE, parent=district
        )
        for n in range(EXTRA_VILLAGE_AREAS)
    )
    assert Area.objects.count() > EXTRA_VILLAGE_AREAS


def admin_pages():
    """The add page of every registered model and the change page of its first record."""
    for model in admin.site._registry:
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        first = model.objects.order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])


# Permissions are a fixed list (one per model and action), not data that grows.
FIXED_LISTS = {"permissions", "user_permissions"}


def largest_select(html):
    sizes = [
        len(re.findall(r"<option\b", body))
        for name, body in re.findall(r'<select\b[^>]*?\sname="([^"]*)"[^>]*>(.*?)</select>', html, re.S)
        if name.rsplit("-", 1)[-1] not in FIXED_LISTS
    ]
    return max(sizes, default=0)


def test_every_admin_page_stays_small_with_thousands_of_areas(client, many_areas):
    client.force_login(User.objects.get(username="admin"))
    checked = 0
    too_big = []

    for url in admin_pages():
        response = client.get(url)
        if response.status_code == 403:  # add refused (areas, access log, reports): nothing to render
            continue
        assert response.status_code == 200, url
        html = response.content.decode()
        if len(response.content) >= PAGE_LIMIT or largest_select(html) > OPTION_LIMIT:
            too_big.append((url, len(response.content), largest_select(html)))
        checked += 1

    assert too_big == [], "\n".join(map(str, too_big))

    assert checked > 30


SEARCHED_WIDGETS = (AutocompleteMixin, ForeignKeyRawIdWidget)


def choice_fields(model_admin, request):
    """(where, field name, form field) of the admin's form and of each inline's form."""
    form = model_admin.get_form(request)
    for name, field in form.base_fields.items():
        yield type(model_admin).__name__, name, field
    for inline in model_admin.get_inline_instances(request):
        formset = inline.get_formset(request)
        for name, field in formset.form.base_fields.items():
            if name != formset.fk.name:  # the parent record: a hidden field, not a list
                yield type(inline).__name__, name, field


def test_no_admin_form_lists_every_area_village_household_or_member(rf, administrator):
    request = rf.get("/admin/")
    request.user = administrator
    listed = []

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for where, name, field in choice_fields(model_admin, request):
            if not isinstance(field, ModelChoiceField) or field.queryset.model not in GUARDED:
                continue
            widget = getattr(field.widget, "widget", field.widget)  # inside the "add another" wrapper
            if not isinstance(widget, SEARCHED_WIDGETS):
                listed.append(f"{where}.{name}")

    assert listed == [], listed


@pytest.fixture
def households_and_businesses(villages):
    """Two households and a business in village A, one household and a business in B."""
    a1, a2 = HouseholdFactory(village=villages.a), HouseholdFactory(village=villages.a)
    b1 = HouseholdFactory(village=villages.b)
    Business.objects.create(
        village=villages.a, name="Keripik A", owner_household=a1, kind="food", stage="starting"
    )
    Business.objects.create(
        village=villages.b, name="Terasi B", owner_household=b1, kind="food", stage="starting"
    )
    return SimpleNamespace(a=[a1, a2], b=[b1])


def village_filter_links(html):
    """The "by village" links of a change list's filter panel: {village name: link}."""
    return {
        label.split(" (")[0]: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="(\?[^"]*village[^"]*)"[^>]*>([^<]+)</a>', html)
    }


@pytest.mark.parametrize(
    ("url", "rows"),
    [
        ("/admin/villages/household/", lambda r: {h.no_kk for h in r.a}),
        ("/admin/pillars/business/", lambda r: {"Keripik A"}),
    ],
)
def test_filter_by_village_links_open_and_filter(client, administrator, households_and_businesses, url, rows):
    client.force_login(administrator)
    listing = client.get(url)
    links = village_filter_links(listing.content.decode())

    filtered = client.get(url + links["Brengkok"])

    assert set(links) >= {"Brengkok", "Lohgung"}
    assert "Namosain" not in links  # nothing recorded there: no link
    assert filtered.status_code == 200
    shown = {str(obj) for obj in filtered.context["cl"].result_list}
    assert shown == rows(households_and_businesses)
