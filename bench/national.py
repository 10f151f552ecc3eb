"""Issue 11's national-scale targets: builds (once) a PostgreSQL database of
3,000 villages and 10,000,000 members and times, as each user meets them in
production settings (DEBUG=0, in-process with django.test.Client), the
overview, map and coverage matrix for ministry staff, the regency and province
overviews, possible duplicates, an officer's household list and NIK search,
and the admin's NIK search. Every request is timed with the cache emptied
first (at quarter-end, when every village enters data, it always is). Prints
one TARGET line per target: median, target, met or missed, and the size it
ran at. Asserts nothing.

Run with `make bench-national` (not part of `make bench`: the first build of
10,000,000 members takes about 11 minutes on this 2-core machine, 4.5 GB), or
directly (the database must exist):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_national \\
        .venv/bin/python bench/national.py
    BENCH_DATABASE_URL=... .venv/bin/python bench/national.py --villages 60 --members 200000

The build reuses bench/households.py's COPY fill and bench/load_seed.py's
users of every role (password `desmigratif-beban-uji`), adds
bench/coverage.py's coordination records and counts the dashboards' stored
figures, as the worker keeps them. A database already filled at the asked
size is reused (only figures that went stale are counted again); --refill
builds it again. The developer's DATABASE_URL is never used.
"""

import argparse
import contextlib
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_national"
VILLAGES = 3_000
MEMBERS = 10_000_000
WARM_UPS = 2
RUNS = 9
# bench/households.py writes NIK and No. KK serials of 4 digits per village,
# and its biggest village gets up to 1.5 times the mean.
MAX_MEMBERS_PER_VILLAGE = 6_000
# One village per district: bench/households.py's eight provinces have 2,742
# districts, so a larger build also draws on these migrant-sending provinces,
# in this order (Sumatera Utara, Sulawesi Selatan, Kalimantan Barat,
# Sumatera Selatan).
MORE_PROVINCES = ("12", "73", "61", "16")


def bench_module(name):
    """bench/<name>.py, loaded from its file: some are named like an app
    (dashboards) or an installed package (coverage)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


officer_pages = bench_module("officer_pages")
load_seed = bench_module("load_seed")
fill_bench = load_seed.fill_bench  # bench/households.py
coverage_bench = bench_module("coverage")
search_bench = bench_module("search")
sign_in = bench_module("sign_in")


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["BENCH_DATABASE_URL"] = url
    officer_pages.configure()  # production settings, as gunicorn runs them
    # The cache this process empties is its own (local memory), never a shared Redis.
    os.environ.pop("REDIS_URL", None)
    return url


# --- Building ---------------------------------------------------------------------------


def national_spread(total):
    """Villages per province: bench/load_seed.py's spread while each province
    has enough districts, the rest in MORE_PROVINCES."""
    from django.db.models import Count
    from django.db.models.functions import Left

    from villages.models import Area, AreaLevel

    districts = dict(
        Area.objects.filter(level=AreaLevel.DISTRICT)
        .values(province=Left("code", 2))
        .annotate(n=Count("code"))
        .values_list("province", "n")
    )
    spread = {
        province: min(count, districts.get(province, 0))
        for province, count in load_seed.province_villages(total).items()
    }
    for province in MORE_PROVINCES:
        missing = total - sum(spread.values())
        if missing <= 0:
            break
        spread[province] = min(missing, districts.get(province, 0))
    if sum(spread.values()) < total:
        sys.exit(f"only {sum(spread.values()):,} districts to put one village in; ask for fewer villages")
    return spread


@contextlib.contextmanager
def bare_tables(models):
    """COPY into the tables without their plain indexes and foreign keys, then
    build each index once and check each foreign key with one join: millions
    of rows into a trigram index and half a dozen b-trees one at a time, and a
    deferred check queued per row, would take several times as long. Run
    inside a transaction, so a failed fill leaves the tables as they were. The
    indexes behind primary keys and unique constraints (NIK, No. KK) stay."""
    from django.db import connection

    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes i
               WHERE schemaname = current_schema() AND tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    print(
        f"  {len(indexes)} indexes built and {len(foreign_keys)} foreign keys checked "
        f"in {time.perf_counter() - started:.0f} s"
    )


def build(villages, members, refill):
    """The database at this size; returns the enrolled village codes."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from coordination.models import MOU
    from dashboards import aggregates
    from villages.models import Household, Member, Village
    from villages.services import areas_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    areas_load()
    print(f"migrate + load_areas {time.perf_counter() - started:.0f} s")
    rng = random.Random(fill_bench.SEED)
    codes = fill_bench.choose_village_codes(rng, national_spread(villages))
    fill_bench.enrol_villages(codes, rng)
    enrolled = Village.objects.count()
    present = Member.objects.count()
    if present == members and enrolled == villages and not refill:
        print(f"fill skipped: {present:,} members in {enrolled:,} villages already there (--refill)")
    else:
        if enrolled != villages:
            sys.exit(
                f"{enrolled:,} villages are enrolled, not {villages:,}: "
                "build into an empty database (drop and create it)"
            )
        started = time.perf_counter()
        with transaction.atomic(), bare_tables([Member, Household]):
            households, filled = fill_bench.fill(codes, n_members=members)
        fill_s = time.perf_counter() - started
        started = time.perf_counter()
        fill_bench.analyze()
        print(
            f"fill: {households:,} households, {filled:,} members in {fill_s:.0f} s "
            f"({filled / fill_s:,.0f} members/s, indexes included); vacuum analyze "
            f"{time.perf_counter() - started:.0f} s"
        )
    started = time.perf_counter()
    users = load_seed.seed_users(codes)
    call_command("migrate", "coordination", verbosity=0)
    if not MOU.objects.filter(number__startswith=coverage_bench.BENCH_PREFIX).exists():
        coverage_bench.fill(codes)
    print(f"{users:,} users and the coordination records in {time.perf_counter() - started:.0f} s")
    # As the worker's job keeps them: current, so no page counts inline.
    started = time.perf_counter()
    counted = aggregates.refresh_stale()
    print(f"dashboard figures: {counted:,} villages counted in {time.perf_counter() - started:.0f} s")
    if counted:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dashboards_villagefigures")
    return codes


