"""Household survey import at 100,000 members, on PostgreSQL: our pipeline
(surveys.imports) against a plain django-import-export import and a
PostgreSQL COPY of the same rows, each into emptied household tables, all in
one run. Prints figures; asserts nothing.

Run with `make bench`, or directly:

    .venv/bin/python bench/imports.py              # the three methods, memory of ours
    .venv/bin/python bench/imports.py --profile    # and cProfile of one import (top 25)
    .venv/bin/python bench/imports.py --xlsx       # and our import of the same rows as .xlsx
    .venv/bin/python bench/imports.py --ours-only --profile --members 20000   # quick iterations

Our import is run for three cases, each in a fresh process whose peak RSS
(VmHWM: Python, Django and the import) is the memory figure: the new import
into empty tables, the same file again (every row unchanged), and a corrected
file (every 10th row's name changed) over it; with --xlsx, the same three from
the .xlsx file.

The database is BENCH_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/desmigratif_import_bench; it is created
with psql when missing and left in place (areas and 40 enrolled villages stay;
the household tables are emptied before each import). The developer's
DATABASE_URL is never used. The survey files are written to a temporary
folder, deleted at the end.

What is compared (each writes the same members in the same households, from
empty household, member and history tables, with DEBUG off):

- ours: importer_for("households").run(read_rows(file), write=True) on the
  survey file as a village sends it (IMPORT_FORMATS section 1: Indonesian
  labels, DD/MM/YYYY dates), everything from reading the file to the commit.
- plain django-import-export: ModelResources as the library's documentation
  shows them (declared Field(attribute=..., column_name=...), a
  ForeignKeyWidget, tablib.Dataset().load(...), import_data(dataset,
  dry_run=False)): households first, one row per No. KK, then the members.
  The library cannot read our labels ("Kepala Keluarga", "PMI Purna",
  "Malaysia"), so it gets the same rows with every value pre-converted to
  what the model stores (untimed); dates stay DD/MM/YYYY, parsed by its
  DateWidget. If a 10,000-row slice says the whole file would take more than
  10 minutes, the figure is the slice's time extrapolated linearly, and the
  output says so.
- COPY: the already-validated values (as the model stores them) written with
  psycopg2's copy_expert into the household and member tables; no history.
  Its time includes turning the values into CSV and the commit.
"""

import argparse
import cProfile
import csv
import gc
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/desmigratif_import_bench"
N_MEMBERS = 100_000
N_VILLAGES = 40
PLAIN_SLICE = 10_000
PLAIN_FULL_LIMIT_S = 600  # above this (estimated from the slice), extrapolate
SEED = 2017
TARGET_VS_PLAIN = 10  # ours at least 10x faster than the plain import
TARGET_VS_COPY = 3  # ours within 3x of COPY
TARGET_MEMORY_MB = 250  # peak RSS of the importing process, each case (issue 13)
CORRECTED_EVERY = 10  # the corrected file changes the name on every 10th row
PROFILE_LINES = 25

