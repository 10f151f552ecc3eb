"""What the background jobs (imports, exports) share."""

import logging
import threading

from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats a job's ``heartbeat_at`` from a thread of its own while the task
    runs, also through the long steps that report no progress; stops when the
    task ends. ``running`` is a queryset of the job while it is still running
    (a job marked failed meanwhile is not revived); ``interval`` a function
    giving the seconds between beats. A beat that fails (the database busy for
    a moment) is skipped: the next one follows."""

    def __init__(self, running, *, interval, name):
        self.running = running
        self.interval = interval
        self.name = name
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"{name}-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _run(self):
        try:
            while not self.stop.wait(self.interval()):
                try:
                    self.running.update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("%s: heartbeat skipped", self.name, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def stored_files(folder):
    """Every file under ``folder`` in the shared storage (the local disk or
    S3 alike), for the purges that look for files no job names."""
    directories, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from stored_files(f"{folder}/{directory}")
