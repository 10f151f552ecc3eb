"""Sync time of offline entry: an officer's phone sends 50 entries made
without a connection (new households with their members, and departures of
people already registered) to the sync endpoint in one request, as the
offline page does. Times the batch, per entry, and the same batch sent again
(a retry after a lost answer), which must write nothing. Prints figures and
exits 1 if the resend wrote anything or an entry was not accepted.

    .venv/bin/python bench/offline_sync.py [--runs 5] [--entries 50]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database of its own> \\
        .venv/bin/python bench/offline_sync.py

Without BENCH_DATABASE_URL: a new SQLite file in the temp folder. With it,
the database must exist; the bench migrates it and keeps its own village and
officer there, and deletes that village's households at the start of each
run (so never point it at a database whose data matters). Production
settings (DEBUG=0); requests through django.test.Client with the officer
signed in, so the middleware, the session and the JSON parsing are counted;
the network is not.

Each run is a new batch of `--entries` entries for the same village: about
four in five are new households (2 to 6 members: the head, a spouse, children,
someone preparing to leave or abroad), the rest departures of CPMIs registered
before the run. The figures are medians over the runs.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CODE = "35.24.07.2004"  # Brengkok, in tests/data/wilayah
DISTRICT = "352407"
OFFICER = "bench.offline"
SEED = 2026
DEPARTURE_SHARE = 5  # one entry in five is a departure

MEN = ("Agus", "Budi", "Joko", "Slamet", "Eko", "Hadi", "Wahyu", "Ahmad", "Teguh", "Yusuf", "Rizki")
WOMEN = ("Siti", "Sri", "Dewi", "Nur", "Ani", "Rina", "Yuni", "Lestari", "Sumiati", "Fitri", "Aminah")
SURNAMES = ("Rahayu", "Santoso", "Saputra", "Pratama", "Setiawan", "Hartono", "Wibowo", "Nugroho", "Ningsih")
HAMLETS = ("Krajan", "Karanganyar", "Sukamaju", "Sidomulyo", "Tegalrejo")
COUNTRIES = (("MY", "formal"), ("TW", "informal"), ("HK", "informal"), ("SA", "informal"), ("KR", "formal"))
AGENCIES = ("PT Bina Karya Mandiri", "PT Sinar Jaya Abadi", "PT Duta Pekerja Indonesia")


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    sqlite_path = None
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="desmigratif-offline-sync-"))
        sqlite_path = folder / "db.sqlite3"
        url = f"sqlite:///{sqlite_path}"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-offline-sync-not-a-secret")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["LOG_REQUESTS"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "desmigratif.settings"
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    return sqlite_path


class Numbers:
    """NIKs and No. KKs that agree with the birth date and sex (villages.identity),
    unique in the run: a serial counts up."""

    def __init__(self, start):
        self.serial = start

    def next_serial(self):
        self.serial += 1
        return self.serial % 9999 + 1

    def nik(self, born, sex):
        day = born.day + (40 if sex == "P" else 0)
        return f"{DISTRICT}{day:02d}{born:%m%y}{self.next_serial():04d}"

    def kk(self, issued):
        return f"{DISTRICT}{issued:%d%m%y}{self.next_serial():04d}"


def birth_date(rng, youngest, oldest):
    today = datetime.date.today()
    return today - datetime.timedelta(days=rng.randint(youngest * 365, oldest * 365))


def person(rng, numbers, *, sex, relation, youngest, oldest, **fields):
    born = birth_date(rng, youngest, oldest)
    first = rng.choice(MEN if sex == "L" else WOMEN)
    return {
        "nik": numbers.nik(born, sex),
        "name": f"{first} {rng.choice(SURNAMES)}",
        "sex": sex,
        "birth_date": born.isoformat(),
        "relation": relation,
        "education": rng.choice(("sd", "smp", "sma")),
        "migration_status": "family",
        **fields,
    }


def abroad(rng, status):
    country, sector = rng.choice(COUNTRIES)
    fields = {
        "migration_status": status,
        "destination_country": country,
        "channel": "procedural",
        "placement_agency": rng.choice(AGENCIES),
    }
    if status == "pmi":
        departed = datetime.date.today() - datetime.timedelta(days=rng.randint(60, 900))
        fields |= {"sector": sector, "departure_date": departed.isoformat(), "occupation": "PLRT"}
    return fields


def household_entry(rng, numbers):
    """A family as an officer records it at the door: the head, usually a
    spouse, children, and often someone preparing to leave or abroad."""
    members = [person(rng, numbers, sex="L", relation="head", youngest=30, oldest=60)]
    if rng.random() < 0.85:
        status = rng.choice(("family", "cpmi", "pmi", "pmi"))
        spouse = person(rng, numbers, sex="P", relation="wife", youngest=25, oldest=55)
        if status != "family":
            spouse |= abroad(rng, status)
        members.append(spouse)
    adult_born = datetime.date.today() - datetime.timedelta(days=19 * 365)
    for _ in range(rng.randint(0, 4) if len(members) > 1 else rng.randint(1, 2)):
        child = person(rng, numbers, sex=rng.choice("LP"), relation="child", youngest=1, oldest=22)
        grown_up = datetime.date.fromisoformat(child["birth_date"]) < adult_born
        if grown_up and rng.random() < 0.3:
            child |= abroad(rng, "cpmi")
        members.append(child)
    issued = datetime.date.today() - datetime.timedelta(days=rng.randint(30, 3000))
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "household",
        "no_kk": numbers.kk(issued),
        "dusun": rng.choice(HAMLETS),
        "rt": f"{rng.randint(1, 8):03d}",
        "rw": f"{rng.randint(1, 4):03d}",
        "address": f"Jl. Raya Brengkok No. {rng.randint(1, 300)}",
        "members": members,
    }


def departure_entry(rng, member):
    departed = datetime.date.today() - datetime.timedelta(days=rng.randint(0, 20))
    return {
        "client_id": str(uuid.uuid4()),
        "kind": "departure",
        "member": member.pk,
        "base_version": member.household.version,
        "departure_date": departed.isoformat(),
        "sector": rng.choice(("formal", "informal")),
        "channel": "procedural",
        "placement_agency": rng.choice(AGENCIES),
    }


def prepare(numbers, rng):
    """Migrations, the test areas, the village, its officer; the village's
    households of an earlier run removed. Returns (village, officer)."""
    from django.core.management import call_command

    from desmigratif.models import Role, User
    from desmigratif.services import user_apply_role
    from offline.models import OfflineEntry
    from villages.models import Area, Village
    from villages.services import areas_load, village_enrol

    call_command("migrate", "--noinput", verbosity=0)
    if not Area.objects.filter(code=CODE).exists():
        areas_load(folder=str(Path(__file__).resolve().parent.parent / "tests" / "data" / "wilayah"))
    village = Village.objects.filter(area_id=CODE).first() or village_enrol(
        area=Area.objects.get(code=CODE), cohort_year=2017
    )
    officer = User.objects.filter(username=OFFICER).first()
    if officer is None:
        officer = User(username=OFFICER, role=Role.VILLAGE_OFFICER, scope_id=CODE, first_name="Bench")
        user_apply_role(user=officer)
        officer.set_unusable_password()
        officer.full_clean()
        officer.save()
    OfflineEntry.objects.filter(user=officer).delete()
    for household in village.households.all():
        household.delete()
    return village, officer


def register_cpmis(village, officer, numbers, rng, count):
    """Households registered before the run, each with a CPMI who then leaves
    (one departure per household: each departure changes its household's version)."""
    from villages.models import Household, Member
    from villages.services import household_save

    cpmis = []
    for _ in range(count):
        entry = household_entry(rng, numbers)
        household = Household(
            village=village, **{k: entry[k] for k in ("no_kk", "dusun", "rt", "rw", "address")}
        )
        members = []
        for data in entry["members"][:1]:
            members.append(Member(household=household, **data))
        cpmi = person(rng, numbers, sex=rng.choice("LP"), relation="child", youngest=20, oldest=30)
        members.append(Member(household=household, **(cpmi | abroad(rng, "cpmi"))))
        for member in members:
            member.birth_date = datetime.date.fromisoformat(member.birth_date)
        household_save(household=household, members=members, user=officer)
        cpmis.append(members[-1])
    return [Member.objects.select_related("household").get(pk=m.pk) for m in cpmis]


def written():
    """Rows an entry writes: records, their history, the stored answers."""
    from offline.models import OfflineEntry
    from villages.models import Household, Member

    return (
        Household.objects.count(),
        Member.objects.count(),
        Household.history.count(),
        Member.history.count(),
        OfflineEntry.objects.count(),
    )


class QueryCount:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def send(client, url, entries, queries):
    from django.db import connection

    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        response = client.post(
            url,
            json.dumps({"entries": entries}),
            content_type="application/json",
            HTTP_ACCEPT="application/json",
        )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"the sync endpoint answered {response.status_code}: {response.content[:500]!r}")
    return elapsed, response.json()["results"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="batches sent (median counts)")
    parser.add_argument("--entries", type=int, default=50, help="entries per batch (at most 200)")
    args = parser.parse_args()
    sqlite_path = configure()
    try:
        run(args)
    finally:
        if sqlite_path is not None:
            shutil.rmtree(sqlite_path.parent, ignore_errors=True)