# Migrant-sending provinces the villages are drawn from.
PROVINCES = ("35", "33", "32", "52", "53", "18", "51", "36")
# fmt: off
MALE_NAMES = (
    "Agus", "Budi", "Joko", "Slamet", "Bambang", "Eko", "Hadi", "Rudi", "Wahyu", "Ahmad", "Imam",
    "Teguh", "Yusuf", "Andi", "Hendra", "Made", "Ketut", "Lalu", "Yohanes", "Asep",
)
FEMALE_NAMES = (
    "Siti", "Sri", "Wati", "Dewi", "Nur", "Ani", "Rina", "Yuni", "Lestari", "Kartini", "Fitri",
    "Ratna", "Endang", "Sari", "Indah", "Aminah", "Suryani", "Ni", "Baiq", "Maria",
)
SECOND_NAMES = (
    "Rahayu", "Wulandari", "Susanti", "Hidayat", "Santoso", "Saputra", "Pratama", "Setiawan",
    "Kurniawan", "Hartono", "Wibowo", "Nugroho", "Handayani", "Maryati", "Ningsih", "Wahyuni",
)
HAMLETS = ("Krajan", "Karanganyar", "Sukamaju", "Sidomulyo", "Tegalrejo", "Kebonsari", "Wonosari")
STREETS = ("Jl. Raya Desa", "Jl. Masjid", "Jl. Pasar", "Jl. Sawah", "Gg. Mawar", "Gg. Melati")
AGENCIES = (
    "PT Bina Karya Mandiri", "PT Sinar Jaya Abadi", "PT Duta Pekerja Indonesia",
    "PT Mitra Sejahtera Nusantara", "PT Citra Tenaga Kerja",
)
# Destination, [(sector, occupation), ...]
COUNTRIES = (
    ("MY", [("formal", "Buruh perkebunan sawit"), ("formal", "Pekerja konstruksi"), ("informal", "PLRT")]),
    ("TW", [("informal", "Perawat lansia"), ("formal", "Operator pabrik"), ("formal", "ABK kapal ikan")]),
    ("HK", [("informal", "PLRT"), ("informal", "Perawat lansia")]),
    ("SA", [("informal", "PLRT"), ("informal", "Sopir keluarga")]),
    ("SG", [("informal", "PLRT"), ("informal", "Pengasuh anak")]),
    ("KR", [("formal", "Operator produksi"), ("formal", "ABK kapal ikan")]),
)
ADULT_EDUCATION = ("sd",) * 30 + ("smp",) * 30 + ("sma",) * 30 + ("d3",) * 3 + ("s1",) * 5 + ("none",) * 2
# fmt: on
HOUSEHOLD_SIZES = (1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 7)  # 4 on average: 25,000 households
COPY_NULL = r"\N"


# --- Set-up -------------------------------------------------------------------------------


