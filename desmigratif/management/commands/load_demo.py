from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from desmigratif.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Enrol the demo villages and create one demo user per role (DEBUG only)."

    def handle(self, *args, **options):
        try:
            created = demo_load()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Demo data: %(villages)s villages enrolled, %(users)s users created.") % created)
        self.stdout.write(
            _("Demo users (password %(password)s): %(users)s")
            % {"password": DEMO_PASSWORD, "users": ", ".join(u[0] for u in DEMO_USERS)}
        )
