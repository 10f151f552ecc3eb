"""Periodic clean-up run by the job queue (django-q2 schedules).

SCHEDULES is the one list of what runs on a schedule; an app that needs a
periodic task adds an entry here (the function by its dotted path, so this
module imports nothing from the apps). ensure_schedules() creates or updates
the matching django-q2 Schedule rows, by name, and is idempotent: it runs after
every ``manage.py migrate`` (post_migrate, desmigratif/apps.py), which every
start-up and deployment already does, and by hand with
``manage.py setup_schedules``. The worker (``manage.py qcluster``) runs them.
"""

import datetime
import logging

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# name: the Schedule's name (unique); func: dotted path; schedule_type: a
# django_q Schedule type ("I" minutes, "H" hourly, "D" daily); minutes: for
# "I"; hour: local hour of the first run for daily tasks (at night, off-peak).
SCHEDULES = [
    {
        "name": "desmigratif: clear expired sessions",
        "func": "desmigratif.schedules.clear_expired_sessions",
        "schedule_type": "D",
        "hour": 2,
    },
    {
        "name": "desmigratif: delete finished jobs",
        "func": "desmigratif.schedules.delete_finished_tasks",
        "schedule_type": "D",
        "hour": 3,
    },
    {
        # Uploads and error reports hold full NIKs (README, "Imports", Retention).
        "name": "villages: purge import files",
        "func": "surveys.import_jobs.purge_import_files",
        "schedule_type": "H",
    },
    {
        # Exports hold registry data, some full NIKs (README, "Exports").
        "name": "desmigratif: purge export files",
        "func": "desmigratif.exports.purge_export_files",
        "schedule_type": "H",
    },
    {
        # The overview and map say their figures are at most this late.
        "name": "dashboards: count changed villages",
        "func": "dashboards.aggregates.refresh_stale",
        "schedule_type": "I",
        "minutes": 1,
    },
]


def clear_expired_sessions():
    call_command("clearsessions")


def delete_finished_tasks(days=None):
    """Delete the queue's records of jobs that finished more than
    TASK_RETENTION_DAYS ago (successes and failures; import jobs keep their
    own record in ImportJob)."""
    from django_q.models import Task

    days = settings.TASK_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = Task.objects.filter(stopped__lt=cutoff).delete()
    return deleted


def _first_run(entry, now):
    hour = entry.get("hour")
    if hour is None:
        return now
    local = timezone.localtime(now)
    first = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return first if first > local else first + datetime.timedelta(days=1)


def ensure_schedules(using=DEFAULT_DB_ALIAS):
    """Create or update every schedule of SCHEDULES; keeps the next run time of
    an existing one. Returns the number created."""
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return 0  # django_q is not migrated yet (a partial migrate)
    now = timezone.now()
    created = 0
    for entry in SCHEDULES:
        fields = {
            "func": entry["func"],
            "schedule_type": entry["schedule_type"],
            "minutes": entry.get("minutes"),
            "repeats": -1,
        }
        schedule = Schedule.objects.using(using).filter(name=entry["name"]).first()
        if schedule is None:
            first = _first_run(entry, now)
            Schedule.objects.using(using).create(name=entry["name"], next_run=first, **fields)
            created += 1
        elif any(getattr(schedule, key) != value for key, value in fields.items()):
            Schedule.objects.using(using).filter(pk=schedule.pk).update(**fields)
    return created
