"""Coverage matrix at national scale: village x pillar for all 500 villages of
the household bench, with MOUs, commitments, realisations, programmes and
budget lines spread over them. Times the page in-process with
django.test.Client as ministry staff. Prints figures; asserts nothing.

Run with `make bench`, or directly (after bench/households.py has filled the
database):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/coverage.py

The developer's DATABASE_URL is never used. The coordination records are
added once (MOU numbers start with BENCH/); --refill adds them again.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_bench"
WARM_UPS = 3
RUNS = 20
SEED = 2020
TARGET_MS = 300
BENCH_PREFIX = "BENCH/"

AGENCIES = [
    ("Kemnaker", "Kementerian Ketenagakerjaan", "ministry"),
    ("Kemendes PDTT", "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi", "ministry"),
    ("Kemendikbud", "Kementerian Pendidikan dan Kebudayaan", "ministry"),
    ("Kemenkes", "Kementerian Kesehatan", "ministry"),
    ("Kementerian BUMN", "Kementerian Badan Usaha Milik Negara", "ministry"),
    ("Kemen PPPA", "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak", "ministry"),
    ("Kemenkop UKM", "Kementerian Koperasi dan Usaha Kecil dan Menengah", "ministry"),
    ("Kemenparekraf", "Kementerian Pariwisata dan Ekonomi Kreatif", "ministry"),
    ("Kemenkumham", "Kementerian Hukum dan Hak Asasi Manusia", "ministry"),
    ("Kemenkominfo", "Kementerian Komunikasi dan Informatika", "ministry"),
    ("BNI", "PT Bank Negara Indonesia (Persero) Tbk", "bank"),
    ("BRI", "PT Bank Rakyat Indonesia (Persero) Tbk", "bank"),
    ("Bank NTT", "PT Bank Pembangunan Daerah Nusa Tenggara Timur", "bank"),
    ("Bank Jatim", "PT Bank Pembangunan Daerah Jawa Timur", "bank"),
    ("Pertamina", "PT Pertamina (Persero)", "bank"),
    ("Yayasan Attin", "Yayasan Attin Kupang", "ngo"),
    ("Migrant CARE", "Perkumpulan Migrant CARE", "ngo"),
    ("PT Sinar Niaga", "PT Sinar Niaga Sejahtera", "private"),
]
N_MOUS = 12
COMMITMENTS_PER_MOU = 3
N_PROGRAMMES = 80


def configure():
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    # One log line per request would bury the figures.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    hosts = os.environ.get("ALLOWED_HOSTS") or "127.0.0.1,localhost"
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return url


def how_to_fill(url, reason):
    print(f"coverage bench: {reason} ({url}).")
    print("Fill the bench database first: `make bench`, or")
    print(f"    BENCH_DATABASE_URL={url} .venv/bin/python bench/households.py")
    print("(the PostgreSQL database must exist: createdb -h 127.0.0.1 -U postgres desmigratif_bench).")
    sys.exit(1)


def village_codes(url):
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as error:
        how_to_fill(url, f"cannot connect: {str(error).strip().splitlines()[0]}")
    if "villages_village" not in connection.introspection.table_names():
        how_to_fill(url, "the database has no villages table")
    from villages.models import Village

    codes = list(Village.objects.order_by("area_id").values_list("area_id", flat=True))
    if not codes:
        how_to_fill(url, "the database has no enrolled villages")
    return codes


def clear():
    from coordination.models import MOU, Programme

    Programme.objects.filter(name__startswith=BENCH_PREFIX).delete()
    MOU.objects.filter(number__startswith=BENCH_PREFIX).delete()


def fill(codes):
    """Agencies, MOUs with commitments and realisations, programmes with budget
    lines, written in bulk (the rules hold: reach, dates, amounts)."""
    from django.db import transaction

    from coordination.models import (
        MOU,
        Agency,
        BudgetLine,
        Commitment,
        Programme,
        Realisation,
        area_code_within,
    )
    from villages.models import Area

    rng = random.Random(SEED)
    provinces = sorted({code[:2] for code in codes})
    counts = {}
    with transaction.atomic():
        existing = set(Agency.objects.values_list("short_name", flat=True))
        Agency.objects.bulk_create(
            Agency(short_name=short, name=name, kind=kind)
            for short, name, kind in AGENCIES
            if short not in existing
        )
        agencies = list(Agency.objects.filter(short_name__in=[a[0] for a in AGENCIES]).order_by("short_name"))
        kemnaker = next(a for a in agencies if a.short_name == "Kemnaker")
        others = [a for a in agencies if a != kemnaker]

        realisations = []
        n_commitments = 0
        for n in range(N_MOUS):
            partner = others[n % len(others)]
            signed = date(2017 + n % 4, 1 + n % 12, 10)
            pillars = sorted(rng.sample([1, 2, 3, 4], rng.choice((1, 2, 2, 3))))
            mou = MOU(
                number=f"{BENCH_PREFIX}{n + 1:03d}",
                title=f"Kerja sama Desmigratif dengan {partner.short_name}",
                signed_on=signed,
                valid_until=date(signed.year + 5, signed.month, 1),
            )
            mou.set_pillars(pillars)
            mou.save()
            mou.parties.set([kemnaker, partner])
            reach = [] if n % 2 == 0 else rng.sample(provinces, min(len(provinces), rng.randint(1, 3)))
            if reach:
                mou.reach.set(Area.objects.filter(code__in=reach))
            in_reach = [code for code in codes if area_code_within(code, reach)]
            for c in range(COMMITMENTS_PER_MOU):
                commitment = Commitment.objects.create(
                    mou=mou,
                    agency=partner if c % 3 else kemnaker,
                    pillar=pillars[c % len(pillars)],
                    description=f"Komitmen {c + 1}",
                )
                n_commitments += 1
                for code in in_reach:
                    if rng.random() < 0.5:
                        status = rng.choice(("realised", "realised", "in_progress", "not_started"))
                        day = date(signed.year + 1, rng.randint(1, 12), rng.randint(1, 28))
                        realisations.append(
                            Realisation(
                                commitment=commitment,
                                village_id=code,
                                status=status,
                                status_date=None if status == "not_started" else day,
                                evidence="Laporan" if status == "realised" else "",
                            )
                        )
        Realisation.objects.bulk_create(realisations, batch_size=2000)

        lines = []
        memberships = []
        for n in range(N_PROGRAMMES):
            start = date(2017 + n % 6, 1, 1)
            programme = Programme.objects.create(
                agency=agencies[n % len(agencies)],
                name=f"{BENCH_PREFIX}Program {n + 1:03d}",
                pillar=1 + n % 4,
                start_date=start,
                end_date=date(start.year + 2, 12, 31),
                theme=rng.choice(("Migrasi aman", "Usaha produktif", "Pengasuhan", "Koperasi")),
            )
            # min(): a small bench database (bench/national.py --villages 60) has fewer.
            for code in rng.sample(codes, min(len(codes), rng.randint(20, 80))):
                memberships.append(Programme.villages.through(programme_id=programme.pk, village_id=code))
            for year, source in zip(
                range(start.year, start.year + 3), rng.sample(BudgetLine.Source.values, 3), strict=False
            ):
                planned = Decimal(rng.randrange(10, 500) * 1_000_000)
                realised = Decimal(0) if rng.random() < 0.3 else planned * Decimal(rng.randint(40, 100)) / 100
                lines.append(
                    BudgetLine(
                        programme=programme,
                        source=source,
                        fiscal_year=year,
                        planned=planned,
                        realised=realised.quantize(Decimal(1)),
                    )
                )
        Programme.villages.through.objects.bulk_create(memberships, batch_size=2000)
        BudgetLine.objects.bulk_create(lines)
        counts = {
            "MOUs": N_MOUS,
            "commitments": n_commitments,
            "realisations": len(realisations),
            "programmes": N_PROGRAMMES,
            "programme villages": len(memberships),
            "budget lines": len(lines),
        }
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


def bench_user():
    from desmigratif.models import Role, User

    user, _created = User.objects.update_or_create(
        username="bench-ministry", defaults={"role": Role.MINISTRY, "scope_id": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def time_page(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UPS):
        response = client.get(url)
    if response.status_code != 200:
        return None
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    db_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    return statistics.median(times), p90, len(queries), db_ms, response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refill", action="store_true", help="add the coordination records again")
    args = parser.parse_args()
    url = configure()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from sign_in import sign_in  # bench/sign_in.py: past the second factor

    from coordination.models import MOU, Realisation

    codes = village_codes(url)
    # Only this app's tables (and what they depend on): the bench database is shared.
    call_command("migrate", "coordination", verbosity=0)
    print(f"coverage bench on {connection.vendor}: {len(codes)} enrolled villages")

    if args.refill:
        clear()
    if MOU.objects.filter(number__startswith=BENCH_PREFIX).exists():
        print("fill skipped: bench coordination records already there (--refill to fill again)")
    else:
        started = time.perf_counter()
        counts = fill(codes)
        print(
            "filled in {:.1f} s: {}".format(
                time.perf_counter() - started, ", ".join(f"{n:,} {what}" for what, n in counts.items())
            )
        )
    realised = Realisation.objects.filter(status="realised").count()
    print(f"realised commitments in villages: {realised:,}")

    client = Client()
    sign_in(client, bench_user())
    print(
        f"\nServer time in-process (django.test.Client), ministry user, "
        f"{WARM_UPS} warm-ups + {RUNS} runs each."
    )
    header = f"{'page':<28} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'query ms':>9}  target"
    print(header)
    print("-" * len(header))
    for label, page_url, target in (
        ("coverage matrix, page 1", "/koordinasi/cakupan/", f"< {TARGET_MS} ms median on postgresql"),
        ("  page 2", "/koordinasi/cakupan/?page=2", "-"),
        ("  by regency, last page", "/koordinasi/cakupan/?sort=regency&page=last", "-"),
        ("  one province", f"/koordinasi/cakupan/?province={codes[0][:2]}", "-"),
        ("coverage export .xlsx (all)", "/koordinasi/cakupan.xlsx", "-"),
    ):
        result = time_page(client, page_url)
        if result is None:
            print(f"{label:<28} failed")
            continue
        median, p90, queries, db_ms, response = result
        print(f"{label:<28} {median:>10.1f} {p90:>8.1f} {queries:>8} {db_ms:>9.1f}  {target}")
        if response["Content-Type"].startswith("text/html"):
            rows = response.content.decode().count('<th scope="row"')
            print(
                f"{'':<28} {rows} village rows, {len(response.content) / 1024:,.0f} KB HTML (budget 200 KB)"
            )
    from coordination.selectors import coverage_matrix
    from villages.models import Village

    uncovered = coverage_matrix(villages=Village.objects.all()).uncovered
    print("villages where no one covers the pillar (I, II, III, IV): " + ", ".join(str(n) for n in uncovered))


if __name__ == "__main__":
    main()
