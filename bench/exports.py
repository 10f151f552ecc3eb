"""The nationwide household survey export (1,000,000 members on the bench
database) as a job (desmigratif.exports): what the worker does, timed, as
.csv and .xlsx, with and without server-side cursors (DB_PGBOUNCER=1 turns
them off: the rows are then read one village at a time). Each run is a
process of its own, so its peak memory (RSS) is its own. Prints figures;
asserts nothing.

Run with `make bench`, or directly:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/exports.py
    .venv/bin/python bench/exports.py --formats csv --before   # and the old read under PgBouncer

--before also runs the old export's read behind PgBouncer (one query for the
whole country without a server-side cursor: psycopg receives every row at
once), for the memory it took.

The developer's DATABASE_URL is never used. It migrates the database,
makes a ministry user "bench-exports", writes its export jobs (deleted at
the end) and their files to a temporary MEDIA_ROOT (deleted at the end).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"


def configure(media_root=None):
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-key-0123456789-abcdefghijklmnopqrstuv")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    if media_root:
        os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return url


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_user():
    from desmigratif.models import Role, User

    user, _created = User.objects.update_or_create(
        username="bench-exports", defaults={"role": Role.MINISTRY, "scope_id": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def one_run(fmt, mode):
    """In a child process: one export job from start to file; prints JSON."""
    import django

    django.setup()
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.utils import translation

    from desmigratif.exports import run_export_job
    from desmigratif.models import ExportJob

    if mode != "cursors":
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    user = bench_user()
    url = f"/desa/ekspor/pendataan-rumah-tangga.{fmt}"
    baseline = peak_rss_mb()
    started = time.perf_counter()
    if mode == "before":
        # The old view's read: one query, every member of the country.
        from surveys.exports import _rows
        from villages.models import Member

        queryset = Member.objects.in_scope(user).order_by("household__village_id", "household_id", "id")
        with translation.override("id"):
            rows = sum(1 for _row in _rows(queryset, False))
        result = {"rows": rows, "bytes": 0, "status": "read only"}
    else:
        ExportJob.objects.filter(user=user).delete()
        job = ExportJob.objects.create(
            user=user,
            kind="villages.members",
            fmt=fmt,
            url=url,
            title="bench",
            filename=f"bench.{fmt}",
            language="id",
        )
        run_export_job(job.pk)
        job.refresh_from_db()
        size = default_storage.size(job.file.name) if job.file else 0
        result = {"rows": job.rows_done, "bytes": size, "status": job.status, "error": job.error}
        job.delete()
    result.update(
        seconds=time.perf_counter() - started, baseline_mb=baseline, peak_mb=peak_rss_mb(), fmt=fmt, mode=mode
    )
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--before", action="store_true", help="also the old one-query read without cursors")
    parser.add_argument("--one", nargs=2, metavar=("FMT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        configure(os.environ.get("MEDIA_ROOT"))
        one_run(*args.one)
        return

    url = configure()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.utils import OperationalError

    from villages.models import Member, Village

    try:
        call_command("migrate", verbosity=0)
        members, villages = Member.objects.count(), Village.objects.count()
    except OperationalError as error:
        print(f"exports: database not reachable ({url}): {error}".strip())
        return
    print(f"Export jobs, nationwide household survey: {members:,} members in {villages:,} villages ({url})")
    runs = [(fmt, mode) for fmt in args.formats.split(",") for mode in ("cursors", "pgbouncer")]
    if args.before:
        runs.append(("csv", "before"))
    media = tempfile.mkdtemp(prefix="bench-exports-")
    env = {**os.environ, "MEDIA_ROOT": media}
    try:
        for fmt, mode in runs:
            child = subprocess.run(
                [sys.executable, __file__, "--one", fmt, mode],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(f"  {fmt} {mode}: failed\n{child.stderr[-2000:]}")
                continue
            result = json.loads(child.stdout.strip().splitlines()[-1])
            label = {
                "cursors": "server-side cursor",
                "pgbouncer": "DB_PGBOUNCER: village by village",
                "before": "before: one query without cursor (read only)",
            }[mode]
            print(
                f"  {fmt:4} {label:46} {result['rows']:>9,} rows  {result['seconds']:7.1f} s  "
                f"{result['rows'] / result['seconds']:>8,.0f} rows/s  "
                f"peak RSS {result['peak_mb']:6.0f} MB (at start {result['baseline_mb']:.0f} MB)  "
                f"file {result['bytes'] / 1e6:6.1f} MB  {result['status']}"
            )
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
