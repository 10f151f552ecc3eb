"""The load test's own tools (bench/load_seed.py, bench/html_forms.py,
bench/server_cpu.py): the users it signs in as exist with the known
password, the seed makes the number of members asked for, a form is
submitted as a browser would, and the app servers' CPU is counted once."""

import os
import socket
import sys
from pathlib import Path

import pytest
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import households as fill_bench  # noqa: E402
import load_seed  # noqa: E402
from html_forms import post_form  # noqa: E402
from server_cpu import Reading, cpu_used, server_processes  # noqa: E402

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


MASTER, OLD_WORKER, WORKER, NEW_WORKER, KILLED_MASTER, KILLED_WORKER = 100, 101, 102, 103, 200, 201


def test_a_worker_restarted_during_the_run_is_counted_for_the_window_only():
    """gunicorn restarts a worker after max_requests: its master's children
    time then holds the worker's whole life, the part before the window too."""
    before = {
        MASTER: Reading(own=10.0, children=0.0, ppid=1),
        OLD_WORKER: Reading(own=50.0, children=0.0, ppid=MASTER),
        WORKER: Reading(own=40.0, children=0.0, ppid=MASTER),
    }
    after = {
        # OLD_WORKER used 3 s more, exited and was reaped: 53 s into the master.
        MASTER: Reading(own=10.5, children=53.0, ppid=1),
        WORKER: Reading(own=44.0, children=0.0, ppid=MASTER),
        NEW_WORKER: Reading(own=2.0, children=0.0, ppid=MASTER),
    }

    assert cpu_used(before, after) == pytest.approx(0.5 + 3.0 + 4.0 + 2.0)


def test_a_killed_server_takes_its_cpu_with_it_and_takes_nothing_from_the_rest():
    before = {
        MASTER: Reading(own=10.0, children=0.0, ppid=1),
        WORKER: Reading(own=40.0, children=0.0, ppid=MASTER),
        KILLED_MASTER: Reading(own=9.0, children=0.0, ppid=1),
        KILLED_WORKER: Reading(own=45.0, children=0.0, ppid=KILLED_MASTER),
    }
    after = {
        MASTER: Reading(own=10.2, children=0.0, ppid=1),
        WORKER: Reading(own=47.0, children=0.0, ppid=MASTER),
    }

    assert cpu_used(before, after) == pytest.approx(0.2 + 7.0)


def test_the_processes_listening_on_a_port_are_read_with_their_parent():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        found = server_processes([port])

    assert set(found) == {os.getpid()}
    assert found[os.getpid()].ppid == os.getppid()
    assert found[os.getpid()].own > 0
