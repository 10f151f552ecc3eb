"""A late report's snapshot at national scale, on the household bench (500
villages, 1,000,000 members): the village's figures as of a past quarter's
last day from the change history (dashboards.indicators.village_indicators_as_of,
what a report for a quarter that is over stores) against the same figures
counted from the live tables (village_counts + labels, what a current
quarter's report stores when the stored figures are stale). Prints figures;
asserts nothing; writes nothing.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/report_snapshot.py
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
WARM_UPS = 1
RUNS = 5
VILLAGES = 5


def configure():
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")


def timed(function):
    for _ in range(WARM_UPS):
        function()
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main():
    configure()
    import django

    django.setup()
    from django.db.models import Count

    from dashboards.indicators import _labelled, village_counts, village_indicators_as_of
    from reports.models import previous_quarter, quarter_end, quarter_of
    from villages.models import Member, Village

    day = quarter_end(*previous_quarter(*quarter_of(datetime.date.today())))
    busiest = (
        Village.objects.annotate(n=Count("households__members"))
        .order_by("-n")
        .values_list("pk", "n")[:VILLAGES]
    )
    print(f"members in all: {Member.objects.count():,}; as of {day}")
    for code, members in busiest:
        village = Village.objects.with_area_path().get(pk=code)
        live = timed(lambda c=code, v=village: _labelled(village_counts(c), v, datetime.date.today()))
        as_of = timed(lambda v=village: village_indicators_as_of(v, day))
        print(
            f"{code} ({members:,} members): live {live * 1000:.0f} ms, "
            f"as of quarter end {as_of * 1000:.0f} ms, ratio {as_of / live:.1f}x"
        )


if __name__ == "__main__":
    main()
