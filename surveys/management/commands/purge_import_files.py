"""Delete the import files no longer needed (uploads and error reports hold
full NIKs). django-q2 runs the same service every hour; this command is for
a cron job or by hand.

    python manage.py purge_import_files
"""

from django.core.management.base import BaseCommand

from surveys.import_jobs import purge_import_files


class Command(BaseCommand):
    help = (
        "Delete error reports older than IMPORT_REPORT_RETENTION_DAYS, uploads checked but not "
        "confirmed within IMPORT_UNCONFIRMED_RETENTION_HOURS, the files of failed imports and files "
        "under MEDIA_ROOT/imports/ that no import names; mark imports whose worker died as failed."
    )

    def handle(self, *args, **options):
        result = purge_import_files()
        self.stdout.write(
            f"stale jobs failed: {result.stale_jobs}, error reports: {result.error_reports}, "
            f"unconfirmed uploads: {result.unconfirmed_uploads}, failed jobs' files: "
            f"{result.failed_job_files}, files without an import: {result.orphans}"
        )
