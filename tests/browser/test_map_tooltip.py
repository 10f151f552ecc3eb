"""A village name is text on the map: a name that looks like HTML shows as
those characters in the marker's tooltip and never becomes an element."""

from django.urls import reverse

from tests.browser.helpers import sign_in
from villages.models import Village

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_village_name_with_markup_shows_as_text_in_the_map_tooltip(page):
    village = Village.objects.select_related("area").filter(latitude__isnull=False).first()
    assert village is not None, "the demo data has a village with a location"
    village.area.name = PAYLOAD
    village.area.save(update_fields=["name"])
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, "kemnaker")
    page.goto(reverse("dashboards:map"))
    markers = page.locator(".leaflet-villages-pane path.leaflet-interactive")
    markers.first.wait_for()
    tooltip = page.locator(".leaflet-tooltip")
    for index in range(markers.count()):
        markers.nth(index).hover(force=True)
        if PAYLOAD in (tooltip.first.text_content() or ""):
            break
    else:
        raise AssertionError("no marker showed the village's tooltip")

    assert tooltip.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
