"""Page weight of the officer pages in production mode: first load and repeat
visit, in KB transferred, against issue 10's targets (first load <= 150 KB
compressed, repeat visit <= 30 KB).

    .venv/bin/python bench/page_weight.py [--port 8000]

Builds the production stack in a temporary folder, as the README's recipe
does: collectstatic with DEBUG=0 (hashed names, gzip and Brotli copies),
migrate, the trimmed test areas and the demo data on a throwaway SQLite file,
gunicorn with deploy/gunicorn.conf.py and WhiteNoise. Then, as a browser with
an empty cache would, it signs in as a village officer and loads each officer
page with every stylesheet, script and image it names (and what the
stylesheets name, and /favicon.ico when no icon is named), counting the bytes
on the wire: status line, headers and body. A repeat visit is the same page
again: a static file whose answer says `immutable` with a max-age of a year or
more is not asked again (that is the header every browser honours without
revalidating); anything else is counted again in full. A village officer's
page also counts what the offline service worker it registers fetches
(Browser.service_worker_fetches); the offline page's own JSON requests are
not counted (no page's script requests are).

What the recipe's nginx sends is counted, not gunicorn's own answer: the
pages compressed with gzip at `gzip_comp_level` of deploy/nginx/desmigratif.conf
(gunicorn sends pages uncompressed; nginx's `gzip on` compresses them), and
static files as gzip (nginx's `gzip_static`; Brotli is commented out there,
so the .br copies are not counted even though WhiteNoise would send them).

With Debian's Chromium (CHROMIUM_PATH, or /usr/bin/chromium) the visits are
repeated in the browser through Playwright, for its own byte count and to see
which requests a repeat visit still sends (see measure_chromium).

tests/test_page_weight.py runs the same measurement and fails over a target.
"""

import contextlib
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FIRST_LOAD_LIMIT_KB = 150
REPEAT_VISIT_LIMIT_KB = 30
ONE_YEAR = 365 * 24 * 3600
OFFICER = "petugas.brengkok"  # desmigratif/demo.py
BROWSER_ENCODINGS = "gzip, deflate, br"
NGINX_SITE = ROOT / "deploy" / "nginx" / "desmigratif.conf"

# Run in the seeded database (DEBUG=1: load_demo refuses production): the
# officer pages of the demo village, with its largest household (the heaviest
# household form) and a member of it. URLs by name, so a changed path follows.
SEED = """
import json
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from desmigratif.demo import DEMO_PASSWORD, demo_load
from villages.models import Household
from villages.services import areas_load

areas_load(folder="tests/data/wilayah")
demo_load()
code = "35.24.07.2004"
household = (
    Household.objects.filter(village__area_id=code)
    .annotate(size=Count("members")).order_by("-size", "pk").first()
)
member = household.members.order_by("pk").first()
pages = [
    ["village dashboard", reverse("dashboards:village", args=[code])],
    ["household list", reverse("villages:households", args=[code])],
    ["household form", reverse("villages:household_edit", args=[code, household.pk])],
    ["member page", reverse("villages:member", args=[code, member.pk])],
]
try:
    pages.append(["offline entry page", reverse("offline:page", args=[code])])
except NoReverseMatch:
    pass  # a portal without offline entry
print(json.dumps({
    "password": DEMO_PASSWORD,
    "sign_in": reverse("login"),
    "pages": pages,
    "members_in_form": household.size,
}))
"""


def nginx_gzip_level():
    found = re.search(r"^\s*gzip_comp_level\s+(\d+)\s*;", NGINX_SITE.read_text(), re.M)
    return int(found.group(1)) if found else 1  # nginx's default


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(folder):
    """The real settings in production mode over plain HTTP on loopback, as
    `make serve` (deploy/serve) runs them."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "PYTEST_ADDOPTS", "S3_BUCKET"}
        and not key.startswith(("GUNICORN_", "SECURE_", "STATIC_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="desmigratif.settings",
        DEBUG="0",
        SECRET_KEY="page-weight-bench-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        WEB_CONCURRENCY="1",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args, **kwargs):
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, **kwargs
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr[-3000:]}")
    return done.stdout


@contextlib.contextmanager
def production_site(port=0):
    """collectstatic, migrate and the demo data in a temporary folder, then
    gunicorn; yields (base URL, what SEED printed). Everything goes at the end."""
    with tempfile.TemporaryDirectory(prefix="desmigratif-page-weight-") as folder:
        folder = Path(folder)
        env = production_env(folder)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        seeded = json.loads(manage({**env, "DEBUG": "1"}, "shell", "-c", SEED).strip().splitlines()[-1])
        port = port or free_port()
        log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the server)
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--no-control-socket", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    Browser(f"http://127.0.0.1:{port}").fetch("/healthz")
                    break
                except OSError as error:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start") from error
                    time.sleep(0.2)
            try:
                yield f"http://127.0.0.1:{port}", seeded
            except Exception:
                # The server's own words (a traceback of a 500) with the failure.
                sys.stderr.write((folder / "gunicorn.log").read_text(errors="replace")[-4000:])
                raise
        finally:
            log.close()
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


class Answer:
    def __init__(self, url, status, headers, body, wire_bytes):
        self.url, self.status, self.headers, self.body, self.wire_bytes = (
            url,
            status,
            headers,
            body,
            wire_bytes,
        )

    @property
    def long_cached(self):
        """Kept by the browser without asking again: immutable, a year or more."""
        cache = self.headers.get("cache-control", "")
        age = re.search(r"max-age=(\d+)", cache)
        return self.status == 200 and "immutable" in cache and bool(age) and int(age.group(1)) >= ONE_YEAR


class Links(HTMLParser):
    """What a browser fetches after the page: stylesheets (print ones too),
    scripts, images and icons; and the offline service worker a village
    officer's page registers (static/js/offline-header.js)."""

    def __init__(self):
        super().__init__()
        self.urls = []
        self.icon = False
        self.service_worker = None
        self.offline_page = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "link" and ({"stylesheet", "icon", "preload", "modulepreload"} & set(rel)):
            self.urls.append(attrs.get("href"))
            self.icon = self.icon or "icon" in rel
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
            if tag == "script" and attrs.get("data-sw-url"):
                self.service_worker = attrs["data-sw-url"]
                self.offline_page = attrs.get("data-page-url")


