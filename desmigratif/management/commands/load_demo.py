from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from desmigratif.demo import DEMO_PASSWORD, DEMO_USERS, demo_load
from desmigratif.models import Role
from desmigratif.two_factor import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Enrol the demo villages and create one demo user per role (DEBUG only)."

    def handle(self, *args, **options):
        try:
            created = demo_load()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Demo data: %(villages)s villages enrolled, %(users)s users created.") % created)
        others = {key: count for key, count in created.items() if key not in {"villages", "users"}}
        if others:
            # Record counts by model name: an operator's summary, read once.
            self.stdout.write(
                _("Other demo records created: %(counts)s")
                % {"counts": ", ".join(f"{key} {count}" for key, count in others.items())}
            )
        self.stdout.write(
            _("Demo users (password %(password)s): %(users)s")
            % {"password": DEMO_PASSWORD, "users": ", ".join(u[0] for u in DEMO_USERS)}
        )
        self.stdout.write(
            _("Authenticator secret of %(users)s (two-factor sign-in, README): %(secret)s")
            % {
                "secret": DEMO_TOTP_SECRET,
                "users": ", ".join(u[0] for u in DEMO_USERS if u[1] != Role.VILLAGE_OFFICER),
            }
        )
