"""The production build and the commands that run the portal: collectstatic
with DEBUG=0, pages and compressed, hashed, long-cached static files served by
gunicorn with the repository's config, and Ctrl+C stopping the development
server and the import worker together."""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ONE_YEAR = 365 * 24 * 3600


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path):
    """The real settings (not tests.settings) in production mode, on a
    throwaway SQLite file: the login page needs no table, and the build does
    not depend on the database engine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "PYTEST_ADDOPTS"}
        and not key.startswith(("GUNICORN_", "SECURE_", "STATIC_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="desmigratif.settings",
        DEBUG="0",
        SECRET_KEY="production-build-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        # Behind nginx, as the README's recipe sets it: HTTPS is told by the proxy.
        SECURE_PROXY_SSL_HEADER="1",
        WEB_CONCURRENCY="1",
    )
    return env


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def stop_group(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def production_server(tmp_path):
    env = production_env(tmp_path)
    build = subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--no-control-socket", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/healthz")
                break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = server.stderr.read().decode()[-3000:] if server.poll() is not None else ""
                    raise AssertionError(f"gunicorn did not start: {log}") from error
                time.sleep(0.2)
        yield port
    finally:
        stop_group(server)


@pytest.mark.slow
def test_production_build_serves_pages_and_compressed_long_cached_static_files(production_server):
    https = {"X-Forwarded-Proto": "https"}

    status, _headers, body = get(production_server, "/masuk/", https)
    assert status == 200
    page = body.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/vendor/bootstrap/[^"]+)"', page).group(1)
    # Hashed name: a new release gets a new URL, so the file may be cached for good.
    assert re.fullmatch(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", stylesheet)

    for encoding in ("gzip", "br"):
        status, headers, _ = get(production_server, stylesheet, {**https, "Accept-Encoding": encoding})
        assert status == 200
        assert headers.get("content-encoding") == encoding
        cache = headers["cache-control"]
        assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= ONE_YEAR
        assert "immutable" in cache

    # DEBUG is off: an unknown page gets the plain 404, not Django's debug page.
    status, _headers, body = get(production_server, "/tidak-ada/", https)
    assert status == 404
    assert b"URLconf" not in body
    # Plain HTTP from the proxy is sent to HTTPS; the health checks are not.
    status, headers, _ = get(production_server, "/masuk/")
    assert status == 301
    assert headers["location"].startswith("https://")
    assert get(production_server, "/healthz")[0] == 200


def process_table():
    """pid -> (parent pid, process group) of every process on the machine."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def descendants(pid):
    table = process_table()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, (ppid, _group) in table.items() if ppid == parent]
        found.update(children)
        todo.extend(children)
    return found


@pytest.mark.slow
def test_ctrl_c_stops_dev_server_and_import_worker_at_once_with_exit_status_0(tmp_path):
    env = production_env(tmp_path)
    env.update(DEBUG="1")
    migrate = subprocess.run(
        [PYTHON, "manage.py", "migrate", "django_q", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]

    launcher = subprocess.Popen(
        [PYTHON, "deploy/together.py",
         f"{PYTHON} manage.py runserver 127.0.0.1:{free_port()}", f"{PYTHON} manage.py qcluster"],
        # No terminal: the launcher then leaves the test run's terminal alone.
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = set()
    try:
        # runserver and its reloaded child, qcluster and its worker, monitor and pusher.
        deadline = time.monotonic() + 60
        while len(started) < 6 and time.monotonic() < deadline and launcher.poll() is None:
            time.sleep(0.2)
            started = descendants(launcher.pid)
        assert len(started) >= 6, "the server and the worker did not start"

        launcher.send_signal(signal.SIGINT)  # what Ctrl+C in the terminal sends
        status = launcher.wait(timeout=15)
        # A killed process may take a moment to leave the process table.
        deadline = time.monotonic() + 3
        while started & set(process_table()) and time.monotonic() < deadline:
            time.sleep(0.1)
        left_over = started & set(process_table())
    finally:
        if launcher.poll() is None:
            launcher.kill()
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    assert status == 0
    assert not left_over
