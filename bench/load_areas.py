"""Times `load_areas` on the full official files: a first load into an empty
database and a second (no-op) run. Prints figures; asserts nothing.

Run with `make bench` (SQLite by default, or set DATABASE_URL)."""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    os.environ.setdefault("DEBUG", "1")
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="desmigratif-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from villages.services import area_counts, areas_load

    call_command("migrate", verbosity=0)
    timings = []
    for label in ("first load", "second load (no change)"):
        started = time.perf_counter()
        result = areas_load()
        timings.append(time.perf_counter() - started)
        print(
            f"load_areas {label} on {connection.vendor}: {timings[-1]:.2f} s "
            f"({result.created} created, {result.unchanged} unchanged)"
        )
    print("areas per level:", area_counts())
    print(f"ratio first/second: {timings[0] / timings[1]:.1f}x; target: first load under 60 s")


if __name__ == "__main__":
    main()
