"""The load test: the real mix of the portal's users, for locust (headless, bounded
in time, loopback only). 70% village officers (household list, search by name
and by NIK, member page, village dashboard, saving a household through the real
form), 30% regency, province and ministry staff (overview with filters, village
list, coverage matrix, map, overview export).

The users and their villages, households and members come from the seeded
database (bench/load_seed.py, read once at the start from LOAD_DATABASE_URL,
by default the bench database of 500 villages and 1,000,000 members).
`deploy/loopback/run` (and `make load`) run it through the production stack;
directly, against a server started on the seeded database:

    LOAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench LOAD_SERVER_PORTS=8000 \\
        .venv/bin/locust -f bench/locustfile.py --headless -H http://127.0.0.1:8000 -u 50 -r 5 -t 5m

At the end it prints p50/p95 per page and overall, requests/s, failures, and
the app server's CPU time per request: utime+stime of every process listening
on LOAD_SERVER_PORTS (by default the host's port; the gunicorn master and
workers; a worker restarted in between through its master's cutime/cstime,
bench/server_cpu.py) before and after, divided by the requests; with --reset-stats from the moment
every user has started. Optional environment:

- LOAD_WAIT: seconds a user thinks between two pages, "min-max" (default 1-3)
- LOAD_WRITES_LOG: a file where every acknowledged save is appended as
  "household id<TAB>address written", for the no-lost-write check
- LOAD_SUMMARY_JSON: a file to write the figures to, as JSON
"""

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from html_forms import post_form  # bench/html_forms.py
from locust import FastHttpUser, between, events, task
from server_cpu import cpu_used, server_processes  # bench/server_cpu.py

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
PASSWORD = os.environ.get("LOAD_PASSWORD", "desmigratif-beban-uji")  # bench/load_seed.py
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SAMPLE_PER_VILLAGE = 40
EXPORT = "xlsx export"  # the page the p95 target leaves out


def _wait():
    low, _dash, high = os.environ.get("LOAD_WAIT", "1-3").partition("-")
    return between(float(low), float(high or low))


# --- The seeded data ----------------------------------------------------------------------


