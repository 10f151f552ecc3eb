"""The job queue's periodic clean-up (desmigratif/schedules.py): the schedules
exist after migrate, setting them up again changes nothing, and the tasks
remove expired sessions and old finished jobs only."""

import datetime

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule, Task

from desmigratif.schedules import SCHEDULES, clear_expired_sessions, delete_finished_tasks, ensure_schedules


def test_schedules_exist_after_migrate_and_setting_up_again_changes_nothing(db):
    Schedule.objects.all().delete()
    call_command("migrate", verbosity=0)  # nothing to apply; its post_migrate hook still runs
    names = {entry["name"] for entry in SCHEDULES}
    assert set(Schedule.objects.values_list("name", flat=True)) >= names
    before = list(Schedule.objects.order_by("pk").values("pk", "name", "func", "next_run"))
    assert ensure_schedules() == 0
    call_command("setup_schedules", verbosity=0)
    assert list(Schedule.objects.order_by("pk").values("pk", "name", "func", "next_run")) == before


def test_a_deleted_schedule_is_created_again_at_night(db):
    Schedule.objects.all().delete()
    assert ensure_schedules() == len(SCHEDULES)
    sessions = Schedule.objects.get(name="desmigratif: clear expired sessions")
    assert sessions.schedule_type == Schedule.DAILY
    assert timezone.localtime(sessions.next_run).hour == 2
    assert sessions.next_run > timezone.now()


def test_expired_sessions_are_cleared_and_live_ones_kept(db):
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.set_expiry(-1)
    expired.create()
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_finished_jobs_older_than_the_retention_are_deleted(db, settings):
    settings.TASK_RETENTION_DAYS = 30
    now = timezone.now()

    def task(key, days_ago, success=True):
        stopped = now - datetime.timedelta(days=days_ago)
        Task.objects.create(id=key, name=key, func="x.y", started=stopped, stopped=stopped, success=success)

    task("old-success", 31)
    task("old-failure", 45, success=False)
    task("recent", 2)
    assert delete_finished_tasks() == 2
    assert list(Task.objects.values_list("id", flat=True)) == ["recent"]
