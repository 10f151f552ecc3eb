"""App CPU per request of the village officer's pages, in production settings
(DEBUG=0: the cached template loader, no debug toolbar or query log). The load
test's target (50 users, p95 < 500 ms on 2 cores) rests on this figure: each
millisecond of CPU per request is a millisecond a worker's core is busy.

Times each page in-process with django.test.Client: time.process_time around
the request (the app's CPU, the database client's included; the database
server's own CPU is not), the median of many requests, the queries and the
templates rendered by one more request. Prints figures; asserts nothing.

Run with `make bench`, or directly on a filled bench database
(bench/households.py or bench/load_seed.py fills one):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/officer_pages.py [--runs 30] [--profile "household edit"]

Without BENCH_DATABASE_URL it uses bench/households.py's SQLite file. The
member status forms and the household form are also posted: these write to the
bench database (the household's address changes back and forth, an invalid
status change is refused without writing), and the member page logs its
full-NIK view as always.

--profile PAGE prints where that page's CPU goes instead: cProfile by own and
cumulative time, or with --sample a sampler of the CPU time (SIGPROF), which
does not inflate the many small calls of template rendering as cProfile does.
"""

import argparse
import cProfile
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Last: bench/dashboards.py must not hide the dashboards app.
sys.path.append(str(Path(__file__).resolve().parent))