class Seed:
    """Users, villages and a sample of members, read once per locust process."""

    officers = []  # (username, village code)
    staff = {"regency": [], "province": [], "ministry": []}  # role -> [(username, scope)]
    members = {}  # village code -> [(member id, nik, name, household id)]
    households = {}  # village code -> [household id]

    @classmethod
    def load(cls, url):
        import psycopg2

        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT username, role, scope_id FROM desmigratif_user WHERE is_active AND "
                "(username LIKE 'petugas.%%' OR username LIKE 'disnaker.%%' OR username = 'kemnaker.beban')"
            )
            for username, role, scope in cursor.fetchall():
                if role == "village_officer":
                    cls.officers.append((username, scope))
                elif role in cls.staff:
                    cls.staff[role].append((username, scope))
            cursor.execute("SELECT count(*) FROM villages_member")
            total = cursor.fetchone()[0]
            villages = max(1, len(cls.officers))
            step = max(1, total // (villages * SAMPLE_PER_VILLAGE))
            cursor.execute(
                "SELECT h.village_id, m.id, m.nik, m.name, h.id FROM villages_member m "
                "JOIN villages_household h ON h.id = m.household_id WHERE m.id %% %s = 0",
                [step],
            )
            for village, member_id, nik, name, household_id in cursor.fetchall():
                cls.members.setdefault(village, []).append((member_id, nik, name, household_id))
                cls.households.setdefault(village, []).append(household_id)
        cls.officers.sort()
        if not cls.officers or not any(cls.staff.values()):
            raise SystemExit(f"no load-test users in {url}: run bench/load_seed.py first")


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        # A load test is an attack on whoever runs the server: only our own.
        raise SystemExit(f"bench/locustfile.py runs against loopback only, not {environment.host!r}")
    Seed.load(os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE_URL)
    Figures.environment = environment
    Figures.start()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# --- The users ----------------------------------------------------------------------------------

_officer_numbers = itertools.count()
_staff_numbers = itertools.count()


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = _wait()
    # Sign-in is a page the user waits for too, but it hashes a password (PBKDF2),
    # which a worker does once per session, not on every page: its own name.
    username = None

    def form_headers(self, path):
        # A browser names the page a form came from; over HTTPS Django's CSRF
        # check refuses a POST without it (the loopback run is behind TLS).
        return {**FORM, "Referer": f"{self.host.rstrip('/')}{path}"}

    # The password only: the load servers excuse the load users from the
    # second factor (OTP_REQUIRED_ROLES=none in deploy/loopback/run; README
    # "Two-factor sign-in"), since they share one ministry account.
    def sign_in(self, username):
        self.username = username
        response = self.client.get("/masuk/", name="sign in (form)")
        fields = post_form(response.text or "", "csrfmiddlewaretoken") or []
        token = dict(fields).get("csrfmiddlewaretoken", "")
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        with self.client.post(
            "/masuk/", data=body, headers=self.form_headers("/masuk/"), name="sign in", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"sign-in of {username} answered {response.status_code}")


class VillageOfficer(PortalUser):
    weight = 7

    def on_start(self):
        # Officers spread over the villages in turn: every village is used.
        username, self.village = Seed.officers[next(_officer_numbers) % len(Seed.officers)]
        self.sign_in(username)
        self.members = Seed.members.get(self.village) or [(None, "", "", None)]
        self.base = f"/desa/{self.village}"

    @task(5)
    def household_list(self):
        page = random.choice(("", "", "", "?page=2", "?page=5"))
        self.client.get(f"{self.base}/rumah-tangga/{page}", name="household list")

    @task(2)
    def search_by_name(self):
        _id, _nik, name, _household = random.choice(self.members)
        self.client.get(f"{self.base}/rumah-tangga/?{urlencode({'q': name})}", name="search by name")

    @task(2)
    def search_by_nik(self):
        _id, nik, _name, _household = random.choice(self.members)
        self.client.get(f"{self.base}/rumah-tangga/?{urlencode({'q': nik})}", name="search by NIK")

    @task(3)
    def member_page(self):
        member_id, *_rest = random.choice(self.members)
        if member_id:
            self.client.get(f"{self.base}/anggota/{member_id}/", name="member page")

    @task(2)
    def village_dashboard(self):
        self.client.get(f"/dasbor/desa/{self.village}/", name="village dashboard")

    @task(1)
    def save_household(self):
        *_rest, household_id = random.choice(self.members)
        if not household_id:
            return
        url = f"{self.base}/rumah-tangga/{household_id}/ubah/"
        response = self.client.get(url, name="household form")
        fields = post_form(response.text or "", "members-TOTAL_FORMS")
        if fields is None:
            return  # the GET failed and was counted
        address = f"Jl. Uji Beban {uuid.uuid4().hex[:12]}"
        fields = [(name, address if name == "address" else value) for name, value in fields]
        with self.client.post(
            url, data=urlencode(fields), headers=self.form_headers(url), name="save household",
            allow_redirects=False, catch_response=True,
        ) as saved:  # fmt: skip
            if saved.status_code != 302:
                saved.failure(f"save answered {saved.status_code} (form refused or server error)")
                return
        log = os.environ.get("LOAD_WRITES_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as stream:
                stream.write(f"{household_id}\t{address}\n")


class Staff(PortalUser):
    weight = 3

    def on_start(self):
        # Half regency, a third province, the rest ministry: the roles as many as they are.
        number = next(_staff_numbers)
        role = ("regency", "province", "regency", "ministry", "province", "regency")[number % 6]
        users = Seed.staff[role] or Seed.staff["regency"] or Seed.staff["ministry"]
        username, self.scope = users[number % len(users)]
        self.sign_in(username)
        regencies = sorted({code[:5] for code in Seed.members})
        if self.scope:
            regencies = [r for r in regencies if r.startswith(self.scope)] or [self.scope]
        self.regencies = regencies

    def _filters(self):
        regency = random.choice(self.regencies)
        return random.choice(
            (
                {},
                {"province": regency[:2]},
                {"province": regency[:2], "regency": regency},
                {"status": "active", "sort": "-progress"},
            )
        )

    @task(4)
    def overview(self):
        query = urlencode(self._filters())
        self.client.get(f"/dasbor/?{query}", name="overview (filters)")

    @task(3)
    def regency_village_list(self):
        regency = random.choice(self.regencies)
        self.client.get(
            f"/desa/?{urlencode({'province': regency[:2], 'regency': regency})}", name="regency village list"
        )

    @task(2)
    def coverage(self):
        self.client.get("/koordinasi/cakupan/", name="coverage matrix")

    @task(2)
    def village_map(self):
        self.client.get(f"/dasbor/peta/?{urlencode(self._filters())}", name="map")

    @task(1)
    def export(self):
        self.client.get(f"/dasbor/ekspor.xlsx?{urlencode(self._filters())}", name=EXPORT)


# --- Figures ----------------------------------------------------------------------------------


class Figures:
    environment = None
    ports = []
    cpu_before = None
    started = None

    @classmethod
    def start(cls):
        cls.ports = [int(p) for p in os.environ.get("LOAD_SERVER_PORTS", "").split(",") if p.strip()]
        if not cls.ports and cls.environment is not None:
            # No balancer named: the app server is the host itself.
            cls.ports = [urlsplit(cls.environment.host).port or 80]
        cls.cpu_before = server_processes(cls.ports) if cls.ports else {}
        cls.started = time.time()

    @classmethod
    def cpu_per_request_ms(cls, requests):
        if not cls.ports or not cls.cpu_before or not requests:
            return None
        return cpu_used(cls.cpu_before, server_processes(cls.ports)) * 1000 / requests


def percentile(entry, fraction):
    return entry.get_response_time_percentile(fraction) if entry.num_requests else 0


@events.spawning_complete.add_listener
def _on_spawning_complete(user_count, **_kwargs):
    # With --reset-stats the figures are the steady state, after every user has
    # started (and signed in: one PBKDF2 hash each): the CPU window follows.
    environment = Figures.environment
    if environment and environment.parsed_options and environment.parsed_options.reset_stats:
        Figures.start()


@events.test_stop.add_listener
def _on_test_stop(environment, **_kwargs):
    stats = environment.stats
    total = stats.total
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        rows.append(
            {
                "page": entry.name,
                "method": entry.method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50_ms": percentile(entry, 0.5),
                "p95_ms": percentile(entry, 0.95),
                "max_ms": round(entry.max_response_time or 0),
            }
        )
    pages = [e for e in stats.entries.values() if e.name != EXPORT and not e.name.startswith("sign in")]
    worst = max(pages, key=lambda e: percentile(e, 0.95), default=None)
    duration = max(1e-9, (total.last_request_timestamp or time.time()) - total.start_time)
    summary = {
        "users": environment.runner.user_count if environment.runner else None,
        "seconds": round(duration, 1),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "failure_percent": round(100 * total.num_failures / max(1, total.num_requests), 3),
        "requests_per_s": round(total.num_requests / duration, 1),
        "p50_ms": percentile(total, 0.5),
        "p95_ms": percentile(total, 0.95),
        "worst_page_p95_but_export": (worst.name, percentile(worst, 0.95)) if worst else None,
        "cpu_ms_per_request": Figures.cpu_per_request_ms(total.num_requests),
        "pages": rows,
        "errors": [
            {"page": e.name, "error": str(e.error)[:200], "count": e.occurrences}
            for e in stats.errors.values()
        ][:20],
    }
    print()
    print(f"{'page':<24} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for row in rows:
        print(
            f"{row['page']:<24} {row['requests']:>8} {row['failures']:>6} {row['p50_ms']:>7.0f} "
            f"{row['p95_ms']:>7.0f} {row['max_ms']:>7}"
        )
    print(
        f"{'all':<24} {total.num_requests:>8} {total.num_failures:>6} {summary['p50_ms']:>7.0f} "
        f"{summary['p95_ms']:>7.0f} {round(total.max_response_time or 0):>7}"
    )
    cpu = summary["cpu_ms_per_request"]
    print(
        f"{summary['requests_per_s']} requests/s over {summary['seconds']} s; failures "
        f"{total.num_failures} ({summary['failure_percent']}%); app server CPU per request: "
        + (f"{cpu:.1f} ms" if cpu is not None else "not measured (set LOAD_SERVER_PORTS)")
    )
    for error in summary["errors"]:
        print(f"  failed: {error['count']} x {error['page']}: {error['error']}")
    path = os.environ.get("LOAD_SUMMARY_JSON")
    if path:
        Path(path).write_text(json.dumps(summary, indent=1))