def configure():
    """Point Django at the PostgreSQL bench database, creating it if missing."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench/imports.py compares with PostgreSQL COPY: BENCH_DATABASE_URL must be postgres://…")
    ensure_database(parts)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"  # development settings (no SECRET_KEY needed); DEBUG is off while timing
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desmigratif.settings")
    return parts.path.lstrip("/")


def ensure_database(parts):
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        sys.exit(f"bench/imports.py: unexpected database name {name!r}")
    psql = [
        "psql",
        "-h", parts.hostname or "127.0.0.1",
        "-p", str(parts.port or 5432),
        "-U", parts.username or "postgres",
        "-d", "postgres",
        "-tAc",
    ]  # fmt: skip
    env = dict(os.environ, PGPASSWORD=parts.password) if parts.password else None
    try:
        found = subprocess.run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        if found.stdout.strip() != "1":
            subprocess.run([*psql, f'CREATE DATABASE "{name}"'], capture_output=True, check=True, env=env)
            print(f"created database {name}")
    except FileNotFoundError:
        sys.exit("bench/imports.py needs psql to create the bench database")
    except subprocess.CalledProcessError as error:
        sys.exit(f"bench/imports.py: psql failed: {error.stderr.strip()}")


def choose_villages(rng):
    """N_VILLAGES real village codes, each in a district of its own (NIK and No. KK
    serials are counted per village, so the numbers are unique)."""
    from villages.models import Area, AreaLevel

    by_district = {}
    for code in Area.objects.filter(level=AreaLevel.VILLAGE).values_list("code", flat=True).order_by("code"):
        if code[:2] in PROVINCES:
            by_district.setdefault(code[:8], []).append(code)
    districts = rng.sample(sorted(by_district), N_VILLAGES)
    return sorted(rng.choice(by_district[district]) for district in districts)


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


# --- The survey file ----------------------------------------------------------------------


class Survey:
    """The household survey, as unsaved Household and Member instances, streamed:
    households of 1 to 7 members, NIKs agreeing with date of birth and sex,
    about one migrant (CPMI, PMI or PMI purna, with the fields the status
    requires) per household. Everything derives from the seed, so the .csv and
    the .xlsx hold the same rows."""

    def __init__(self, village_codes, n_members, seed=SEED):
        self.villages = village_codes
        self.n_members = n_members
        self.seed = seed
        self.today = date.today()

    def households(self):
        from villages.models import Household

        rng = random.Random(self.seed)
        households_in = dict.fromkeys(self.villages, 0)
        members_in = dict.fromkeys(self.villages, 0)
        total = 0
        while total < self.n_members:
            size = min(rng.choice(HOUSEHOLD_SIZES), self.n_members - total)
            total += size
            village = rng.choice(self.villages)
            district = village[:8].replace(".", "")
            households_in[village] += 1
            issued = self.today - timedelta(days=rng.randint(30, 15 * 365))
            household = Household(
                village_id=village,
                no_kk=f"{district}{issued:%d%m%y}{households_in[village]:04d}",
                dusun=f"Dusun {rng.choice(HAMLETS)}",
                rt=f"{rng.randint(1, 15):03d}",
                rw=f"{rng.randint(1, 6):03d}",
                address=f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
            )
            members = []
            people = self.people(rng, size)
            adults = [i for i, (_relation, _sex, age) in enumerate(people) if 19 <= age <= 55]
            migrants = {rng.choice(adults)} | {i for i in adults if rng.random() < 0.1} if adults else set()
            for index, (relation, sex, age) in enumerate(people):
                members_in[village] += 1
                nik_start = f"{district}{{}}{members_in[village]:04d}"
                members.append(self.member(rng, household, nik_start, relation, sex, age, index in migrants))
            yield household, members

    @staticmethod
    def people(rng, size):
        """(relation, sex, age) for each member; the head first."""
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

    def member(self, rng, household, nik_pattern, relation, sex, age, migrant):
        """nik_pattern: the NIK with {} where the date of birth goes."""
        from villages.models import Member

        today = self.today
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        day = born.day + 40 if sex == "P" else born.day
        if age < 7:
            education = "none"
        elif age < 19:
            education = "sd" if age < 13 else "smp" if age < 16 else "sma"
        else:
            education = rng.choice(ADULT_EDUCATION)
        member = Member(
            household=household,
            nik=nik_pattern.format(f"{day:02d}{born:%m%y}"),
            name=f"{rng.choice(FEMALE_NAMES if sex == 'P' else MALE_NAMES)} {rng.choice(SECOND_NAMES)}",
            sex=sex,
            birth_date=born,
            relation=relation,
            education=education,
            migration_status="family",
        )
        if not migrant:
            return member
        status = "pmi" if (r := rng.random()) < 0.4 else "returnee" if r < 0.75 else "cpmi"
        country, jobs = rng.choice(COUNTRIES)
        sector, occupation = rng.choice(jobs)
        procedural = rng.random() < 0.85
        member.migration_status = status
        member.destination_country = country
        member.occupation = occupation
        member.placement_agency = rng.choice(AGENCIES) if procedural else ""
        member.channel = "procedural" if procedural else "non_procedural"
        adult_days = (age - 18) * 365
        if status == "pmi":
            member.sector = sector
            member.departure_date = today - timedelta(days=rng.randint(30, max(31, min(adult_days, 8 * 365))))
        elif status == "returnee":
            member.sector = sector
            home_days = rng.randint(0, max(0, min(adult_days - 730, 15 * 365)))
            member.return_date = today - timedelta(days=home_days)
            member.departure_date = member.return_date - timedelta(days=rng.randint(180, 3 * 365))
        return member

    def rows(self, corrected=False):
        """The file's rows, as our export writes them (labels, full NIKs); with
        `corrected`, every CORRECTED_EVERY-th row's name is changed."""
        from surveys import household_format as hf

        index = 0
        for _household, members in self.households():
            for member in members:
                row = hf.member_to_row(member, full_ids=True)
                if corrected and index % CORRECTED_EVERY == 0:
                    row["nama"] = f"{row['nama']} Purnomo"
                index += 1
                yield row


