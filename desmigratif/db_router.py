"""Reads of the read-only pages on the replica (``DATABASE_REPLICA_URL``).

Only the pages that show figures and never write records (dashboards, the
overview, the map, the coverage matrix, the API's reads, the exports) read
from the replica, and only when:

- the request is a GET or HEAD to one of those pages (ReplicaMiddleware),
- the browser has not sent a POST in the last ``REPLICA_PIN_SECONDS``: whoever
  has just saved something reads their own write from the primary,
- the query is not inside a transaction,
- the model is a record of the programme (villages, pillars, coordination,
  reports): users, sessions, sign-in lock-outs and the job queue always come
  from the primary, where they are written,
- the replica answers and is not behind by more than
  ``REPLICA_MAX_LAG_SECONDS``; otherwise every read goes to the primary, and
  the replica is tried again after ``UNHEALTHY_SECONDS``.

Without a replica (or with ``REPLICA_READS`` off) every query goes to the
primary, as before. Writes always go to the primary.
"""

import contextlib
import contextvars
import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "replica_pin"
# The apps whose records the read-only pages show.
REPLICA_APPS = frozenset({"villages", "pillars", "coordination", "reports", "dashboards"})
# The read-only pages, by URL name. A view can also be marked with @replica_ok.
REPLICA_VIEWS = frozenset(
    {
        "dashboards:overview",
        "dashboards:overview_xlsx",
        "dashboards:map",
        "dashboards:village",
        "coordination:coverage",
        "coordination:coverage_export",
        "surveys:export",
        "api:village-list",
        "api:village-detail",
    }
)
# A replica that refused a connection or lagged is left alone this long.
UNHEALTHY_SECONDS = 30
# How often the lag is measured (per process).
LAG_CHECK_SECONDS = 5

_use_replica = contextvars.ContextVar("use_replica", default=False)
_lock = threading.Lock()
_state = {"unhealthy_until": 0.0, "lag_checked_at": 0.0}

LAG_SQL = (
    # 0 when everything received has been replayed (an idle primary leaves the
    # last replay time old without any lag); NULL on a server not in recovery.
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def replica_ok(view):
    """Mark a view as read-only: its GET requests may read from the replica."""
    view.replica_ok = True
    return view


def replica_configured():
    return getattr(settings, "REPLICA_READS", False) and REPLICA in settings.DATABASES


def mark_unhealthy(reason):
    with _lock:
        _state["unhealthy_until"] = time.monotonic() + UNHEALTHY_SECONDS
    logger.warning("Read replica not used for %s s: %s", UNHEALTHY_SECONDS, reason)


def replica_healthy():
    """Connect to the replica if needed and, every few seconds, measure its lag."""
    now = time.monotonic()
    if now < _state["unhealthy_until"]:
        return False
    connection = connections[REPLICA]
    try:
        # A kept-open connection to a replica that has since stopped looks
        # connected; test it here, inside the try, so the view's first query
        # does not meet the dead connection outside it.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        max_lag = getattr(settings, "REPLICA_MAX_LAG_SECONDS", 0)
        due = now - _state["lag_checked_at"] >= LAG_CHECK_SECONDS
        if max_lag and connection.vendor == "postgresql" and due:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = cursor.fetchone()[0]
            _state["lag_checked_at"] = now
            if lag is not None and lag > max_lag:
                mark_unhealthy(f"{float(lag):.0f} s behind the primary")
                return False
    except DatabaseError as error:
        mark_unhealthy(f"{type(error).__name__}: {error}".strip())
        with contextlib.suppress(DatabaseError):
            connection.close()
        return False
    return True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _use_replica.get() or model._meta.app_label not in REPLICA_APPS:
            return None
        if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA if replica_healthy() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary; it is never migrated itself.
        return db != REPLICA


class ReplicaMiddleware:
    """Decides per request whether the read-only pages may use the replica,
    and pins a browser to the primary for a while after it writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _use_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            seconds = getattr(settings, "REPLICA_PIN_SECONDS", 10)
            if seconds and replica_configured():
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=seconds,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD") or PIN_COOKIE in request.COOKIES:
            return None
        match = request.resolver_match
        if getattr(view_func, "replica_ok", False) or (match and match.view_name in REPLICA_VIEWS):
            _use_replica.set(True)
        return None