def run(args):
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    rng = random.Random(SEED)
    numbers = Numbers(0)
    village, officer = prepare(numbers, rng)
    departures = args.entries // DEPARTURE_SHARE
    cpmis = register_cpmis(village, officer, numbers, rng, departures * args.runs)
    client = Client()
    client.force_login(officer)
    url = reverse("offline:sync", args=[CODE])
    # No collectstatic here: WhiteNoise's warning about it says nothing about syncing.
    warnings.filterwarnings("ignore", message="No directory at")
    # One warm-up request (imports, the first query of each kind) not counted.
    send(client, url, [], QueryCount())
    first, again, members_sent, failures = [], [], 0, []
    queries, queries_again = QueryCount(), QueryCount()
    for run in range(args.runs):
        mine = cpmis[run * departures : (run + 1) * departures]
        entries = [household_entry(rng, numbers) for _ in range(args.entries - departures)]
        entries += [departure_entry(rng, member) for member in mine]
        rng.shuffle(entries)
        members_sent += sum(len(e.get("members", [])) for e in entries)
        elapsed, results = send(client, url, entries, queries)
        first.append(elapsed)
        failures += [r for r in results if r["status"] != "accepted"]
        before = written()
        elapsed, results_again = send(client, url, entries, queries_again)
        again.append(elapsed)
        if written() != before:
            failures.append({"status": "resend wrote rows", "before": before, "after": written()})
        if results_again != results:
            failures.append({"status": "resend answered differently"})
    first_ms, again_ms = statistics.median(first) * 1000, statistics.median(again) * 1000
    print(
        f"offline sync, {connection.vendor}, {args.runs} batches of {args.entries} entries "
        f"({args.entries - departures} households with {members_sent / args.runs:.0f} members, "
        f"{departures} departures), median:"
    )
    per_batch = queries.count / args.runs
    print(
        f"  batch {first_ms:.0f} ms, per entry {first_ms / args.entries:.1f} ms "
        f"({per_batch:.0f} queries, {per_batch / args.entries:.1f} per entry)"
    )
    rewrote = any(f["status"] == "resend wrote rows" for f in failures)
    print(
        f"  same batch again {again_ms:.0f} ms, per entry {again_ms / args.entries:.1f} ms "
        f"({queries_again.count / args.runs:.0f} queries; nothing written: {'NO' if rewrote else 'yes'})"
    )
    print(f"  all runs, batch ms: {', '.join(f'{t * 1000:.0f}' for t in first)}")
    if failures:
        for failure in failures[:5]:
            print(f"  FAILED: {json.dumps(failure, ensure_ascii=False)[:400]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
