from django.core.management.base import BaseCommand

from desmigratif.schedules import SCHEDULES, ensure_schedules


class Command(BaseCommand):
    help = "Create or update the job queue's periodic clean-up tasks (also done by migrate)."

    def handle(self, *args, **options):
        created = ensure_schedules()
        self.stdout.write(f"{len(SCHEDULES)} schedules, {created} new.")