def write_survey(survey, path, corrected=False):
    from desmigratif.spreadsheets import write_csv, write_xlsx
    from surveys import household_format as hf

    if path.suffix == ".xlsx":
        write_xlsx(survey.rows(corrected), hf.COLUMNS, path, hf.SHEET_NAME)
    else:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            write_csv(survey.rows(corrected), hf.COLUMNS, stream)


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Timing:
    method: str
    rows: int
    seconds: float
    note: str = ""


def empty_household_tables():
    """Every method starts from empty household, member and history tables."""
    from django.db import connection

    from villages.models import Household, IdNumberAccess, Member

    models = (Member, Member.history.model, Household, Household.history.model, IdNumberAccess)
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        cursor.execute("CHECKPOINT")  # the previous method's writes are not flushed on the next one's clock
    gc.collect()


def table_counts():
    from villages.models import Household, Member

    return (
        f"{Household.objects.count():,} households, {Member.objects.count():,} members, "
        f"{Household.history.count() + Member.history.count():,} history rows"
    )


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def run_ours(path):
    from desmigratif.spreadsheets import read_rows
    from surveys.imports import importer_for

    started = time.perf_counter()
    report = importer_for("households", user=None).run(read_rows(path), write=True)
    return report, time.perf_counter() - started


def describe_report(report):
    text = (
        f"ok={report.ok}, written={report.written}, {report.total_rows:,} rows: {report.created:,} created, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged, {report.rejected:,} rejected, "
        f"{len(report.warnings)} warnings"
    )
    if report.errors:
        first = report.errors[0]
        text += f"; first error: row {first.row} {first.column}: {first.message}"
    return text


def vm_hwm_mb():
    """This process's peak RSS (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def child_import(path, empty):
    """In a fresh process (--child): one import of ours; prints its figures as JSON."""
    from django.test.utils import override_settings

    if empty:
        empty_household_tables()
    before = rss_mb()
    with override_settings(DEBUG=False):
        report, seconds = run_ours(Path(path))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": report.total_rows,
                "peak": vm_hwm_mb(),
                "before": before,
                "report": describe_report(report),
            }
        )
    )


@dataclass
class Case:
    label: str
    timing: Timing
    peak_mb: float
    before_mb: float


def measure_case(label, path, empty):
    """Our import of `path` in a process of its own (tables emptied first when
    `empty`): its time and that process's peak RSS."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    if empty:
        command.append("--child-empty")
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode:
        sys.exit(f"bench/imports.py: the {label} import failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {label}: {figures['seconds']:.1f} s; {figures['report']}")
    print(f"    tables after: {table_counts()}")
    print(f"    peak RSS {figures['peak']:,.0f} MB (the whole process; {figures['before']:,.0f} MB before)")
    timing = Timing(f"ours, {label}", figures["rows"], figures["seconds"])
    return Case(label, timing, figures["peak"], figures["before"])


def measure_cases(files, suffix):
    """New, re-import unchanged, 10% corrected re-import of the `suffix` files."""
    plain, corrected = files
    return [
        measure_case(f"new ({suffix})", plain, empty=True),
        measure_case(f"re-import unchanged ({suffix})", plain, empty=False),
        measure_case(f"10% corrected re-import ({suffix})", corrected, empty=False),
    ]


def measure_ours_traced(path):
    """Python's own allocations at their peak; tracemalloc slows the import down,
    so this is a run of its own and its time is not the one compared."""
    empty_household_tables()
    tracemalloc.start()
    try:
        report, seconds = run_ours(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f"  ours under tracemalloc: {seconds:.1f} s (slowed by tracing), ok={report.ok}, "
        f"peak {peak / 2**20:,.0f} MB"
    )
    return peak / 2**20


