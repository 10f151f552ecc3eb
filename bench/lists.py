"""The village list and the report review queue at national scale: page size
in bytes, time and queries of the first page, a later page, a sorted and a
filtered page, as ministry staff (in-process, django.test.Client). Prints
figures; asserts nothing.

Run with `make bench`, or directly (after bench/households.py has filled the
database):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/lists.py

Once per database it adds one report per enrolled village waiting for the
ministry (Q4 of last year, submitted by a bench user). `--villages 3000`
first enrols more villages (areas not yet enrolled, spread over the country,
no households) until there are that many: run it on a copy of the bench
database, it is not undone.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
WARM_UPS = 3
RUNS = 15
HTML_BUDGET_KB = 200


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    # One log line per request would bury the figures.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    hosts = os.environ.get("ALLOWED_HOSTS") or "127.0.0.1,localhost"
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return url


def enrol_up_to(total):
    """Enrol every n-th village area not yet enrolled, so the new villages
    fall in many regencies and provinces."""
    from villages.models import Area, AreaLevel, Village

    missing = total - Village.objects.count()
    if missing <= 0:
        return 0
    free = list(
        Area.objects.filter(level=AreaLevel.VILLAGE, desmigratif__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    step = max(1, len(free) // missing)
    Village.objects.bulk_create(
        (Village(area_id=code, cohort_year=2017 + n % 8) for n, code in enumerate(free[::step][:missing])),
        batch_size=2000,
    )
    return missing


def bench_user():
    from desmigratif.models import Role, User

    user, _created = User.objects.update_or_create(
        username="bench-ministry", defaults={"role": Role.MINISTRY, "scope_id": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def fill_reports(user):
    """One report waiting for the ministry per enrolled village that has none
    for the quarter; the snapshot of one village stands for all (same size)."""
    from django.db import transaction
    from django.utils import timezone

    from reports.models import ProgressReport, ReviewEvent
    from reports.services import take_snapshot
    from villages.models import Village

    year = timezone.localdate().year - 1
    villages = list(Village.objects.exclude(progress_reports__year=year, progress_reports__quarter=4))
    if not villages:
        return 0
    snapshot = take_snapshot(villages[0], year, 4)
    now = timezone.now()
    text = "Kegiatan berjalan sesuai rencana; rincian di lampiran. " * 6
    with transaction.atomic():
        reports = ProgressReport.objects.bulk_create(
            (
                ProgressReport(
                    village=village,
                    year=year,
                    quarter=4,
                    status=ProgressReport.Status.REGENCY_ACCEPTED,
                    narrative_migration_services=text,
                    narrative_productive_business=text,
                    narrative_community_parenting=text,
                    narrative_cooperative=text,
                    snapshot=snapshot,
                    snapshot_taken_at=now,
                    submitted_by=user,
                    submitted_at=now,
                )
                for village in villages
            ),
            batch_size=500,
        )
        ReviewEvent.objects.bulk_create(
            (
                ReviewEvent(report=report, actor=user, action=action, at=now)
                for report in reports
                for action in (ReviewEvent.Action.SUBMITTED, ReviewEvent.Action.ACCEPTED_BY_REGENCY)
            ),
            batch_size=2000,
        )
    return len(reports)


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
        response = client.get(url)
    return statistics.median(times), len(queries), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=0, help="enrol villages until there are this many")
    args = parser.parse_args()
    configure()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from sign_in import sign_in  # bench/sign_in.py: past the second factor

    from reports.models import ProgressReport
    from villages.models import Village

    # Only what this bench writes (the bench database is shared); the report
    # snapshots need the dashboards' tables too (bench/households.py migrates all).
    call_command("migrate", "reports", verbosity=0)
    if args.villages:
        added = enrol_up_to(args.villages)
        print(f"enrolled {added:,} more villages")
    user = bench_user()
    added = fill_reports(user)
    if added:
        print(f"added {added:,} reports waiting for the ministry")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    waiting = ProgressReport.objects.filter(status=ProgressReport.Status.REGENCY_ACCEPTED).count()
    print(
        f"lists bench on {connection.vendor}: {Village.objects.count():,} enrolled villages, "
        f"{waiting:,} reports waiting for the ministry"
    )

    client = Client()
    sign_in(client, user)
    print(f"\nIn-process (django.test.Client), ministry user, {WARM_UPS} warm-ups + {RUNS} runs each.")
    header = f"{'page':<44} {'median ms':>10} {'queries':>8} {'KB HTML':>8}"
    print(header)
    print("-" * len(header))
    pages = [
        ("village list", "/desa/"),
        ("village list, page 2", "/desa/?page=2"),
        ("village list, by regency, last page", "/desa/?sort=regency&page=last"),
        ("village list, province 33", "/desa/?province=33"),
        ("report queue", "/laporan/antrean/"),
        ("report queue, page 2", "/laporan/antrean/?page=2"),
        ("report queue, by village, last page", "/laporan/antrean/?sort=village&page=last"),
        ("coverage matrix", "/koordinasi/cakupan/"),
        ("coverage matrix, page 2", "/koordinasi/cakupan/?page=2"),
        ("coverage matrix, by regency, last page", "/koordinasi/cakupan/?sort=regency&page=last"),
    ]
    for label, url in pages:
        result = time_page(client, url)
        if result is None:
            print(f"{label:<44} failed")
            continue
        median, queries, size = result
        over = "  OVER BUDGET" if size > HTML_BUDGET_KB * 1024 else ""
        print(f"{label:<44} {median:>10.1f} {queries:>8} {size / 1024:>8.0f}{over}")
    print(f"(budget: no page over {HTML_BUDGET_KB} KB of HTML)")


if __name__ == "__main__":
    main()