# --- Timing -----------------------------------------------------------------------------


def time_cold(client, url, runs):
    """Median and p90 ms over `runs` requests, each after emptying the cache;
    the queries of one more (the slowest one kept for a missed target)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UPS):  # the process warm: templates loaded, connection open
        response = client.get(url)
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    times = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    captured = queries.captured_queries
    return {
        "median": statistics.median(times),
        "p90": statistics.quantiles(times, n=10, method="inclusive")[8] if runs > 1 else times[0],
        "queries": len(captured),
        "query_ms": sum(float(query["time"]) for query in captured) * 1000,
        "kb": len(response.content) / 1024,
        "slowest": max(captured, key=lambda query: float(query["time"]), default=None),
    }


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def pick_records():
    """The largest village, its officer and a member halfway through it; the
    regency and province with the most villages; a NIK halfway through the
    member table."""
    from django.db.models import Count
    from django.db.models.functions import Left

    from desmigratif.models import User
    from villages.models import Household, Member, Village

    village = (
        Household.objects.values("village_id")
        .annotate(n=Count("id"))
        .order_by("-n", "village_id")
        .values_list("village_id", "n")
        .first()
    )
    local = list(
        Member.objects.filter(household__village_id=village[0]).order_by("pk").values_list("nik", flat=True)
    )

    def most_villages(length):
        return (
            Village.objects.values(prefix=Left("area_id", length))
            .annotate(n=Count("pk"))
            .order_by("-n", "prefix")
            .values_list("prefix", "n")
            .first()
        )

    regency, province = most_villages(5), most_villages(2)
    last = Member.objects.order_by("-pk").values_list("pk", flat=True).first()
    halfway = Member.objects.filter(pk__gte=last // 2).order_by("pk").values_list("nik", flat=True).first()
    users = {user.username: user for user in User.objects.filter(username__startswith="disnaker.")}
    users.update({user.username: user for user in User.objects.filter(username__startswith="petugas.")})
    return {
        "village": village,
        "village_members": len(local),
        "local_nik": local[len(local) // 2],
        "regency": regency,
        "province": province,
        "halfway_nik": halfway,
        "officer": User.objects.get(username=f"petugas.{village[0]}"),
        "regency_user": User.objects.get(username=f"disnaker.{regency[0]}"),
        "province_user": User.objects.get(username=f"disnaker.{province[0]}"),
        "ministry": User.objects.get(username=load_seed.MINISTRY_USERNAME),
    }


def targets(records):
    from desmigratif.models import Role

    code, households = records["village"]
    regency, regency_villages = records["regency"]
    province, province_villages = records["province"]
    admin = search_bench.bench_user("bench-admin", Role.ADMINISTRATOR)
    ministry = records["ministry"]
    households_url = f"/desa/{code}/rumah-tangga/"
    # label, user, url, target ms
    return [
        ("overview, ministry", ministry, "/dasbor/", 300),
        ("map, ministry", ministry, "/dasbor/peta/", 300),
        ("map points (the map's JSON), ministry", ministry, "/dasbor/peta/titik.json", 300),
        ("coverage matrix, ministry", ministry, "/koordinasi/cakupan/", 300),
        (
            f"regency overview ({regency}, {regency_villages} villages)",
            records["regency_user"],
            "/dasbor/",
            150,
        ),
        (
            f"province overview ({province}, {province_villages} villages)",
            records["province_user"],
            "/dasbor/",
            150,
        ),
        ("possible duplicates, ministry", ministry, "/desa/anggota/kemungkinan-ganda/", 1000),
        (f"household list, officer ({households:,} households)", records["officer"], households_url, 50),
        (
            "NIK search, officer",
            records["officer"],
            households_url + "?" + urlencode({"q": records["local_nik"]}),
            50,
        ),
        (
            "admin NIK search (household list)",
            admin,
            "/admin/villages/household/?" + urlencode({"q": records["halfway_nik"]}),
            100,
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=VILLAGES, help=f"villages ({VILLAGES:,})")
    parser.add_argument("--members", type=int, default=MEMBERS, help=f"members ({MEMBERS:,})")
    parser.add_argument("--refill", action="store_true", help="build again even if filled at this size")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"timed requests per target ({RUNS})")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of a missed target"
    )
    args = parser.parse_args()
    if args.members > MAX_MEMBERS_PER_VILLAGE * args.villages:
        parser.error(f"at most {MAX_MEMBERS_PER_VILLAGE:,} members a village (4-digit NIK serials)")
    url = configure()

    import logging
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django.setup()
    # Request log lines would bury the figures.
    devnull = open(os.devnull, "w")  # noqa: SIM115 (open while the script runs)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    from django.db import connection
    from django.db.utils import OperationalError
    from django.test import Client

    from villages.models import Household, Member, Village

    try:
        connection.ensure_connection()
    except OperationalError as error:
        sys.exit(f"national bench: cannot connect ({url}): {str(error).strip().splitlines()[0]}")
    if connection.vendor != "postgresql":
        sys.exit("national bench: PostgreSQL only (set BENCH_DATABASE_URL)")
    print(f"national bench: {args.villages:,} villages, {args.members:,} members into {url}")
    started = time.perf_counter()
    build(args.villages, args.members, args.refill)
    print(f"build (or reuse) {time.perf_counter() - started:.0f} s")

    size = f"{Village.objects.count():,} villages / {Member.objects.count():,} members"
    households = Household.objects.count()
    records = pick_records()
    print(
        f"size: {size} / {households:,} households, {fill_bench.database_size(None)}\n"
        f"largest village {records['village'][0]} ({records['village_members']:,} members); "
        f"{args.runs} timed requests per page after {WARM_UPS} warm-ups, the cache emptied before "
        "each; production settings (DEBUG=0), in-process"
    )
    results = []
    for label, user, page_url, target_ms in targets(records):
        client = sign_in.sign_in(Client(raise_request_exception=False), user)
        result = time_cold(client, page_url, args.runs)
        results.append((label, page_url, target_ms, result))
        if "error" in result:
            print(f"  {label}: {result['error']}")
        else:
            print(
                f"  {label}: median {result['median']:.0f} ms, p90 {result['p90']:.0f} ms, "
                f"{result['queries']} queries / {result['query_ms']:.0f} ms, {result['kb']:.0f} KB"
            )
    print()
    for label, page_url, target_ms, result in results:
        if "error" in result:
            print(f"TARGET missed  {label} < {target_ms:,} ms: {result['error']} ({page_url}) at {size}")
            continue
        met = result["median"] < target_ms
        print(
            f"TARGET {'met   ' if met else 'missed'}  {label}: {result['median']:,.0f} ms median "
            f"(target < {target_ms:,} ms, empty cache, {result['queries']} queries) at {size}"
        )
        slowest = result["slowest"]
        if not met and slowest is not None:
            # Where the time goes: the database, or the app (rendering, Python).
            print(
                f"    SQL {result['query_ms']:.0f} ms of the request, {result['kb']:.0f} KB; slowest query "
                f"{float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:300]}"
            )
            if args.explain:
                print(explain(slowest["sql"]))


if __name__ == "__main__":
    main()