def profile_ours(path):
    empty_household_tables()
    profiler = cProfile.Profile()
    profiler.enable()
    report, seconds = run_ours(path)
    profiler.disable()
    print(f"\ncProfile of our import ({seconds:.1f} s under the profiler, ok={report.ok}):")
    for order, lines in (("cumulative", PROFILE_LINES), ("tottime", 15)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
        text = out.getvalue()
        # Shorter paths: the project's and the libraries' folders go.
        for prefix in (sysconfig.get_paths()["purelib"] + "/", str(ROOT) + "/"):
            text = text.replace(prefix, "")
        body = text[text.index("   ncalls") :] if "   ncalls" in text else text
        print(f"top {lines} by {order} time:\n{body.rstrip()}\n")


# The plain django-import-export import ------------------------------------------------------


def plain_resources():
    """ModelResources written the way the library's documentation shows them:
    fields mapped to the file's columns, the foreign keys through ForeignKeyWidget,
    the rest of the defaults untouched (row by row, diffs, one savepoint per row)."""
    from import_export import fields, resources
    from import_export.widgets import CharWidget, DateWidget, ForeignKeyWidget

    from villages.models import Household, Member, Village

    class HouseholdResource(resources.ModelResource):
        village = fields.Field(attribute="village", column_name="kode_desa", widget=ForeignKeyWidget(Village))
        no_kk = fields.Field(attribute="no_kk", column_name="no_kk", widget=CharWidget())
        dusun = fields.Field(attribute="dusun", column_name="dusun", widget=CharWidget())
        rt = fields.Field(attribute="rt", column_name="rt", widget=CharWidget())
        rw = fields.Field(attribute="rw", column_name="rw", widget=CharWidget())
        address = fields.Field(attribute="address", column_name="alamat", widget=CharWidget())

        class Meta:
            model = Household
            import_id_fields = ("no_kk",)
            fields = ("village", "no_kk", "dusun", "rt", "rw", "address")

    date_widget = DateWidget(format="%d/%m/%Y")

    class MemberResource(resources.ModelResource):
        household = fields.Field(
            attribute="household", column_name="no_kk", widget=ForeignKeyWidget(Household, field="no_kk")
        )
        nik = fields.Field(attribute="nik", column_name="nik", widget=CharWidget())
        name = fields.Field(attribute="name", column_name="nama", widget=CharWidget())
        sex = fields.Field(attribute="sex", column_name="jenis_kelamin", widget=CharWidget())
        birth_date = fields.Field(attribute="birth_date", column_name="tanggal_lahir", widget=date_widget)
        relation = fields.Field(attribute="relation", column_name="hubungan_keluarga", widget=CharWidget())
        education = fields.Field(attribute="education", column_name="pendidikan", widget=CharWidget())
        migration_status = fields.Field(
            attribute="migration_status", column_name="status_migrasi", widget=CharWidget()
        )
        destination_country = fields.Field(
            attribute="destination_country", column_name="negara_tujuan", widget=CharWidget()
        )
        sector = fields.Field(attribute="sector", column_name="sektor", widget=CharWidget())
        occupation = fields.Field(attribute="occupation", column_name="jabatan", widget=CharWidget())
        placement_agency = fields.Field(attribute="placement_agency", column_name="p3mi", widget=CharWidget())
        departure_date = fields.Field(
            attribute="departure_date", column_name="tanggal_berangkat", widget=date_widget
        )
        return_date = fields.Field(attribute="return_date", column_name="tanggal_kembali", widget=date_widget)
        channel = fields.Field(attribute="channel", column_name="jalur", widget=CharWidget())

        class Meta:
            model = Member
            import_id_fields = ("nik",)
            fields = (
                "household", "nik", "name", "sex", "birth_date", "relation", "education",
                "migration_status", "destination_country", "sector", "occupation", "placement_agency",
                "departure_date", "return_date", "channel",
            )  # fmt: skip

    return HouseholdResource, MemberResource


def validated_rows(path):
    """Every row of the survey file as the model values our parser gives (untimed)."""
    from desmigratif.spreadsheets import read_rows
    from surveys import household_format as hf

    rows, rejected = [], 0
    for _row_number, raw in read_rows(path):
        values, errors = hf.row_to_values(raw)
        rejected += bool(errors)
        rows.append(values)
    return rows, rejected


def write_plain_files(rows, folder, label):
    """The rows for the plain import, in the survey's columns but with the values
    the model stores ("head", not "Kepala Keluarga"; "MY", not "Malaysia");
    dates stay DD/MM/YYYY. Members: every row; households: the first row of
    each No. KK. Returns (households file, members file, households)."""
    from surveys import household_format as hf

    field_of = {column: field for field, column in hf.COLUMN_OF_FIELD.items()}
    household_columns = [hf.COLUMN_OF_FIELD[field] for field in hf.HOUSEHOLD_FIELDS]

    def cells(values, columns):
        out = []
        for column in columns:
            value = values[field_of[column]]
            if isinstance(value, date):
                value = value.strftime("%d/%m/%Y")
            out.append("" if value is None else value)
        return out

    households_path = folder / f"plain-households-{label}.csv"
    members_path = folder / f"plain-members-{label}.csv"
    seen = set()
    with (
        open(households_path, "w", encoding="utf-8", newline="") as households,
        open(members_path, "w", encoding="utf-8", newline="") as members,
    ):
        household_writer, member_writer = csv.writer(households), csv.writer(members)
        household_writer.writerow(household_columns)
        member_writer.writerow(hf.COLUMNS)
        for values in rows:
            if values["no_kk"] not in seen:
                seen.add(values["no_kk"])
                household_writer.writerow(cells(values, household_columns))
            member_writer.writerow(cells(values, hf.COLUMNS))
    return households_path, members_path, len(seen)


def run_plain(households_path, members_path):
    """(seconds for households, seconds for members, summary); the import as in the docs."""
    import tablib

    HouseholdResource, MemberResource = plain_resources()
    empty_household_tables()
    started = time.perf_counter()
    dataset = tablib.Dataset().load(households_path.read_text(encoding="utf-8"), format="csv")
    household_result = HouseholdResource().import_data(dataset, dry_run=False)
    households_done = time.perf_counter()
    dataset = tablib.Dataset().load(members_path.read_text(encoding="utf-8"), format="csv")
    member_result = MemberResource().import_data(dataset, dry_run=False)
    finished = time.perf_counter()

    def summary(result):
        totals = {kind: count for kind, count in result.totals.items() if count}
        errors = " WITH ERRORS" if result.has_errors() or result.has_validation_errors() else ""
        return f"{', '.join(f'{kind} {count:,}' for kind, count in totals.items())}{errors}"

    text = f"households: {summary(household_result)}; members: {summary(member_result)}"
    return households_done - started, finished - households_done, text


def measure_plain(rows, folder, plain_rows):
    n = len(rows)
    slice_rows = min(plain_rows or PLAIN_SLICE, n)
    households_path, members_path, households = write_plain_files(rows[:slice_rows], folder, "slice")
    household_s, member_s, text = run_plain(households_path, members_path)
    seconds = household_s + member_s
    print(
        f"  plain on {slice_rows:,} rows ({households:,} households): {seconds:.1f} s "
        f"(households {household_s:.1f} s, members {member_s:.1f} s); {text}"
    )
    print(f"    tables after: {table_counts()}")
    estimate = seconds * n / slice_rows
    if slice_rows == n:
        return Timing("plain django-import-export", n, seconds)
    if plain_rows or estimate > PLAIN_FULL_LIMIT_S:
        note = f"EXTRAPOLATED x{n / slice_rows:.1f} from {slice_rows:,} rows measured in {seconds:.1f} s"
        print(f"  plain on all {n:,} rows not run: {note}")
        return Timing("plain django-import-export", n, estimate, note)
    print(f"  the slice suggests {estimate:.0f} s for all {n:,} rows (<= {PLAIN_FULL_LIMIT_S} s): run them")
    households_path, members_path, households = write_plain_files(rows, folder, "all")
    household_s, member_s, text = run_plain(households_path, members_path)
    print(
        f"  plain on {n:,} rows ({households:,} households): {household_s + member_s:.1f} s "
        f"(households {household_s:.1f} s, members {member_s:.1f} s); {text}"
    )
    print(f"    tables after: {table_counts()}")
    return Timing("plain django-import-export", n, household_s + member_s)


# COPY ---------------------------------------------------------------------------------------


def copy_value(value):
    if value is None:
        return COPY_NULL
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def copy_buffer(model, rows):
    """The rows (dicts by attname; missing fields get their default) as COPY CSV."""
    fields = model._meta.concrete_fields
    defaults = {field.attname: field.get_default() for field in fields}
    names = [field.attname for field in fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([copy_value(row.get(name, defaults[name])) for name in names] for row in rows)
    buffer.seek(0)
    columns = ", ".join(field.column for field in fields)
    sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{COPY_NULL}')"
    return sql, buffer


def measure_copy(rows):
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from surveys import household_format as hf
    from villages.models import Household, Member

    empty_household_tables()
    started = time.perf_counter()
    stamp = timezone.now()
    household_ids, households, members = {}, [], []
    for values in rows:
        kk = values["no_kk"]
        if kk not in household_ids:
            household_ids[kk] = len(household_ids) + 1
            household = {field: values[field] for field in hf.HOUSEHOLD_FIELDS if field != "village_code"}
            households.append(
                {"id": household_ids[kk], "village_id": values["village_code"], **household,
                 "created_at": stamp, "updated_at": stamp}
            )  # fmt: skip
        members.append(
            {"id": len(members) + 1, "household_id": household_ids[kk],
             **{field: values[field] for field in hf.MEMBER_FIELDS}, "created_at": stamp, "updated_at": stamp}
        )  # fmt: skip
    household_copy = copy_buffer(Household, households)
    member_copy = copy_buffer(Member, members)
    serialised = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql, buffer in (household_copy, member_copy):
                cursor.cursor.copy_expert(sql, buffer)
            for statement in connection.ops.sequence_reset_sql(no_style(), [Household, Member]):
                cursor.execute(statement)
        copied = time.perf_counter()
    finished = time.perf_counter()
    seconds = finished - started
    print(
        f"  COPY: {seconds:.2f} s = rows to CSV {serialised - started:.2f} s + COPY statements "
        f"{copied - serialised:.2f} s + commit {finished - copied:.2f} s"
    )
    print(f"    tables after: {table_counts()}")
    return Timing("PostgreSQL COPY", len(rows), seconds), copied - serialised


# --- Main ---------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xlsx", action="store_true", help="also the three imports of ours from .xlsx files")
    parser.add_argument("--profile", action="store_true", help="also cProfile one import of ours (top 25)")
    parser.add_argument("--members", type=int, default=N_MEMBERS, help="rows in the file (default 100,000)")
    parser.add_argument(
        "--ours-only",
        action="store_true",
        help="time only our import (no tracemalloc run, no plain import, no COPY): for quick iterations",
    )
    parser.add_argument(
        "--plain-rows",
        type=int,
        default=0,
        help="measure the plain import on this many rows and extrapolate (default: all rows, "
        f"or {PLAIN_SLICE:,} extrapolated when all would take over {PLAIN_FULL_LIMIT_S} s)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one import in a process of its own
    parser.add_argument("--child-empty", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    database = configure()

    import django

    django.setup()
    if args.child:
        child_import(args.child, args.child_empty)
        return
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from villages.services import areas_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = areas_load()
    print(
        f"imports bench on {connection.vendor} (database {database}): migrate + load_areas "
        f"{time.perf_counter() - started:.1f} s ({result.created} areas created)"
    )
    rng = random.Random(SEED)
    codes = choose_villages(rng)
    enrolled = enrol_villages(codes, rng)
    print(f"villages: {len(codes)} in {len({c[:2] for c in codes})} provinces ({enrolled} newly enrolled)")

    folder = Path(tempfile.mkdtemp(prefix="desmigratif-import-bench-"))
    try:
        survey = Survey(codes, args.members)
        suffixes = [".csv", ".xlsx"] if args.xlsx else [".csv"]
        files = {}  # suffix -> (the survey, the corrected survey)
        for suffix in suffixes:
            files[suffix] = (folder / f"pendataan-rumah-tangga{suffix}", folder / f"koreksi{suffix}")
            for path, corrected in zip(files[suffix], (False, True), strict=True):
                started = time.perf_counter()
                write_survey(survey, path, corrected)
                print(
                    f"wrote {path.name}: {args.members:,} members, {path.stat().st_size / 2**20:.1f} MB "
                    f"in {time.perf_counter() - started:.1f} s"
                )
        csv_path = files[".csv"][0]

        print("\nour import (importer_for('households').run(read_rows(file), write=True)), one process each:")
        cases = []
        for suffix in suffixes:
            cases += measure_cases(files[suffix], suffix)
        timings = []
        # DEBUG would keep every query's SQL in memory; production runs without it.
        with override_settings(DEBUG=False):
            if args.profile:
                profile_ours(csv_path)
            if args.ours_only:
                print_cases(cases, None, None)
                return
            traced_peak = measure_ours_traced(csv_path)

            started = time.perf_counter()
            rows, rejected = validated_rows(csv_path)
            print(
                f"\nvalidated values for the other two methods: {len(rows):,} rows ({rejected} rejected) "
                f"in {time.perf_counter() - started:.1f} s (untimed)"
            )
            print("plain django-import-export (ModelResource, tablib Dataset, import_data):")
            plain = measure_plain(rows, folder, args.plain_rows)
            timings.append(plain)
            print("PostgreSQL COPY of the validated values (psycopg2 copy_expert, no history):")
            copy, copy_statements = measure_copy(rows)
            timings.append(copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    ours = cases[0].timing
    print(f"\nHousehold survey import, {args.members:,} members, PostgreSQL, same run:")
    header = f"{'method':<40} {'rows':>9} {'seconds':>9} {'rows/s':>9}  note"
    print(header)
    print("-" * len(header))
    for timing in [case.timing for case in cases] + timings:
        line = (
            f"{timing.method:<40} {timing.rows:>9,} {timing.seconds:>9.2f} "
            f"{timing.rows / timing.seconds:>9,.0f}  {timing.note}"
        )
        print(line.rstrip())
    vs_plain = plain.seconds / ours.seconds
    vs_copy = ours.seconds / copy.seconds
    extrapolated = " (plain extrapolated)" if plain.note else ""
    print(f"plain / ours: {vs_plain:.1f}x{extrapolated}; target >= {TARGET_VS_PLAIN}x")
    print(
        f"ours / COPY: {vs_copy:.1f}x ({ours.seconds / copy_statements:.1f}x against the COPY statements "
        f"alone); target <= {TARGET_VS_COPY}x"
    )
    print(f"Python allocations at the peak of the new .csv import: {traced_peak:,.0f} MB (tracemalloc)")
    print_cases(cases, copy, plain)


def print_cases(cases, copy, plain):
    """The three cases (per file type): time, ratios to COPY and to the plain
    import of the same rows into empty tables, peak RSS against the target."""
    print(
        f"\nEvery import of ours, {cases[0].timing.rows:,} rows "
        "(each in a fresh process; peak RSS = that process's VmHWM, Python and Django included):"
    )
    header = (
        f"{'case':<36} {'seconds':>8} {'/ COPY':>7} {'plain /':>8} {'peak RSS':>9}  < {TARGET_MEMORY_MB} MB"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        seconds = case.timing.seconds
        vs_copy = f"{seconds / copy.seconds:.1f}x" if copy else "-"
        vs_plain = f"{plain.seconds / seconds:.1f}x" if plain else "-"
        verdict = "PASS" if case.peak_mb < TARGET_MEMORY_MB else "FAIL"
        print(
            f"{case.label:<36} {seconds:>8.1f} {vs_copy:>7} {vs_plain:>8} {case.peak_mb:>6,.0f} MB  {verdict}"
        )
    if copy:
        note = " (extrapolated from a slice)" if plain.note else ""
        print(
            "Ratios are against the new import of the same rows into empty tables: COPY "
            f"{copy.seconds:.1f} s (no history written), plain django-import-export "
            f"{plain.seconds:.0f} s{note}; neither was run as a re-import."
        )


if __name__ == "__main__":
    main()
