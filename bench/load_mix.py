"""App CPU per request of the load test's mix (bench/locustfile.py), in-process,
production settings (DEBUG=0, cached template loader), on the seeded load
database (bench/load_seed.py). Each page of the mix is requested as the load
users request it (officers of several villages; regency, province and ministry
staff with the locustfile's filters), time.process_time around each request;
prints the median and mean CPU per page and the mix's mean weighted as the
locustfile weighs its tasks (officers 7, staff 3). The load test's figure is
the total CPU over the requests, i.e. such a weighted mean. It saves
households in the bench database, as the load does.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/load_mix.py [--steps 600] [--profile PAGE|all] [--sample]

On a shared machine the figures of two runs a minute apart differ by 10% or
more: to compare two versions of the code, run one process of each checkout
with --lockstep (the same seed, so the same users and pages) and feed them a
line each in turn, so both take every step under the same conditions; each
prints "STEP<TAB>page<TAB>CPU ms" per request.
"""

import argparse
import collections
import cProfile
import logging
import os
import pstats
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))

OFFICER_WEIGHT, STAFF_WEIGHT = 7, 3
# Page -> weight within its user class (the locustfile's @task weights).
OFFICER_TASKS = {
    "household list": 5,
    "search by name": 2,
    "search by NIK": 2,
    "member page": 3,
    "village dashboard": 2,
    "household form": 1,
    "save household": 1,
}
STAFF_TASKS = {
    "overview (filters)": 4,
    "regency village list": 3,
    "coverage matrix": 2,
    "map": 2,
    "xlsx export": 1,
}


def configure():
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
    )
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-requests-not-a-secret")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ["OTP_REQUIRED_ROLES"] = "none"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")


def weights():
    """Share of the requests each page has in the load (save_household is two requests)."""
    officer_tasks = sum(OFFICER_TASKS.values()) - 1  # form + save are one task
    staff_tasks = sum(STAFF_TASKS.values())
    share = {}
    for page, w in OFFICER_TASKS.items():
        share[page] = OFFICER_WEIGHT / (OFFICER_WEIGHT + STAFF_WEIGHT) * w / officer_tasks
    for page, w in STAFF_TASKS.items():
        share[page] = STAFF_WEIGHT / (OFFICER_WEIGHT + STAFF_WEIGHT) * w / staff_tasks
    total = sum(share.values())
    return {page: s / total for page, s in share.items()}


class Officer:
    def __init__(self, client, village, members):
        self.client, self.village, self.members, self.base = client, village, members, f"/desa/{village}"

    tasks = {page: w for page, w in OFFICER_TASKS.items() if page != "save household"}

    def requests(self, rng, task):
        member_id, nik, name, household = rng.choice(self.members)
        if task == "household list":
            page = rng.choice(("", "", "", "?page=2", "?page=5"))
            yield task, "get", f"{self.base}/rumah-tangga/{page}", None
        elif task == "search by name":
            yield task, "get", f"{self.base}/rumah-tangga/?{urlencode({'q': name})}", None
        elif task == "search by NIK":
            yield task, "get", f"{self.base}/rumah-tangga/?{urlencode({'q': nik})}", None
        elif task == "member page":
            yield task, "get", f"{self.base}/anggota/{member_id}/", None
        elif task == "village dashboard":
            yield task, "get", f"/dasbor/desa/{self.village}/", None
        else:
            form_url = f"{self.base}/rumah-tangga/{household}/ubah/"
            yield "household form", "get", form_url, None
            yield "save household", "post", form_url, self.form_data

    def form_data(self, url, content):
        from html_forms import post_form

        fields = post_form(content, "members-TOTAL_FORMS")
        data = {}
        for name, value in fields:
            if name == "address":
                value = f"Jl. Uji Beban {random.getrandbits(40):x}"
            data.setdefault(name, []).append(value)
        return data


class StaffUser:
    def __init__(self, client, regencies):
        self.client, self.regencies = client, regencies

    def filters(self, rng):
        regency = rng.choice(self.regencies)
        return rng.choice(
            (
                {},
                {"province": regency[:2]},
                {"province": regency[:2], "regency": regency},
                {"status": "active", "sort": "-progress"},
            )
        )

    tasks = STAFF_TASKS

    def requests(self, rng, task):
        regency = rng.choice(self.regencies)
        if task == "overview (filters)":
            yield task, "get", f"/dasbor/?{urlencode(self.filters(rng))}", None
        elif task == "regency village list":
            query = urlencode({"province": regency[:2], "regency": regency})
            yield task, "get", f"/desa/?{query}", None
        elif task == "coverage matrix":
            yield task, "get", "/koordinasi/cakupan/", None
        elif task == "map":
            yield task, "get", f"/dasbor/peta/?{urlencode(self.filters(rng))}", None
        else:
            yield task, "get", f"/dasbor/ekspor.xlsx?{urlencode(self.filters(rng))}", None


