"""Lighthouse mobile scores of the officer's main pages in production mode,
against issue 14's targets: Performance >= 95, Accessibility 100, Best
Practices 100 on the sign-in page, the village dashboard, the household list
and the offline entry page.

    .venv/bin/python bench/lighthouse.py [--runs 5] [--port 8000] [--page "household list"]

Lighthouse itself is pinned in tools/lighthouse/package.json and its lock
file; the first run installs it there (`npm ci`, node_modules is git-ignored),
later runs need no internet. It drives Debian's Chromium (CHROME_PATH, default
/usr/bin/chromium) headless, with its default mobile settings: a Moto G
Power sized screen and simulated throttling (150 ms round trips, 1.6 Mbit/s,
the CPU slowed four times), which is what the targets mean.

The site is bench/page_weight.py's: collectstatic with DEBUG=0 (hashed names,
compressed copies), the demo data, gunicorn with deploy/gunicorn.conf.py and
WhiteNoise. In front of gunicorn a small proxy does what the recipe's nginx
does to the answers (deploy/nginx/desmigratif.conf): pages and JSON gzipped at
its `gzip_comp_level`, static files as their .gz copies (gzip_static). For
the signed-in pages the officer's session cookie is put into Chromium's
cookie jar before each run (tools/lighthouse/run.mjs), as after a sign-in.

Each page is measured --runs times; the median of each category counts (the
performance score moves between runs, and a lot on a busy machine: the
simulated CPU slowdown multiplies whatever the host's CPU took; each run's
host benchmark index is printed for that reason). Prints the scores, the
audits that cost points, and one TARGET line per page and category; exits 1
when a target is missed. The reports are kept in build/lighthouse/.

Lighthouse needs Node and a few minutes, so no pytest runs it; what guards
these pages between runs is said in the README (benchmarks).
"""

import argparse
import contextlib
import gzip
import http.client
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import page_weight  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "lighthouse"
CLI = TOOL / "node_modules" / "lighthouse" / "cli" / "index.js"
RUNNER = TOOL / "run.mjs"
REPORTS = ROOT / "build" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
PAGES = ("sign-in page", "village dashboard", "household list", "offline entry page")
# What nginx's `gzip_types` lists, and text/html, which it always compresses.
GZIP_TYPES = (
    "text/html", "text/css", "application/javascript", "application/json", "image/svg+xml", "text/plain"
)  # fmt: skip
GZIP_MIN_LENGTH = 1024
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def lighthouse_installed():
    """npm ci in tools/lighthouse when node_modules is missing or older than the lock file."""
    marker = TOOL / "node_modules" / ".package-lock.json"
    lock = TOOL / "package-lock.json"
    if CLI.exists() and marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    if not shutil.which("npm"):
        sys.exit("Lighthouse needs Node and npm (Debian: apt-get install nodejs npm)")
    print("installing Lighthouse (npm ci in tools/lighthouse)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=TOOL, check=True)


class NginxLikeProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_port, gzip_level):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream_port = upstream_port
        self.gzip_level = gzip_level

    def handle_error(self, request, client_address):
        # Chromium drops connections it no longer needs (the page went on): not a fault.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        static = urlsplit(self.path).path.startswith("/static/")
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if static:
            # gzip_static: the .gz copy or the file itself, never Brotli.
            headers["Accept-Encoding"] = "gzip" if accepts_gzip else "identity"
        else:
            # nginx asks upstream for plain answers and compresses them itself.
            headers.pop("Accept-Encoding", None)
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
            out = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        finally:
            upstream.close()
        kind = answer.getheader("Content-Type", "").split(";")[0].strip()
        if (
            not static
            and accepts_gzip
            and not answer.getheader("Content-Encoding")
            and kind in GZIP_TYPES
            and len(content) >= GZIP_MIN_LENGTH
        ):
            content = gzip.compress(content, compresslevel=self.server.gzip_level)
            out = [(k, v) for k, v in out if k.lower() != "content-length"]
            out += [("Content-Encoding", "gzip"), ("Content-Length", str(len(content)))]
            if not any(k.lower() == "vary" for k, _v in out):
                out.append(("Vary", "Accept-Encoding"))
        elif not any(k.lower() == "content-length" for k, _v in out):
            out.append(("Content-Length", str(len(content))))
        self.send_response_only(answer.status, answer.reason)
        for key, value in out:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_HEAD = _forward


@contextlib.contextmanager
def nginx_like(upstream_base):
    proxy = NginxLikeProxy(urlsplit(upstream_base).port, page_weight.nginx_gzip_level())
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def pages_to_measure(seeded):
    """[(name, path, signed in)] of the four pages; the offline entry page only
    when the portal has one (page_weight's SEED finds it by URL name)."""
    paths = dict(seeded["pages"])
    rows = [("sign-in page", seeded["sign_in"], False)]
    rows += [(name, paths[name], True) for name in PAGES[1:] if name in paths]
    return rows


