"""``manage.py queue_status``: is the import worker keeping up?

Prints the tasks waiting in the queue, the worker clusters seen, the last
import jobs and the background tasks that failed in the last day.
"""

from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _


def queue_depth():
    from django_q.brokers import get_broker

    return get_broker().queue_size()


def clusters_seen():
    # Stat.get_all reads what each cluster wrote to the cache: with the
    # per-process default cache the command sees none (REDIS_URL shares it).
    from django_q.status import Stat

    return Stat.get_all()


def failed_tasks(since):
    from django_q.models import Failure

    return Failure.objects.filter(stopped__gte=since).order_by("-stopped")


def when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


class Command(BaseCommand):
    help = "Queue depth, worker clusters, the last import jobs and the failed tasks of the last day."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=10, help="how many recent import jobs to list")

    def handle(self, *args, jobs, **options):
        out = self.stdout
        out.write(_("Tasks waiting in the queue: %(count)s") % {"count": queue_depth()})

        clusters = clusters_seen()
        out.write(_("Worker clusters seen: %(count)s") % {"count": len(clusters)})
        for stat in clusters:
            out.write(
                f"  {stat.cluster_id} host={stat.host} status={stat.status} "
                f"workers={len(stat.workers)} {when(stat.tob)}"
            )
        if not clusters:
            out.write("  " + _("none (the worker reports itself through the shared cache: set REDIS_URL)"))

        out.write(_("Last %(count)s import jobs:") % {"count": jobs})
        # By name: the core imports nothing from the apps above it.
        ImportJob = apps.get_model("surveys", "ImportJob")
        recent = ImportJob.objects.order_by("-created_at", "-pk")[:jobs]
        for job in recent:
            out.write(
                f"  #{job.pk} {job.get_status_display()} kind={job.kind} user={job.user_id} "
                f"uploaded={when(job.created_at)} updated={when(job.updated_at)} "
                f"rows={job.rows_done}/{job.rows_total if job.rows_total is not None else '?'}"
            )
        if not recent:
            out.write("  " + _("none"))

        since = timezone.now() - timedelta(days=1)
        failures = list(failed_tasks(since))
        out.write(_("Tasks failed in the last day: %(count)s") % {"count": len(failures)})
        for task in failures:
            first_line = (str(task.result or "").splitlines() or [""])[0][:200]
            out.write(f"  {when(task.stopped)} {task.func} {first_line}")
