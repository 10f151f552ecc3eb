"""Household registry at national scale: 500 villages, 1,000,000 members in
about 250,000 households. Fills a bench database of its own, then times the
household pages in-process with django.test.Client. Prints figures; asserts
nothing.

Run with `make bench`, or directly:

    .venv/bin/python bench/households.py             # SQLite in the temp folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/households.py         # PostgreSQL (the database must exist)

The developer's DATABASE_URL is never used. The SQLite file stays in
<temp folder>/desmigratif-bench/ between runs, and a filled database is reused:
only the first run fills (a few minutes). --refill fills again.
"""

import argparse
import csv
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_MEMBERS = 1_000_000
BATCH_HOUSEHOLDS = 5_000  # about 20,000 members per batch
WARM_UPS = 3
RUNS = 30
SEED = 2017
TARGET_MS = 100

# Where the 500 villages come from: migrant-sending provinces, villages per province.
PROVINCE_VILLAGES = {
    "35": 120,  # Jawa Timur
    "33": 100,  # Jawa Tengah
    "32": 100,  # Jawa Barat
    "52": 60,  # Nusa Tenggara Barat
    "53": 40,  # Nusa Tenggara Timur
    "18": 40,  # Lampung
    "51": 20,  # Bali
    "36": 20,  # Banten
}

# fmt: off
MALE_NAMES = (
    "Agus", "Budi", "Joko", "Slamet", "Bambang", "Eko", "Hadi", "Rudi", "Suyanto", "Wahyu", "Ahmad",
    "Muhammad", "Imam", "Teguh", "Dedi", "Yusuf", "Rizki", "Andi", "Hendra", "Supriyadi", "Made",
    "Ketut", "Lalu", "Yohanes", "Asep"
)
FEMALE_NAMES = (
    "Siti", "Sri", "Wati", "Dewi", "Nur", "Ani", "Rina", "Yuni", "Lestari", "Kartini", "Sumiati",
    "Fitri", "Ratna", "Endang", "Tri", "Sari", "Indah", "Aminah", "Nining", "Suryani", "Ni", "Baiq",
    "Maria", "Euis", "Yanti"
)
SECOND_NAMES = (
    "Rahayu", "Wulandari", "Susanti", "Hidayat", "Santoso", "Saputra", "Pratama", "Setiawan",
    "Kurniawan", "Hartono", "Wibowo", "Purnomo", "Nugroho", "Handayani", "Maryati", "Suparman",
    "Sulistyo", "Ningsih", "Wahyuni", "Hasanah", "Rohmah", "Kusuma"
)
HAMLETS = (
    "Krajan", "Karanganyar", "Sukamaju", "Sidomulyo", "Tegalrejo", "Kebonsari", "Sumberejo", "Wonosari"
)
# fmt: on
STREETS = ("Jl. Raya Desa", "Jl. Masjid", "Jl. Pasar", "Jl. Sawah", "Gg. Mawar", "Gg. Melati")

# Destination country, weight, [(sector, occupation), ...]
COUNTRIES = (
    ("MY", 30, [("formal", "Buruh perkebunan sawit"), ("formal", "Pekerja konstruksi"),
                ("informal", "PLRT")]),
    ("TW", 25, [("informal", "Perawat lansia"), ("formal", "Operator pabrik"),
                ("formal", "ABK kapal ikan")]),
    ("HK", 20, [("informal", "PLRT"), ("informal", "Perawat lansia")]),
    ("SA", 10, [("informal", "PLRT"), ("informal", "Sopir keluarga")]),
    ("SG", 8, [("informal", "PLRT"), ("informal", "Pengasuh anak")]),
    ("KR", 7, [("formal", "Operator produksi"), ("formal", "ABK kapal ikan")]),
)  # fmt: skip
COUNTRY_CUM = [sum(c[1] for c in COUNTRIES[: i + 1]) for i in range(len(COUNTRIES))]
AGENCIES = (
    "PT Bina Karya Mandiri",
    "PT Sinar Jaya Abadi",
    "PT Duta Pekerja Indonesia",
    "PT Mitra Sejahtera Nusantara",
    "PT Citra Tenaga Kerja",
)
TRAINING = ("Menjahit", "Tata boga", "Pemasaran daring", "Peternakan kambing", "", "")
CAREGIVERS = ("Nenek", "Kakek", "Ayah", "Ibu", "Bibi")
ADULT_EDUCATION = ("sd",) * 30 + ("smp",) * 30 + ("sma",) * 30 + ("d3",) * 3 + ("s1",) * 5 + ("none",) * 2

