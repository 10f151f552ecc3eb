"""Duplicates and search at national scale, on the household bench (500
villages, 1,000,000 members, filled by bench/households.py): the
possible-duplicates page for ministry staff, the admin's household list
searched by a NIK, the admin's member list searched by a name, the admin's
household list as it opens, and a village's household list searched by a
name. Times the pages in-process with django.test.Client. Prints figures;
asserts nothing.

Run with `make bench`, or directly (after bench/households.py has filled the
database):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/search.py

The developer's DATABASE_URL is never used. Nothing is written but the two
bench users.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
WARM_UPS = 2
RUNS = 10


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"  # the query log gives the SQL share of each page
    os.environ["LOG_LEVEL"] = "WARNING"  # not a request log line per run
    hosts = os.environ.get("ALLOWED_HOSTS") or "127.0.0.1,localhost"
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return url


def bench_user(username, role):
    from desmigratif.models import Role, User

    admin = role == Role.ADMINISTRATOR
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={"role": role, "scope_id": None, "is_staff": admin, "is_superuser": admin},
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
        print(f"{url}: {response.status_code}")
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
    from django.db import connection
    from django.db.models import Count
    from django.db.utils import OperationalError
    from django.test import Client
    from sign_in import sign_in  # bench/sign_in.py: past the second factor

    from desmigratif.models import Role
    from villages.models import Household, Member, Village

    try:
        connection.ensure_connection()
    except OperationalError as error:
        print(f"search bench: cannot connect ({url}): {str(error).strip().splitlines()[0]}")
        print("Fill the bench database first: `make bench`.")
        sys.exit(1)
    if "villages_village" not in connection.introspection.table_names() or not Member.objects.exists():
        print(f"search bench: no members in {url}; fill it first with `make bench`.")
        sys.exit(1)

    largest = (
        Household.objects.values("village_id").annotate(n=Count("id")).order_by("-n", "village_id").first()
    )
    code = largest["village_id"]
    members = Member.objects.count()
    # A member halfway through the table: neither the first nor the last rows.
    sample = Member.objects.order_by("pk")[members // 2]
    local = Member.objects.filter(household__village_id=code).order_by("pk").first()
    print(
        f"search bench on {connection.vendor}: {Village.objects.count()} villages, {members:,} members; "
        f"NIK of member {sample.pk}, names {sample.name!r} and {local.name!r} (village {code})"
    )

    ministry = Client()
    sign_in(ministry, bench_user("bench-ministry", Role.MINISTRY))
    administrator = Client()
    sign_in(administrator, bench_user("bench-admin", Role.ADMINISTRATOR))
    print(f"\nServer time in-process (django.test.Client), {WARM_UPS} warm-ups + {RUNS} runs each.")
    header = f"{'page':<38} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'query ms':>9}  target"
    print(header)
    print("-" * len(header))
    for label, client, page_url, target in (
        ("possible duplicates (ministry)", ministry, "/desa/anggota/kemungkinan-ganda/", "< 1000 ms"),
        ("admin household list", administrator, "/admin/villages/household/", "-"),
        (
            "admin household search, NIK",
            administrator,
            "/admin/villages/household/?" + urlencode({"q": sample.nik}),
            "< 100 ms",
        ),
        (
            "admin member search, name",
            administrator,
            "/admin/villages/member/?" + urlencode({"q": sample.name}),
            "-",
        ),
        (
            "household list search, name (ministry)",
            ministry,
            f"/desa/{code}/rumah-tangga/?" + urlencode({"q": local.name}),
            "< 50 ms",
        ),
    ):
        result = time_page(client, page_url)
        if result is None:
            print(f"{label:<38} failed")
            continue
        median, p90, queries, db_ms = result
        print(f"{label:<38} {median:>10.1f} {p90:>8.1f} {queries:>8} {db_ms:>9.1f}  {target}")


if __name__ == "__main__":
    main()
