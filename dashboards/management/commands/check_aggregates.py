"""Count every village's dashboard figures from scratch and compare them with
the stored ones (dashboards.aggregates). Exits 1 when any differ; ``--fix``
stores the new counts (and creates missing rows) and then exits 0."""

from django.core.management.base import BaseCommand, CommandError

from dashboards import aggregates


class Command(BaseCommand):
    help = "Recount the dashboards' per-village figures from scratch and report any drift."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="village codes (default: every enrolled village)")
        parser.add_argument(
            "--fix", action="store_true", help="store the recounted figures of drifting villages"
        )

    def handle(self, *codes, fix=False, **options):
        found, pending = aggregates.drift(codes or None)
        for code, field, stored, counted in found:
            self.stdout.write(f"{code} {field}: stored {stored!r}, counted {counted!r}")
        villages = sorted({code for code, *_rest in found})
        if pending:
            self.stdout.write(
                f"{pending} villages changed since their last count: the job counts them again."
            )
        if not found:
            self.stdout.write("No drift.")
            return
        if fix:
            for code in villages:
                aggregates.refresh_village(code)
            self.stdout.write(f"Fixed {len(villages)} villages.")
            return
        raise CommandError(f"{len(villages)} villages drift; run with --fix to store the recounted figures.")