def css_urls(text):
    return [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text) if not u.startswith("data:")]


class Browser:
    """A browser's requests over plain HTTP/1.1 with its own cookies, counting
    what the recipe's nginx would put on the wire."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}
        self.level = nginx_gzip_level()

    def fetch(self, path, method="GET", data=None):
        url = urljoin(self.base, path)
        parts = urlsplit(url)
        static = parts.path.startswith("/static/")
        headers = {
            "Host": parts.netloc,
            "User-Agent": "Mozilla/5.0 (page weight bench)",
            # nginx serves /static/ with gzip_static only: the .gz copies.
            "Accept-Encoding": "gzip" if static else BROWSER_ENCODINGS,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = url
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            path_qs = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, path_qs, body=body, headers=headers)
            response = connection.getresponse()
            raw_headers = response.getheaders()
            content = response.read()
        finally:
            connection.close()
        answer_headers = {k.lower(): v for k, v in raw_headers}
        for name, value in raw_headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        encoding = answer_headers.get("content-encoding")
        on_wire = content
        kept_headers = list(raw_headers)
        if not encoding and not static and len(content) >= 1024:
            # What nginx's `gzip on` makes of a page gunicorn sends uncompressed.
            on_wire = gzip.compress(content, compresslevel=self.level)
            kept_headers = [(k, v) for k, v in raw_headers if k.lower() != "content-length"]
            kept_headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(on_wire)))]
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2
        head += sum(len(f"{k}: {v}\r\n") for k, v in kept_headers)
        text = gzip.decompress(content) if encoding == "gzip" else content
        return Answer(url, response.status, answer_headers, text, head + len(on_wire))

    def csrf_token(self, html):
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return found.group(1).decode() if found else ""

    def sign_in(self, sign_in_path, username, password):
        form = self.fetch(sign_in_path)
        answer = self.fetch(
            sign_in_path,
            "POST",
            {"csrfmiddlewaretoken": self.csrf_token(form.body), "username": username, "password": password},
        )
        if answer.status != 302:
            raise RuntimeError(f"sign-in of {username} answered {answer.status}")

    def visit(self, path, cache):
        """A page and what it names; `cache` holds the long-cached static files
        already fetched (a browser's cache), and grows."""
        page = self.fetch(path)
        if page.status != 200:
            raise RuntimeError(f"{path} answered {page.status}")
        answers = [page]
        parser = Links()
        parser.feed(page.body.decode("utf-8", "replace"))
        todo = [urljoin(page.url, u) for u in parser.urls if u]
        if not parser.icon:
            # No icon named: browsers ask for /favicon.ico (a 404 is not kept).
            todo.append(urljoin(page.url, "/favicon.ico"))
        if parser.service_worker:
            todo += self.service_worker_fetches(page.url, parser, cache)
        seen = set()
        while todo:
            url = todo.pop(0)
            if url in seen or url.startswith("data:"):
                continue
            seen.add(url)
            if url in cache:
                continue
            asset = self.fetch(url)
            answers.append(asset)
            if asset.long_cached:
                cache[url] = asset
            if asset.headers.get("content-type", "").startswith("text/css"):
                todo += [urljoin(url, u) for u in css_urls(asset.body.decode("utf-8", "replace"))]
        return answers

    def service_worker_fetches(self, page_url, parser, cache):
        """What the offline service worker adds to a visit (offline/templates/offline/sw.js):
        its script on every navigation (it is sent no-cache, so the browser's update
        check fetches it), on the first visit the files it keeps for the offline
        page (those not in the cache already), and on every visit the offline page
        itself, which the header script asks it to keep (offline-header.js)."""
        worker_url = urljoin(page_url, parser.service_worker)
        urls = [worker_url]
        if ("installed", worker_url) not in cache:
            cache["installed", worker_url] = True  # the precache is fetched once
            script = self.fetch(worker_url).body.decode("utf-8", "replace")
            found = re.search(r"var PRECACHE = (\[.*?\]);", script, re.S)
            if not found:
                raise RuntimeError(f"{worker_url} names no PRECACHE list: count its files here anew")
            urls += [urljoin(page_url, u) for u in json.loads(found.group(1))]
        if parser.offline_page:
            urls.append(urljoin(page_url, parser.offline_page))
        return urls


def measure(base, seeded):
    """[(page, first-load answers, repeat-visit answers)] for the sign-in page
    (anonymous) and each officer page (signed in), each first load with an
    empty cache."""
    rows = []
    anonymous = Browser(base)
    cache = {}
    rows.append(
        ("sign-in page", anonymous.visit(seeded["sign_in"], cache), anonymous.visit(seeded["sign_in"], cache))
    )
    officer = Browser(base)
    officer.sign_in(seeded["sign_in"], OFFICER, seeded["password"])
    for name, path in seeded["pages"]:
        cache = {}
        first = officer.visit(path, cache)
        rows.append((name, first, officer.visit(path, cache)))
    return rows


def kilobytes(answers):
    return sum(answer.wire_bytes for answer in answers) / 1024


def report(rows):
    print(f"{'page':<20} {'first load KB':>14} {'requests':>9} {'repeat KB':>10} {'requests':>9}")
    for name, first, repeat in rows:
        print(
            f"{name:<20} {kilobytes(first):>14.1f} {len(first):>9} "
            f"{kilobytes(repeat):>10.1f} {len(repeat):>9}"
        )
    worst_first = max(rows, key=lambda row: kilobytes(row[1]))
    worst_repeat = max(rows, key=lambda row: kilobytes(row[2]))
    print(
        f"heaviest first load: {worst_first[0]} {kilobytes(worst_first[1]):.1f} KB "
        f"(target <= {FIRST_LOAD_LIMIT_KB} KB); heaviest repeat visit: {worst_repeat[0]} "
        f"{kilobytes(worst_repeat[2]):.1f} KB (target <= {REPEAT_VISIT_LIMIT_KB} KB)"
    )
    print("largest answers of the heaviest first load:")
    for answer in sorted(worst_first[1], key=lambda a: -a.wire_bytes)[:6]:
        print(f"  {answer.wire_bytes / 1024:7.1f} KB  {urlsplit(answer.url).path}")


CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def measure_chromium(base, seeded):
    """The same visits in Debian's Chromium (Playwright), for its own count of
    the bytes received (encodedDataLength, headers included) and of what it
    takes from its cache. Pages come uncompressed here (no nginx in front), so
    the first load is heavier than through the recipe's nginx; the point is the
    repeat visit: which requests the browser still sends."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            signed_in = browser.new_context()
            page = signed_in.new_page()
            page.goto(f"{base}{seeded['sign_in']}")
            page.fill("input[name=username]", OFFICER)
            page.fill("input[name=password]", seeded["password"])
            page.click("form:has(input[name=password]) [type=submit]")
            page.wait_for_load_state()
            cookies = signed_in.cookies()
            signed_in.close()
            for name, path in [("sign-in page", seeded["sign_in"]), *seeded["pages"]]:
                context = browser.new_context()
                if name != "sign-in page":
                    context.add_cookies(cookies)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                received, urls = {}, {}
                cdp.on(
                    "Network.requestWillBeSent",
                    lambda e, urls=urls: urls.__setitem__(e["requestId"], e["request"]["url"]),
                )
                cdp.on(
                    "Network.loadingFinished",
                    lambda e, r=received: r.__setitem__(e["requestId"], e["encodedDataLength"]),
                )
                visits = []
                for _ in range(2):
                    received.clear()
                    page.goto("about:blank")
                    page.goto(f"{base}{path}", wait_until="load")
                    page.wait_for_timeout(300)  # the favicon request follows the load
                    network = {urls.get(rid, rid): size for rid, size in received.items() if size}
                    visits.append(network)
                rows.append((name, *visits))
                context.close()
        finally:
            browser.close()
    return rows


def report_chromium(rows):
    print(
        f"in Chromium: {'page':<20} {'first load KB':>14} {'requests':>9} {'repeat KB':>10}  repeat requests"
    )
    for name, first, repeat in rows:
        again = ", ".join(urlsplit(url).path for url in repeat) or "-"
        print(
            f"             {name:<20} {sum(first.values()) / 1024:>14.1f} {len(first):>9} "
            f"{sum(repeat.values()) / 1024:>10.1f}  {again}"
        )


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    args = parser.parse_args()
    started = time.monotonic()
    with production_site(args.port) as (base, seeded):
        print(
            f"page weight, production mode (gunicorn + WhiteNoise, pages gzip level {nginx_gzip_level()} "
            f"as nginx sends them), officer {OFFICER}, "
            f"household form with {seeded['members_in_form']} members"
        )
        report(measure(base, seeded))
        if Path(CHROMIUM).exists():
            report_chromium(measure_chromium(base, seeded))
    print(f"({time.monotonic() - started:.0f} s with collectstatic, migrate and seeding)")


if __name__ == "__main__":
    main()
