"""The load test's own tools (bench/load_seed.py, bench/html_forms.py): the
users it signs in as exist with the known password, the seed makes the
number of members asked for, and a form is submitted as a browser would."""

import sys
from pathlib import Path

import pytest
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import households as fill_bench  # noqa: E402
import load_seed  # noqa: E402
from html_forms import post_form  # noqa: E402

from tests.factories import RegencyFactory, VillageAreaFactory, VillageFactory  # noqa: E402


def test_a_small_seed_has_the_members_asked_for_and_the_full_one_is_unchanged():
    generator = fill_bench.Generator(["35.24.07.2004", "35.24.07.2005"], members=137)
    members = sum(len(batch_members) for _households, batch_members in generator.batches(1, 1))
    assert members == 137
    assert sum(load_seed.province_villages(20).values()) == 20
    assert load_seed.province_villages(500) == fill_bench.PROVINCE_VILLAGES


@pytest.mark.django_db
def test_seeded_users_of_every_role_sign_in_with_the_load_test_password(client):
    regency = RegencyFactory()
    codes = [
        VillageFactory(area=VillageAreaFactory(parent__parent=regency)).area_id,
        VillageFactory(area=VillageAreaFactory(parent__parent=regency)).area_id,
    ]
    assert load_seed.seed_users(codes) == 1 + 1 + 1 + 2  # ministry, province, regency, two officers
    # Seeding again (the database is reused between runs) makes no second user.
    assert load_seed.seed_users(codes) == 5
    for username in (
        f"petugas.{codes[0]}",
        f"disnaker.{regency.code}",
        f"disnaker.{regency.code[:2]}",
        load_seed.MINISTRY_USERNAME,
    ):
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": load_seed.LOAD_PASSWORD})
        assert response.status_code == 302, username


def test_a_form_is_read_as_a_browser_submits_it():
    html = """
    <form action="/i18n/setlang/" method="post"><input name="language" value="en"></form>
    <form method="post">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input name="address" value="Jl. Masjid &amp; Pasar">
      <input type="checkbox" name="agreed" checked>
      <input type="checkbox" name="newsletter">
      <input name="locked" value="x" disabled>
      <select name="sex"><option value="">---</option><option value="P" selected>P</option></select>
      <select name="relation"><option value="head">Head</option><option value="wife">Wife</option></select>
      <textarea name="notes">
line one</textarea>
      <input name="members-TOTAL_FORMS" value="1">
      <template><input name="members-__prefix__-nik" value=""></template>
      <button type="submit" name="save">Save</button>
    </form>
    """
    assert post_form(html, "members-TOTAL_FORMS") == [
        ["csrfmiddlewaretoken", "tok"],
        ["address", "Jl. Masjid & Pasar"],
        ["agreed", "on"],
        ["sex", "P"],
        ["relation", "head"],
        ["notes", "line one"],
        ["members-TOTAL_FORMS", "1"],
    ]
    assert post_form(html, "no-such-field") is None
