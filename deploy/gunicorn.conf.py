"""gunicorn settings for the Desmigratif portal: ``gunicorn -c deploy/gunicorn.conf.py``.

Environment (all optional):
  GUNICORN_BIND         address to listen on (default 127.0.0.1:8000; nginx proxies to it)
  WEB_CONCURRENCY       worker processes (default 2 x CPU cores + 1, at most 8)
  GUNICORN_THREADS      threads per worker (default 1: sync workers)
  GUNICORN_TIMEOUT      seconds a request may take before its worker is restarted (default 60)
  GUNICORN_ACCESS_LOG   "-" for stdout, or a file; off by default (see below)
"""

import multiprocessing
import os
from pathlib import Path


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


wsgi_app = "desmigratif.wsgi:application"
# Started from anywhere (systemd, make, tests): import the project from its own folder.
chdir = str(Path(__file__).resolve().parent.parent)

bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"

# 2 x cores + 1 is gunicorn's own advice for sync workers. The cap keeps the
# PostgreSQL connections of every server within max_connections: each sync
# worker holds at most one connection (CONN_MAX_AGE), so a server uses at most
# `workers` connections, plus one for its import worker.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))

# Sync workers: nginx buffers the request body and the response
# (proxy_request_buffering on), so a slow phone on a village connection never
# holds a worker, and one request per process means one database connection
# per process and no thread-safety questions. GUNICORN_THREADS > 1 switches to
# gthread workers (and multiplies the database connections by the threads).
threads = _int("GUNICORN_THREADS", 1)

# A 50 MB upload reaches gunicorn only once nginx has received all of it, so
# the app sees it at loopback or LAN speed (well under a second) and the
# timeout covers only Django's own work: saving the upload and the largest
# exports. 60 s is generous for both; nginx's proxy_read_timeout is a little longer.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# nginx keeps connections to the upstream open (keepalive); a little longer here
# than nothing, so a connection is not closed just as nginx reuses it.
keepalive = 5

# Recycle workers now and then, staggered, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200

# The portal logs one structured line per request itself
# (desmigratif.middleware.RequestLogMiddleware, with user id and client
# address), so gunicorn's access log is off unless asked for. When on, it logs
# the path without the query string: a search (?q=) may hold a NIK.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = 'method=%(m)s path="%(U)s" status=%(s)s duration_ms=%(M)s bytes=%(B)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn 24+ opens a control socket in the home folder, shared by every
# gunicorn of that user on the machine; the portal does not use it.
control_socket_disable = True

# The heartbeat file on tmpfs: a worker on a slow disk is not taken for hung.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
