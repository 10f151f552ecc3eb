"""Dashboards at national scale: the village dashboard of the largest village
and the overview of all villages (ministry user) on the household bench
(500 villages, 1,000,000 members) with the coordination records of
bench/coverage.py. Times the pages in-process with django.test.Client.
Prints figures; asserts nothing.

The overview, map and export read the stored figures per village
(dashboards.aggregates), so no process cache is involved: "cold" is the
first request of a fresh process with an empty cache, "warm" the median of
the next ones. Also printed: counting every village again (what the job does
once a day, and after a deployment), counting a few changed villages (what it
does every minute), and the village dashboard with its stored figures against
counting them.

Run with `make bench`, or directly (after bench/households.py and
bench/coverage.py have filled the database):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/dashboards.py

The developer's DATABASE_URL is never used. Nothing is written but the
pillar tables (migrated, left empty if they were), the stored figures and
the bench user.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
WARM_UPS = 3
RUNS = 20


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    hosts = os.environ.get("ALLOWED_HOSTS") or "127.0.0.1,localhost"
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return url


def bench_user():
    from desmigratif.models import Role, User

    user, _created = User.objects.update_or_create(
        username="bench-ministry", defaults={"role": Role.MINISTRY, "scope_id": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def time_page(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UPS):
        response = client.get(url)
    if response.status_code != 200:
        return None
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    db_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    return statistics.median(times), p90, len(queries), db_ms


def main():
    url = configure()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.utils import OperationalError
    from django.test import Client
    from sign_in import sign_in  # bench/sign_in.py: past the second factor

    from villages.models import Household, Village

    try:
        connection.ensure_connection()
    except OperationalError as error:
        print(f"dashboards bench: cannot connect ({url}): {str(error).strip().splitlines()[0]}")
        print("Fill the bench database first: `make bench`.")
        sys.exit(1)
    if "villages_village" not in connection.introspection.table_names() or not Village.objects.exists():
        print(f"dashboards bench: no enrolled villages in {url}; fill it first with `make bench`.")
        sys.exit(1)
    # The pages read the pillar records: their tables must exist (empty is fine).
    call_command("migrate", "pillars", verbosity=0)
    call_command("migrate", "coordination", verbosity=0)
    call_command("migrate", "dashboards", verbosity=0)

    largest = (
        Household.objects.values("village_id").annotate(n=Count("id")).order_by("-n", "village_id").first()
    )
    code = largest["village_id"] if largest else Village.objects.order_by("area_id").first().area_id
    villages = Village.objects.count()
    from villages.models import Member

    members = Member.objects.filter(household__village_id=code).count()
    print(
        f"dashboards bench on {connection.vendor}: {villages} villages; largest village {code} "
        f"({largest['n'] if largest else 0:,} households, {members:,} members)"
    )

    from django.core.cache import cache

    from dashboards import aggregates
    from dashboards.models import VillageFigures

    # Every village counted again from scratch: the job's daily run (and its
    # first run after the migration). Everything after reads current figures.
    VillageFigures.objects.update(computed_on=None)
    started = time.perf_counter()
    counted = aggregates.refresh_stale()
    full_s = time.perf_counter() - started
    if connection.vendor == "postgresql":  # as autovacuum would, after 500 updates in a row
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dashboards_villagefigures")
    print(
        f"\nStored figures: counting all {counted} villages again took {full_s:.1f} s "
        f"({full_s * 1000 / max(counted, 1):.0f} ms a village; the job's daily run)"
    )

    client = Client(raise_request_exception=False)  # a failing page prints "failed"
    sign_in(client, bench_user())
    connection.queries_log.clear()
    pages = (
        (f"overview ({villages} villages)", "/dasbor/"),
        ("overview sorted, page 5", "/dasbor/?sort=-overall&page=5"),
        ("map", "/dasbor/peta/"),
        ("map points (JSON)", "/dasbor/peta/titik.json"),
    )
    for _label, page_url in pages:  # templates loaded, the process warm
        client.get(page_url)
    print(f"\nCold: the cache emptied before each of {RUNS} runs (figures current, as the job keeps them).")
    header = f"{'page':<34} {'median ms':>10} {'queries':>8} {'KB':>7}"
    print(header)
    print("-" * len(header))
    from django.test.utils import CaptureQueriesContext

    for label, page_url in pages:
        times = []
        for _ in range(RUNS):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(page_url)
                times.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<34} {statistics.median(times):>10.1f} {len(queries):>8} "
            f"{len(response.content) / 1024:>7.1f}"
        )

    print(
        f"\nWarm: server time in-process (django.test.Client), ministry user, "
        f"{WARM_UPS} warm-ups + {RUNS} runs each."
    )
    header = f"{'page':<34} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'query ms':>9}  target"
    print(header)
    print("-" * len(header))
    for label, page_url, target in (
        ("village dashboard (largest)", f"/dasbor/desa/{code}/", "< 150 ms median"),
        (f"overview ({villages} villages)", "/dasbor/", "< 300 ms median"),
        ("overview sorted, page 5", "/dasbor/?sort=-overall&page=5", "< 300 ms median"),
        ("overview export .xlsx", "/dasbor/ekspor.xlsx", "-"),
        ("map", "/dasbor/peta/", "< 300 ms median"),
        ("map points (JSON)", "/dasbor/peta/titik.json", "-"),
    ):
        result = time_page(client, page_url)
        if result is None:
            print(f"{label:<34} failed")
            continue
        median, p90, queries, db_ms = result
        print(f"{label:<34} {median:>10.1f} {p90:>8.1f} {queries:>8} {db_ms:>9.1f}  {target}")

    # Quarter-end: villages keep changing. The job counts the changed ones.
    stale_codes = list(Village.objects.order_by("area_id").values_list("pk", flat=True)[:50])
    aggregates.mark_changed(stale_codes)
    started = time.perf_counter()
    aggregates.refresh_stale()
    job_ms = (time.perf_counter() - started) * 1000
    print(f"\nThe job counting {len(stale_codes)} changed villages: {job_ms:.0f} ms")
    # A regency officer's overview right after their own change: counted inline.
    aggregates.mark_changed([code])
    started = time.perf_counter()
    client.get("/dasbor/")
    inline_ms = (time.perf_counter() - started) * 1000
    print(f"overview with its largest village just changed (counted inline): {inline_ms:.0f} ms")

    # The village dashboard: stored figures against counting them (app CPU).
    from dashboards.indicators import village_counts

    def cpu_ms(stale):
        times = []
        for _ in range(RUNS):
            if stale:
                aggregates.mark_changed([code])
            started = time.process_time()
            client.get(f"/dasbor/desa/{code}/")
            times.append((time.process_time() - started) * 1000)
        return statistics.median(times)

    stored, recount = cpu_ms(False), cpu_ms(True)
    started = time.perf_counter()
    village_counts(code)
    print(
        f"village dashboard (largest), app CPU median: {stored:.1f} ms with stored figures, "
        f"{recount:.1f} ms when it must count them ({recount / stored:.1f}x); "
        f"counting alone {(time.perf_counter() - started) * 1000:.0f} ms wall"
    )


if __name__ == "__main__":
    main()