WARM_UPS = 3
RUNS = 30


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{Path(tempfile.gettempdir()) / 'desmigratif-bench' / 'households.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    # Production mode as gunicorn runs it, except what needs a proxy or
    # collectstatic: HTTPS redirect and hashed static names (a dict lookup).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-requests-not-a-secret")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")


def pick_records():
    """The biggest village (as bench/households.py), a household of 4 members
    with someone abroad, a CPMI and a PMI of that village."""
    from django.db.models import Count

    from villages.models import Household, Member

    village = (
        Household.objects.values("village_id")
        .annotate(n=Count("id"))
        .order_by("-n", "village_id")
        .values_list("village_id", flat=True)
        .first()
    )
    if village is None:
        sys.exit("the bench database has no households: fill it first (bench/households.py)")
    members = Member.objects.filter(household__village_id=village)
    household = (
        Household.objects.filter(village_id=village)
        .annotate(n=Count("members"))
        .filter(n=4, members__migration_status="pmi")
        .order_by("pk")
        .first()
    )
    cpmi = members.filter(migration_status="cpmi").order_by("pk").first()
    pmi = members.filter(migration_status="pmi").order_by("pk").first()
    if household is None or cpmi is None:
        sys.exit(f"village {village} has no household of 4 with a PMI, or no CPMI (bench/households.py)")
    first = household.members.order_by("pk").first()
    # A common first name: a search that fills pages, as an officer's often does.
    return village, household, cpmi, pmi, first.name.split()[0], first.nik


def officer(village):
    from desmigratif.models import Role, User

    user, _created = User.objects.update_or_create(
        username="bench-requests-officer", defaults={"role": Role.VILLAGE_OFFICER, "scope_id": village}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def household_post(client, url):
    """The edit form as a browser submits it, with the address changed (so the
    save writes: a household and its history)."""
    from html_forms import post_form

    fields = post_form(client.get(url).content.decode(), "members-TOTAL_FORMS")
    data = {}
    for name, value in fields:
        if name == "address":
            value = "Jl. Bench 2" if value == "Jl. Bench 1" else "Jl. Bench 1"
        data.setdefault(name, []).append(value)
    return data


def pages(village, household, cpmi, pmi, name, nik):
    from django.urls import reverse

    def url(view, *args, query=""):
        return reverse(f"villages:{view}", args=args) + query

    edit = url("household_edit", village, household.pk)
    return [
        # label, method, url, data (a function of the client, called outside the timing)
        ("household list", "get", url("households", village), None),
        ("search by name", "get", url("households", village, query=f"?q={name}"), None),
        ("search by NIK", "get", url("households", village, query=f"?q={nik}"), None),
        ("member page", "get", url("member", village, pmi.pk), None),
        ("household add", "get", url("household_add", village), None),
        ("household edit", "get", edit, None),
        ("household save", "post", edit, lambda client: household_post(client, edit)),
        ("depart form", "get", url("member_depart", village, cpmi.pk), None),
        # No date: refused and shown again with its errors, nothing written.
        ("depart refused", "post", url("member_depart", village, cpmi.pk), lambda c: {"sector": "x"}),
        ("return form", "get", url("member_return", village, pmi.pk), None),
    ]


def request(client, method, page_url, data):
    if method == "get":
        return client.get(page_url)
    return client.post(page_url, data)


def measure(client, method, page_url, make_data, runs):
    cpu, wall = [], []
    for i in range(WARM_UPS + runs):
        data = make_data(client) if make_data else None
        started_cpu, started = time.process_time(), time.perf_counter()
        response = request(client, method, page_url, data)
        if i >= WARM_UPS:
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return response.status_code, statistics.median(cpu), statistics.median(wall)


def count(client, method, page_url, make_data):
    """Queries and templates of one request (the template signal needs Django's
    test instrumentation, which slows rendering: so not while timing)."""
    from django.db import connection
    from django.test.signals import template_rendered
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    data = make_data(client) if make_data else None
    templates = []

    def seen(sender, template, **kwargs):
        templates.append(template.name)

    setup_test_environment()
    template_rendered.connect(seen)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = request(client, method, page_url, data)
    finally:
        template_rendered.disconnect(seen)
        teardown_test_environment()
    return len(queries), len(templates), len(response.content)


def profile(client, method, page_url, make_data, runs):
    profiler = cProfile.Profile()
    for _ in range(WARM_UPS):
        request(client, method, page_url, make_data(client) if make_data else None)
    for _ in range(runs):
        data = make_data(client) if make_data else None
        profiler.enable()
        request(client, method, page_url, data)
        profiler.disable()
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        print(f"\n--- {runs} requests, by {order} ---")
        stats.sort_stats(order).print_stats(30)


def sample(client, method, page_url, make_data, runs, interval=0.0005):
    """Where the CPU goes, without cProfile's overhead (which inflates small
    calls such as template variable lookups): SIGPROF fires every half
    millisecond of the process's CPU time (time waiting for the database is not
    sampled), and each function is counted once per sample it is on the stack
    (cumulative) and when it is on top (own)."""
    import collections
    import signal

    own, total = collections.Counter(), collections.Counter()
    samples = 0
    bench_root = str(Path(__file__).resolve().parent.parent) + "/"

    def where(code):
        path = code.co_filename.split("site-packages/")[-1].removeprefix(bench_root)
        return f"{path}:{code.co_firstlineno} {code.co_name}"

    def on_sample(signum, frame):
        nonlocal samples
        samples += 1
        own[where(frame.f_code)] += 1
        seen = set()
        while frame is not None:
            key = where(frame.f_code)
            if key not in seen:
                total[key] += 1
                seen.add(key)
            frame = frame.f_back

    for _ in range(WARM_UPS):
        request(client, method, page_url, make_data(client) if make_data else None)
    signal.signal(signal.SIGPROF, on_sample)
    started = time.process_time()
    for _ in range(runs):
        data = make_data(client) if make_data else None
        signal.setitimer(signal.ITIMER_PROF, interval, interval)
        request(client, method, page_url, data)
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    cpu_ms = (time.process_time() - started) * 1000 / runs
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    # The kernel's tick may be coarser than the interval asked for: more runs help.
    for title, counter in (("own", own), ("cumulative", total)):
        print(
            f"\n--- {samples} CPU samples over {runs} requests of {cpu_ms:.1f} ms CPU each, {title} share ---"
        )
        for key, n in counter.most_common(45):
            print(f"{100 * n / samples:5.1f}%  {key}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"timed requests per page ({RUNS})")
    parser.add_argument("--profile", metavar="PAGE", help="profile this page (a label below) instead")
    parser.add_argument(
        "--sample", action="store_true", help="with --profile: sample the stack, not cProfile"
    )
    args = parser.parse_args()
    configure()

    import django

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django.setup()
    # The request log line is part of a request's cost: written, but not to the terminal.
    devnull = open(os.devnull, "w")  # noqa: SIM115 (open while the script runs)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    from django.db import connection
    from django.test import Client

    village, household, cpmi, pmi, name, nik = pick_records()
    client = Client()
    client.force_login(officer(village))
    page_list = pages(village, household, cpmi, pmi, name, nik)

    if args.profile:
        for label, method, page_url, make_data in page_list:
            if label == args.profile:
                how = sample if args.sample else profile
                return how(client, method, page_url, make_data, args.runs)
        sys.exit(f"no page {args.profile!r}: one of {', '.join(p[0] for p in page_list)}")

    print(
        f"\nApp CPU per request, production settings (DEBUG=0), {connection.vendor}, village {village}; "
        f"household {household.pk} (4 members); median of {args.runs} after {WARM_UPS} warm-ups"
    )
    columns = ("page", "status", "CPU ms", "wall ms", "queries", "templates", "KB")
    header = "{:<16} {:>6} {:>8} {:>8} {:>8} {:>10} {:>6}".format(*columns)
    print(header)
    print("-" * len(header))
    cpu_all = []
    for label, method, page_url, make_data in page_list:
        status, cpu, wall = measure(client, method, page_url, make_data, args.runs)
        queries, templates, size = count(client, method, page_url, make_data)
        cpu_all.append(cpu)
        figures = f"{cpu:>8.1f} {wall:>8.1f} {queries:>8} {templates:>10} {size / 1024:>6.0f}"
        print(f"{label:<16} {status:>6} {figures}")
    print(f"median over the pages: {statistics.median(cpu_all):.1f} ms CPU per request")


if __name__ == "__main__":
    main()