HOUSEHOLD_COLUMNS = ("id", "village_id", "no_kk", "dusun", "rt", "rw", "address")
MEMBER_COLUMNS = (
    "id", "household_id", "nik", "name", "sex", "birth_date", "relation", "education",
    "migration_status", "destination_country", "sector", "occupation", "placement_agency",
    "departure_date", "return_date", "channel", "business_status", "training_wishes",
    "schooling", "caregiver",
)  # fmt: skip
NULL = r"\N"


def configure(refill):
    """Point Django at the bench database; returns the SQLite path or None."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    sqlite_path = None
    if not url:
        folder = Path(tempfile.gettempdir()) / "desmigratif-bench"
        folder.mkdir(exist_ok=True)
        sqlite_path = folder / "households.sqlite3"
        if refill:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{sqlite_path}"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"
    hosts = os.environ.get("ALLOWED_HOSTS") or "127.0.0.1,localhost"
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return sqlite_path


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Data ---------------------------------------------------------------------------------


def choose_village_codes(rng, province_villages=PROVINCE_VILLAGES):
    """Real village codes, one per district (so NIK and No. KK serials, counted per
    village, are unique), spread over province_villages (PROVINCE_VILLAGES by default)."""
    from villages.models import Area, AreaLevel

    by_district = {}
    codes = Area.objects.filter(level=AreaLevel.VILLAGE).values_list("code", flat=True).order_by("code")
    for code in codes:
        if code[:2] in province_villages:
            by_district.setdefault(code[:8], []).append(code)
    chosen = []
    for province, count in province_villages.items():
        districts = sorted(d for d in by_district if d.startswith(province + "."))
        for district in rng.sample(districts, min(count, len(districts))):
            chosen.append(rng.choice(by_district[district]))
    return chosen


def enrol_villages(codes, rng):
    from villages.models import Village

    enrolled = set(Village.objects.filter(area_id__in=codes).values_list("area_id", flat=True))
    missing = [
        Village(area_id=code, cohort_year=rng.choice((2017, 2018, 2019)))
        for code in codes
        if code not in enrolled
    ]
    Village.objects.bulk_create(missing)
    return len(missing)


class Generator:
    """Households and members in batches; everything derives from the seed."""

    def __init__(self, village_codes, seed=SEED, members=N_MEMBERS):
        self.rng = random.Random(seed)
        self.n_members = members
        self.today = date.today()
        self.villages = village_codes
        weights = [self.rng.uniform(0.5, 1.5) for _ in village_codes]
        self.cum_weights = [sum(weights[: i + 1]) for i in range(len(weights))]
        self.households_in = dict.fromkeys(village_codes, 0)
        self.members_in = dict.fromkeys(village_codes, 0)

    def household_sizes(self):
        """Sizes 1..7 averaging 4 until n_members members exist."""
        total = 0
        while total < self.n_members:
            size = min(self.rng.choice((1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 7)), self.n_members - total)
            total += size
            yield size

    def batches(self, first_household_id, first_member_id):
        household_id, member_id = first_household_id, first_member_id
        sizes = list(self.household_sizes())
        for start in range(0, len(sizes), BATCH_HOUSEHOLDS):
            chunk = sizes[start : start + BATCH_HOUSEHOLDS]
            villages = self.rng.choices(self.villages, cum_weights=self.cum_weights, k=len(chunk))
            households, members = [], []
            for size, village in zip(chunk, villages, strict=True):
                households.append(self.household(household_id, village))
                members.extend(self.members(household_id, member_id, village, size))
                household_id += 1
                member_id += size
            yield households, members

    def household(self, household_id, village):
        rng = self.rng
        self.households_in[village] += 1
        issued = self.today - timedelta(days=rng.randint(30, 15 * 365))
        district = village[:8].replace(".", "")
        no_kk = f"{district}{issued:%d%m%y}{self.households_in[village]:04d}"
        return (
            household_id,
            village,
            no_kk,
            f"Dusun {rng.choice(HAMLETS)}",
            f"{rng.randint(1, 15):03d}",
            f"{rng.randint(1, 6):03d}",
            f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
        )

    def people(self, size):
        """(relation, sex, age) for each member; the head first."""
        rng = self.rng
        head_age = rng.randint(22, 65)
        head_sex = "L" if rng.random() < 0.8 else "P"
        people = [("head", head_sex, head_age)]
        if size > 1 and rng.random() < 0.85:
            spouse_age = min(max(head_age + rng.randint(-8, 5), 19), 85)
            people.append(("wife", "P", spouse_age) if head_sex == "L" else ("husband", "L", spouse_age))
        while len(people) < size:
            r = rng.random()
            if r < 0.08 and head_age <= 60:
                people.append(("parent", rng.choice("LP"), min(head_age + rng.randint(20, 32), 90)))
            elif r < 0.13 and head_age >= 45:
                people.append(("grandchild", rng.choice("LP"), rng.randint(0, 10)))
            elif r < 0.18:
                people.append(("other_family", rng.choice("LP"), rng.randint(5, 60)))
            else:
                people.append(("child", rng.choice("LP"), rng.randint(0, max(0, min(head_age - 19, 35)))))
        return people

    def members(self, household_id, first_id, village, size):
        rng, today = self.rng, self.today
        people = self.people(size)
        adults = [i for i, (_r, _s, age) in enumerate(people) if 19 <= age <= 55]
        migrants = set()
        if adults:
            migrants.add(rng.choice(adults))
            migrants.update(i for i in adults if rng.random() < 0.12)
        else:
            migrants.add(0)  # an older head who worked abroad years ago
        district = village[:8].replace(".", "")
        rows = []
        parent_abroad = False
        for index, (relation, sex, age) in enumerate(people):
            self.members_in[village] += 1
            born = today - timedelta(days=age * 365 + rng.randint(0, 364))
            day = born.day + 40 if sex == "P" else born.day
            nik = f"{district}{day:02d}{born:%m%y}{self.members_in[village]:04d}"
            first = rng.choice(FEMALE_NAMES if sex == "P" else MALE_NAMES)
            name = f"{first} {rng.choice(SECOND_NAMES)}"
            if age < 7:
                education = "none"
            elif age < 19:
                education = "sd" if age < 13 else "smp" if age < 16 else "sma"
            else:
                education = rng.choice(ADULT_EDUCATION)
            country = sector = occupation = agency = channel = business = training = ""
            schooling = caregiver = ""
            departure = returned = None
            if index in migrants:
                status = "pmi" if (r := rng.random()) < 0.45 else "returnee" if r < 0.8 else "cpmi"
                country, _weight, jobs = rng.choices(COUNTRIES, cum_weights=COUNTRY_CUM)[0]
                job_sector, occupation = rng.choice(jobs)
                procedural = rng.random() < 0.85
                channel = "procedural" if procedural else "non_procedural"
                agency = rng.choice(AGENCIES) if procedural else ""
                adult_days = (age - 18) * 365
                if status == "pmi":
                    sector = job_sector
                    departure = today - timedelta(days=rng.randint(30, max(31, min(adult_days, 8 * 365))))
                    parent_abroad = parent_abroad or relation in ("head", "wife", "husband")
                elif status == "returnee":
                    sector = job_sector
                    returned = today - timedelta(days=rng.randint(0, max(0, min(adult_days - 730, 15 * 365))))
                    departure = returned - timedelta(days=rng.randint(180, 3 * 365))
                    business = rng.choice(("has", "wants", "wants", "no"))
                    training = rng.choice(TRAINING)
            else:
                status = "family"
                if relation in ("child", "grandchild") and age < 19:
                    schooling = "not_yet" if age < 6 else "in_school" if rng.random() < 0.9 else "dropped_out"
            rows.append(
                [first_id + index, household_id, nik, name, sex, born, relation, education, status,
                 country, sector, occupation, agency, departure, returned, channel, business,
                 training, schooling, caregiver]
            )  # fmt: skip
        if parent_abroad:
            for row in rows:
                if row[6] == "child" and (today - row[5]).days < 18 * 365:
                    row[19] = rng.choice(CAREGIVERS)
        return rows


# --- Writing ------------------------------------------------------------------------------


def extra_columns(model, columns):
    """Columns added to the model after this script was written, with their defaults."""
    from django.db import connection

    extra = []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.column in ("created_at", "updated_at"):
            continue
        value = field.get_db_prep_save(field.get_default(), connection)
        extra.append((field.column, NULL if value is None else value))
    return extra


def copy_rows(cursor, model, columns, rows, stamp):
    """COPY rows into the model's table through an in-memory CSV."""
    extra = extra_columns(model, columns)
    tail = [stamp, stamp, *(value for _column, value in extra)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([NULL if v is None else v for v in row] + tail for row in rows)
    buffer.seek(0)
    names = ", ".join([*columns, "created_at", "updated_at", *(column for column, _v in extra)])
    sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, buffer)
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(buffer.getvalue())


