"""Health checks for load balancers and monitoring.

``/healthz``: the process answers (no database, so a database outage does not
make every app server look dead and get restarted). ``/readyz``: this server
can serve: the database answers and every migration is applied (503
otherwise); the replica, cache and job queue are checked too and reported as
"degraded" without a 503 (DEGRADING_CHECKS). Both answer without sign-in and
tell an anonymous caller only "ok" or "unavailable"; which check failed goes
to the server log, and to an administrator who is signed in, as JSON.
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from desmigratif.access import role_of
from desmigratif.models import Role

logger = logging.getLogger("desmigratif.health")

# Once every migration was found applied, this process's code cannot gain new
# ones (a release restarts the processes): no need to read the migration files
# on every probe.
_migrations_applied = False


def check_database(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_queue():
    from django_q.brokers import get_broker

    broker = get_broker()
    if broker.ping() is False:
        raise RuntimeError("the queue broker does not answer")
    # The database broker's ping answers True without looking: count the queue.
    broker.queue_size()


def pending_migrations():
    connection = connections["default"]
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def check_migrations():
    global _migrations_applied
    if _migrations_applied:
        return
    plan = pending_migrations()
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in plan[:5])
        raise RuntimeError(f"{len(plan)} migration(s) not applied: {names}")
    _migrations_applied = True


def readiness_checks():
    checks = [("database", lambda: check_database("default"))]
    if "replica" in settings.DATABASES:
        checks.append(("replica", lambda: check_database("replica")))
    checks += [("cache", check_cache), ("queue", check_queue), ("migrations", check_migrations)]
    return checks


# Shared services the portal can do without for a while: a replica that does
# not answer (the router reads from the primary then), Redis as cache (a miss
# reads the database) or as queue (a new import is refused with a message).
# Their failure hits every app server at once, so answering 503 for it would
# take all of them out of the load balancer: a partial fault would become a
# full outage. They are logged and shown to administrators as "degraded".
# With the default per-process cache and the database queue these checks
# can only fail together with the database check.
DEGRADING_CHECKS = {"replica", "cache", "queue"}


def run_checks():
    """Every check's outcome: name -> "ok" or the error (for logs and administrators only)."""
    results = {}
    for name, check in readiness_checks():
        try:
            check()
        except Exception as error:  # any failure means not ready; the reason is logged
            results[name] = f"{type(error).__name__}: {error}"
            logger.error("readiness check %s failed: %s", name, results[name])
        else:
            results[name] = "ok"
    return results


def is_administrator(request):
    user = getattr(request, "user", None)
    return user is not None and role_of(user) == Role.ADMINISTRATOR


@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request):
    results = run_checks()
    failed = {name for name, outcome in results.items() if outcome != "ok"}
    ready = not failed - DEGRADING_CHECKS
    status = 200 if ready else 503
    if is_administrator(request):
        summary = "unavailable" if not ready else "degraded" if failed else "ok"
        return JsonResponse({"status": summary, "checks": results}, status=status)
    body = "ok" if ready else "unavailable"
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
