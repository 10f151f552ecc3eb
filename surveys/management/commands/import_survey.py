"""Check and import a survey spreadsheet from the command line.

    python manage.py import_survey households survey.xlsx --dry-run
    python manage.py import_survey households survey.xlsx --user petugas.brengkok

Exit codes: 0 written (or a dry run found no problem), 1 rows rejected
(nothing written), 2 a bad command line or a file that cannot be read (or
has no data rows), 3 the
infrastructure failed (database unreachable or lost, disk full): a one-line
message, no traceback, and nothing written (the write is one transaction).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from surveys.import_jobs import SHEETS, describe_read_from, import_file, message_of

BAD_USAGE = 2
REJECTED = 1
INFRASTRUCTURE = 3


class Command(BaseCommand):
    help = (
        "Check a survey spreadsheet (.xlsx or .csv) and, unless --dry-run, write it: all rows or, "
        "when any row is rejected, none. Exit code 0 written or clean, 1 rows rejected, 2 bad "
        "command line, unreadable file or no data rows, 3 infrastructure failure (database, disk)."
    )

    def execute(self, *args, **options):
        # Around everything the command does, the user lookup included.
        try:
            return super().execute(*args, **options)
        except (OperationalError, InterfaceError) as error:
            self._infrastructure_failure(_("the database cannot be reached (%(error)s)"), error)
        except OSError as error:
            self._infrastructure_failure(_("a file cannot be read or written (%(error)s)"), error)

    def _infrastructure_failure(self, reason, error):
        # One line (Django prints "CommandError: ..." and exits with the code).
        detail = " ".join(str(error).split()) or type(error).__name__
        raise CommandError(
            _("Import stopped, nothing was written: %(reason)s.") % {"reason": reason % {"error": detail}},
            returncode=INFRASTRUCTURE,
        ) from None

    def add_arguments(self, parser):
        kinds = ",".join(SHEETS)
        parser.add_argument("kind", metavar=f"{{{kinds}}}", help="The sheet type.")
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Import as this user: only villages in their scope, and their name in the history. "
            "Without it: the whole country, no user in the history.",
        )

    def handle(self, *args, kind, file, dry_run, user, **options):
        if kind not in SHEETS:
            raise CommandError(
                _("Unknown sheet type %(kind)s: choose one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(SHEETS)},
                returncode=BAD_USAGE,
            )
        importer_user = self._user(user) if user else None
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file}, returncode=BAD_USAGE)
        try:
            path.open("rb").close()
        except OSError as error:
            raise CommandError(
                _("%(file)s cannot be read: %(reason)s") % {"file": file, "reason": error.strerror},
                returncode=BAD_USAGE,
            ) from None

        progress = self._progress if options["verbosity"] >= 2 else None
        try:
            report = import_file(path, kind=kind, user=importer_user, write=not dry_run, progress=progress)
        except PermissionDenied as error:
            raise CommandError(message_of(error), returncode=BAD_USAGE) from None
        except ValidationError as error:
            raise CommandError(
                _("%(file)s cannot be imported: %(reason)s") % {"file": file, "reason": message_of(error)},
                returncode=BAD_USAGE,
            ) from None

        self._print_report(report, SHEETS[kind].label, file)
        if not report.ok:
            raise CommandError(
                _("Nothing was written: correct the rejected rows and run the command again."),
                returncode=REJECTED,
            )
        if dry_run:
            self.stdout.write(_("Dry run: no problem found, nothing written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Written.")))

    def _user(self, username):
        try:
            return get_user_model().objects.select_related("scope").get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(
                _("There is no user %(username)s.") % {"username": username}, returncode=BAD_USAGE
            ) from None

    def _progress(self, done, total):
        if total:
            self.stderr.write(_("%(done)s of %(total)s rows") % {"done": done, "total": total})
        else:
            self.stderr.write(_("%(done)s rows read") % {"done": done})

    def _print_report(self, report, label, file):
        out = self.stdout
        out.write(f"{label}: {file}")
        if read_from := describe_read_from(report.read_from):
            out.write(_("Read: %(what)s") % {"what": ", ".join(read_from)})
        for text, number in (
            (_("Rows"), report.total_rows),
            (_("Created"), report.created),
            (_("Updated"), report.updated),
            (_("Unchanged"), report.unchanged),
            (_("Rejected"), report.rejected),
            (_("Warnings"), report.warning_count),
        ):
            out.write(f"  {text}: {number}")
        if report.missing_columns:
            out.write(_("Missing columns: %(columns)s") % {"columns": ", ".join(report.missing_columns)})
        if report.unknown_columns:
            out.write(
                _("Unknown columns (ignored): %(columns)s") % {"columns": ", ".join(report.unknown_columns)}
            )
        for warning in report.warnings:
            out.write(_("Warning: %(warning)s") % {"warning": warning})
        if report.warning_count > len(report.warnings):
            out.write(
                _("… and %(more)s more warnings.") % {"more": report.warning_count - len(report.warnings)}
            )
        for error in report.errors:
            values = {"row": error.row, "column": error.column, "reason": error.message}
            if error.column:
                out.write(_("Row %(row)s, %(column)s: %(reason)s") % values)
            else:
                out.write(_("Row %(row)s: %(reason)s") % values)
        if report.error_count > len(report.errors):
            out.write(
                _("… and %(more)s more problems: correct these first and run the command again.")
                % {"more": report.error_count - len(report.errors)}
            )