def clear_households():
    from django.db import connection

    from villages.models import Household, IdNumberAccess, Member

    tables = [m._meta.db_table for m in (Member, Household, IdNumberAccess)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {table}")


def fill(village_codes, n_members=N_MEMBERS):
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.test.utils import override_settings
    from django.utils import timezone

    from villages.matching import match_key
    from villages.models import Household, Member

    postgres = connection.vendor == "postgresql"
    generator = Generator(village_codes, members=n_members)
    households = members = 0
    # DEBUG would keep every query's SQL in memory; not wanted for a million rows.
    with override_settings(DEBUG=False), transaction.atomic():
        if Member.objects.exists() or Household.objects.exists():
            clear_households()
        first_household = (Household.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        first_member = (Member.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        stamp = timezone.now().isoformat()
        with connection.cursor() as cursor:
            if not postgres:
                cursor.execute("PRAGMA cache_size = -131072")  # 128 MB while filling
            for household_rows, member_rows in generator.batches(first_household, first_member):
                # The match key Member.clean() and save() would store (possible duplicates).
                member_rows = [[*row, match_key(row[3], row[5])] for row in member_rows]
                member_columns = (*MEMBER_COLUMNS, "match_key")
                if postgres:
                    copy_rows(cursor, Household, HOUSEHOLD_COLUMNS, household_rows, stamp)
                    copy_rows(cursor, Member, member_columns, member_rows, stamp)
                else:
                    Household.objects.bulk_create(
                        Household(**dict(zip(HOUSEHOLD_COLUMNS, row, strict=True))) for row in household_rows
                    )
                    Member.objects.bulk_create(
                        Member(**dict(zip(member_columns, row, strict=True))) for row in member_rows
                    )
                households += len(household_rows)
                members += len(member_rows)
            if postgres:
                for statement in connection.ops.sequence_reset_sql(no_style(), [Household, Member]):
                    cursor.execute(statement)
            else:
                cursor.execute("PRAGMA cache_size = -2000")
    return households, members


def analyze():
    """PostgreSQL's autovacuum would soon do this in production. SQLite gathers no
    statistics unless asked, and the portal never asks, so none are made; its
    write-ahead log (as big as the data after the fill) is folded into the file."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def add_history(village_code):
    """A member saved through the portal has at least its "created" history record,
    and the member page reads it. The fill writes no history, so the timed
    village's members get theirs here (a few thousand rows)."""
    from villages.models import Member

    members = Member.objects.filter(household__village_id=village_code)
    if not Member.history.filter(id__in=members.values("id")).exists():
        Member.history.bulk_history_create(list(members), default_change_reason="bench fill")


def database_size(sqlite_path):
    from django.db import connection

    if sqlite_path:
        total = sum(
            Path(f"{sqlite_path}{suffix}").stat().st_size
            for suffix in ("", "-wal", "-shm")
            if Path(f"{sqlite_path}{suffix}").exists()
        )
        return f"{total / 2**20:,.0f} MB (file {sqlite_path})"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
    return f"{total / 2**20:,.0f} MB (database {connection.settings_dict['NAME']})"


# --- Timing -------------------------------------------------------------------------------


def bench_users(village_code):
    from desmigratif.models import Role, User

    users = {}
    for username, role, scope in (
        ("bench-ministry", Role.MINISTRY, None),
        ("bench-officer", Role.VILLAGE_OFFICER, village_code),
    ):
        user, _created = User.objects.update_or_create(
            username=username, defaults={"role": role, "scope_id": scope}
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[username.removeprefix("bench-")] = user
    return users


def time_page(client, url):
    """(median ms, p90 ms, "queries / their ms", note); note is set when there is no
    timing. The queries are counted on one extra request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        for _ in range(WARM_UPS):
            response = client.get(url)
        if response.status_code == 404:
            return None, None, None, "page not built yet (404)"
        if response.status_code != 200:
            return None, None, None, f"HTTP {response.status_code}"
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
    except Exception as error:  # a page under construction may fail; report, go on
        return None, None, None, f"error: {type(error).__name__}: {str(error).splitlines()[0][:70]}"
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    db_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return statistics.median(times), p90, f"{len(queries)} / {db_ms:.1f}", ""


def measure(village_code, sqlite_path):
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from villages.models import Member

    members = list(
        Member.objects.filter(household__village_id=village_code)
        .order_by("id")
        .values_list("id", "nik", "migration_status")
    )
    middle = members[len(members) // 2 :]
    search_nik = middle[0][1]
    member_pk = next((pk for pk, _nik, status in middle if status == "pmi"), middle[0][0])

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    pages = [
        ("village page", url("villages:detail", village_code), False),
        ("household list", url("villages:households", village_code), True),
        ("search by NIK", url("villages:households", village_code, query=f"?q={search_nik}"), True),
        ("member page", url("villages:member", village_code, member_pk), False),
    ]
    add_history(village_code)
    users = bench_users(village_code)
    database = connection.vendor
    rows = []
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        for label, page_url, has_target in pages:
            target = f"< {TARGET_MS} ms median on postgresql" if has_target else "-"
            if page_url is None:
                rows.append((label, role, database, None, None, None, "page not built yet (no URL)", target))
                continue
            median, p90, queries, note = time_page(client, page_url)
            rows.append((label, role, database, median, p90, queries, note, target))

    print(f"\nServer time in-process (django.test.Client), {WARM_UPS} warm-ups + {RUNS} requests each;")
    print(f"village {village_code}, NIK searched {search_nik}, member {member_pk}.")
    columns = ("page", "user", "database", "median ms", "p90 ms", "queries/ms")
    header = "{:<16} {:<9} {:<11} {:>10} {:>8} {:>11}  target".format(*columns)
    print(header)
    print("-" * len(header))
    for label, role, db, median, p90, queries, note, target in rows:
        if note:
            print(f"{label:<16} {role:<9} {db:<11} {note}  [{target}]")
        else:
            print(f"{label:<16} {role:<9} {db:<11} {median:>10.1f} {p90:>8.1f} {queries:>11}  {target}")
    print(f"bench database size: {database_size(sqlite_path)}")


# --- Main ---------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refill", action="store_true", help="fill again even if the data is there")
    args = parser.parse_args()
    sqlite_path = configure(args.refill)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from villages.models import Household, Member
    from villages.services import areas_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = areas_load()
    print(
        f"households bench on {connection.vendor}: migrate + load_areas "
        f"{time.perf_counter() - started:.1f} s ({result.created} areas created)"
    )

    rng = random.Random(SEED)
    codes = choose_village_codes(rng)
    enrolled = enrol_villages(codes, rng)
    print(f"villages: {len(codes)} in {len({c[:2] for c in codes})} provinces ({enrolled} newly enrolled)")

    present = Member.objects.count()
    if present == N_MEMBERS and not args.refill:
        print(f"fill skipped: {present:,} members already there (--refill to fill again)")
    else:
        rss_before = peak_rss_mb()
        started = time.perf_counter()
        households, members = fill(codes)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        analyze()
        analyzed = time.perf_counter() - started
        print(
            f"fill on {connection.vendor}: {households:,} households, {members:,} members in {filled:.1f} s "
            f"({members / filled:,.0f} members/s); vacuum/analyze or checkpoint {analyzed:.1f} s; "
            f"peak memory {rss_before:,.0f} MB before fill, {peak_rss_mb():,.0f} MB after"
        )

    biggest = (
        Household.objects.filter(village_id__in=codes)
        .values("village_id")
        .annotate(n=Count("id"))
        .order_by("-n", "village_id")
        .first()
    )
    print(f"biggest village {biggest['village_id']}: {biggest['n']:,} households (timed below)")
    measure(biggest["village_id"], sqlite_path)


if __name__ == "__main__":
    main()
