"""The main menu is on every page: its contrast once failed axe (white at 55%
on Bootstrap's primary blue, 2.4:1), so it has a test of its own."""

from django.urls import reverse

from tests.browser.helpers import axe_violations, describe_violations, sign_in


def in_part(page, node, within):
    return page.locator(node["target"][0]).first.evaluate(
        "(element, within) => element.closest(within) !== null", within
    )


def test_main_menu_has_enough_colour_contrast(page):
    sign_in(page, "admin")
    page.goto(reverse("villages:list"))
    violations = [
        {**violation, "nodes": nodes}
        for violation in axe_violations(page, known=[])
        if violation["id"] == "color-contrast"
        and (nodes := [node for node in violation["nodes"] if in_part(page, node, "nav.navbar")])
    ]
    assert not violations, describe_violations(violations)