def users(rng, n_officers, n_staff):
    from django.db import connection
    from django.test import Client

    from desmigratif.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT username, scope_id FROM desmigratif_user "
            "WHERE username LIKE 'petugas.%%' ORDER BY username"
        )
        officers = cursor.fetchall()
    chosen = rng.sample(officers, n_officers)
    result = []
    all_regencies = sorted({scope[:5] for _u, scope in officers})
    for username, village in chosen:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT m.id, m.nik, m.name, h.id FROM villages_member m JOIN villages_household h "
                "ON h.id = m.household_id WHERE h.village_id = %s ORDER BY m.id",
                [village],
            )
            rows = cursor.fetchall()
        step = max(1, len(rows) // 40)
        members = rows[::step][:40]
        client = Client()
        client.force_login(User.objects.get(username=username))
        result.append(Officer(client, village, members))
    roles = ("regency", "province", "regency", "ministry", "province", "regency")
    for number in range(n_staff):
        role = roles[number % 6]
        qs = User.objects.filter(role=role)
        if role != "ministry":
            qs = qs.filter(username__startswith="disnaker.")
        else:
            qs = qs.filter(username="kemnaker.beban")
        user = rng.choice(list(qs.order_by("username")))
        regencies = [r for r in all_regencies if not user.scope_id or r.startswith(user.scope_id)]
        client = Client()
        client.force_login(user)
        result.append(StaffUser(client, regencies or [user.scope_id]))
    return result


def run(people, steps, rng, hook=None, only=None, lockstep=False):
    """`steps` tasks, each of a user picked as locust would (officers 7 : staff 3)
    doing a task picked by the locustfile's weights; `only` keeps those pages."""
    cpu = collections.defaultdict(list)
    statuses = collections.defaultdict(collections.Counter)
    officers = [p for p in people if isinstance(p, Officer)]
    staff = [p for p in people if isinstance(p, StaffUser)]
    done = 0
    while done < steps:
        group = rng.choices((officers, staff), (OFFICER_WEIGHT, STAFF_WEIGHT))[0]
        person = rng.choice(group)
        task = rng.choices(list(person.tasks), list(person.tasks.values()))[0]
        if only and task not in only and not (task == "household form" and "save household" in only):
            continue
        done += 1
        if lockstep:
            # Another tree's process takes the same step in turn (bench/load_mix.py --ab).
            sys.stdin.readline()
        last = ""
        for page, method, url, make_data in person.requests(rng, task):
            data = make_data(url, last) if make_data else None
            started = time.process_time()
            if hook:
                hook(True)
            response = person.client.get(url) if method == "get" else person.client.post(url, data)
            if hook:
                hook(False)
            cpu[page].append((time.process_time() - started) * 1000)
            statuses[page][response.status_code] += 1
            if lockstep:
                print(f"STEP\t{page}\t{cpu[page][-1]:.3f}", flush=True)
            if not getattr(response, "streaming", False):
                last = response.content.decode(errors="replace")
    return cpu, statuses


def report(cpu, statuses):
    share = weights()
    print(f"{'page':<22} {'share':>6} {'n':>4} {'median':>7} {'mean':>7}  status")
    mix = 0.0
    for page in share:
        values = cpu.get(page)
        if not values:
            continue
        mean = statistics.fmean(values)
        mix += share[page] * mean
        print(
            f"{page:<22} {share[page] * 100:>5.1f}% {len(values):>4} {statistics.median(values):>7.1f} "
            f"{mean:>7.1f}  {dict(statuses[page])}"
        )
    every = [v for values in cpu.values() for v in values]
    print(
        f"weighted mix (share x mean per page): {mix:.1f} ms; all requests as run: "
        f"{statistics.fmean(every):.1f} ms mean over {len(every)}"
    )
    return mix


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--officers", type=int, default=6)
    parser.add_argument("--staff", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", help="a page, or 'all': cProfile over the timed requests")
    parser.add_argument("--sample", action="store_true", help="with --profile: a SIGPROF sampler")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--lockstep", action="store_true", help="one step per line read on stdin")
    args = parser.parse_args()
    configure()
    import django

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django.setup()
    devnull = open(os.devnull, "w")  # noqa: SIM115
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    rng = random.Random(args.seed)
    people = users(rng, args.officers, args.staff)
    only = None if not args.profile or args.profile == "all" else {args.profile}
    run(people, 60, random.Random(args.seed + 1), only=only)  # warm-up
    if not args.profile:
        cpu, statuses = run(people, args.steps, random.Random(args.seed + 2), lockstep=args.lockstep)
        report(cpu, statuses)
        return
    if args.sample:
        import signal

        own, total = collections.Counter(), collections.Counter()
        count = [0]
        root = str(Path(__file__).resolve().parent.parent) + "/"

        def where(code):
            path = code.co_filename.split("site-packages/")[-1].removeprefix(root)
            return f"{path}:{code.co_firstlineno} {code.co_name}"

        def on_sample(signum, frame):
            count[0] += 1
            own[where(frame.f_code)] += 1
            seen = set()
            while frame is not None:
                key = where(frame.f_code)
                if key not in seen:
                    total[key] += 1
                    seen.add(key)
                frame = frame.f_back

        signal.signal(signal.SIGPROF, on_sample)

        def hook(on):
            signal.setitimer(signal.ITIMER_PROF, *((0.0005, 0.0005) if on else (0, 0)))

        cpu, statuses = run(people, args.steps, random.Random(args.seed + 2), hook=hook, only=only)
        report(cpu, statuses)
        for title, counter in (("own", own), ("cumulative", total)):
            print(f"\n--- {count[0]} samples, {title} ---")
            for key, n in counter.most_common(args.top):
                print(f"{100 * n / count[0]:5.1f}%  {key}")
        return
    profiler = cProfile.Profile()

    def hook(on):
        profiler.enable() if on else profiler.disable()

    cpu, statuses = run(people, args.steps, random.Random(args.seed + 2), hook=hook, only=only)
    report(cpu, statuses)
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        stats.sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
