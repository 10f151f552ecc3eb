import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages.models import AreaLevel
from villages.services import DEFAULT_AREA_FOLDER, area_counts, areas_load


class Command(BaseCommand):
    help = "Load the official Kemendagri areas (provinces to villages). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder",
            default=str(DEFAULT_AREA_FOLDER),
            help="Folder with provinces.csv, regencies.csv, districts.csv, villages.csv",
        )

    def handle(self, *args, folder, **options):
        started = time.perf_counter()
        try:
            result = areas_load(folder=folder)
        except (OSError, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(message) from error
        elapsed = time.perf_counter() - started
        counts = area_counts()
        self.stdout.write(
            _(
                "Areas: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                "%(kept)s in the database but not in the files (kept). In %(seconds).1f s."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "kept": result.not_in_files,
                "seconds": elapsed,
            }
        )
        self.stdout.write(", ".join(f"{counts[level]} {label}" for level, label in AreaLevel.choices))