def run_lighthouse(url, cookies, report_base, flags):
    """One run through tools/lighthouse/run.mjs: Chromium with the cookies in
    its cookie jar, then Lighthouse with its defaults (mobile, simulated
    throttling) and `flags`."""
    command = ["node", str(RUNNER), url, str(report_base), json.dumps(cookies), json.dumps(flags)]
    env = {**os.environ, "CHROME_PATH": CHROME}
    report = Path(f"{report_base}.report.json")
    for attempt in (1, 2):
        done = subprocess.run(command, cwd=TOOL, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode == 0 and report.exists():
            return json.loads(report.read_text())
        # Lighthouse's own flake on a loaded machine ("Please run Lighthouse
        # again"): one more try, not a score.
        if attempt == 1 and "NO_NAVSTART" in done.stderr:
            print(f"  Lighthouse: NO_NAVSTART on {url}, running it again")
            continue
        break
    raise RuntimeError(f"Lighthouse failed on {url}: {done.stderr[-3000:]}")


def score(report, category):
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def lost_points(report, category):
    """The audits of a category that did not pass, with what they found."""
    lost = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if audit.get("scoreDisplayMode") in ("notApplicable", "informative", "manual", "error"):
            continue
        if audit.get("score") is None or audit["score"] >= (0.9 if category == "performance" else 1):
            continue
        if category == "performance" and not ref.get("weight"):
            continue
        shown = audit.get("displayValue") or ""
        items = (audit.get("details") or {}).get("items") or []
        found = []
        for item in items[:3]:
            node = item.get("node") or {}
            found.append(node.get("snippet") or item.get("url") or item.get("description") or "")
        found = "; ".join(f for f in found if f)
        lost.append(f"{audit['id']} ({audit['score']:.2f}) {shown} {found}".strip())
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Lighthouse runs per page (median counts)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--page", action="append", help="only this page (repeatable)")
    parser.add_argument(
        "--flags",
        type=json.loads,
        default={},
        help='more Lighthouse flags as JSON, e.g. \'{"blockedUrlPatterns": ["*.js"]}\' (experiments)',
    )
    args = parser.parse_args()
    if not Path(CHROME).exists():
        sys.exit(f"no Chromium at {CHROME} (set CHROME_PATH)")
    lighthouse_installed()
    version = json.loads((TOOL / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    REPORTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    missed = []
    with page_weight.production_site(args.port) as (base, seeded), nginx_like(base) as front:
        officer = page_weight.Browser(base)
        officer.sign_in(seeded["sign_in"], page_weight.OFFICER, seeded["password"])
        cookies = [{"name": k, "value": v, "url": front} for k, v in officer.cookies.items()]
        pages = [p for p in pages_to_measure(seeded) if not args.page or p[0] in args.page]
        print(
            f"Lighthouse {version} mobile (simulated throttling), Chromium {CHROME}, production mode "
            f"(gunicorn + WhiteNoise behind a gzip proxy as nginx), officer {page_weight.OFFICER}, "
            f"median of {args.runs} runs"
        )
        print(f"{'page':<20} {'performance':>12} {'accessibility':>14} {'best practices':>15}  runs (perf)")
        for name, path, signed_in in pages:
            reports = []
            for run in range(args.runs):
                report_base = REPORTS / f"{name.replace(' ', '-')}-{run + 1}"
                jar = cookies if signed_in else []
                reports.append(run_lighthouse(f"{front}{path}", jar, report_base, args.flags))
                if urlsplit(reports[-1]["finalDisplayedUrl"]).path != path:
                    raise RuntimeError(f"{name}: Lighthouse ended on {reports[-1]['finalDisplayedUrl']}")
            medians = {c: statistics.median_low([score(r, c) or 0 for r in reports]) for c in CATEGORIES}
            each = ", ".join(str(score(r, "performance")) for r in reports)
            print(
                f"{name:<20} {medians['performance']:>12} {medians['accessibility']:>14} "
                f"{medians['best-practices']:>15}  {each}"
            )
            median_run = min(reports, key=lambda r: abs(score(r, "performance") - medians["performance"]))
            metrics = median_run["audits"]
            print(
                "  "
                + ", ".join(
                    f"{label} {metrics[key]['displayValue']}"
                    for label, key in (
                        ("FCP", "first-contentful-paint"),
                        ("LCP", "largest-contentful-paint"),
                        ("TBT", "total-blocking-time"),
                        ("CLS", "cumulative-layout-shift"),
                        ("SI", "speed-index"),
                    )
                )
            )
            hosts = ", ".join(f"{r['environment']['benchmarkIndex']:.0f}" for r in reports)
            print(f"  host benchmark index per run: {hosts} (higher is faster)")
            for category in CATEGORIES:
                # Performance: the median run's audits; the others: the worst run's.
                worst = min(reports, key=lambda r: score(r, category) or 0)
                for line in lost_points(median_run if category == "performance" else worst, category):
                    print(f"  {category}: {line}")
            for category in CATEGORIES:
                met = medians[category] >= TARGETS[category]
                missed += [] if met else [(name, category)]
                print(
                    f"TARGET {name}: {category} {medians[category]} "
                    f"(>= {TARGETS[category]}) {'met' if met else 'MISSED'}"
                )
    absent = [p for p in PAGES if not args.page and p not in {n for n, _p, _s in pages}]
    for name in absent:
        print(f"TARGET {name}: not measured (the portal has no such page)")
    print(f"(reports in {REPORTS.relative_to(ROOT)}/; {time.monotonic() - started:.0f} s)")
    if missed or absent:
        sys.exit(1)


if __name__ == "__main__":
    main()
