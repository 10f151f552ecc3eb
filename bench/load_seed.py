"""The database the load test (bench/locustfile.py) runs against: the villages,
households and members of bench/households.py (500 villages, 1,000,000
members by default) plus users of every role with one known password:

- an officer for each village: petugas.<village code>, e.g. petugas.35.24.07.2004
- regency staff for each regency with a village: disnaker.<regency code>
- province staff for each province with a village: disnaker.<province code>
- ministry staff: kemnaker.beban

Run (the database must exist; deploy/loopback/run and `make load` do this):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench \\
        .venv/bin/python bench/load_seed.py                            # 500 villages, 1,000,000 members
    BENCH_DATABASE_URL=... .venv/bin/python bench/load_seed.py --villages 20 --members 20000

A filled database is reused (same number of members and villages): only the
users are made again. These users exist only in a bench database; their
password is printed in the README and must never reach a real one.

`--survey FILE --village CODE` instead writes a small household survey (.csv,
the import format) of new households of that village, for the loopback
script's import while the load runs; `--forget-surveys` removes the households
such an import wrote, so the seed stays as it was.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import households as fill_bench  # noqa: E402  (bench/households.py: one seeding, reused)

LOAD_PASSWORD = "desmigratif-beban-uji"
MINISTRY_USERNAME = "kemnaker.beban"
# The households of --survey files start their address so (removed by --forget-surveys).
SURVEY_ADDRESS = "Jl. Impor Beban No. "


def province_villages(total):
    """bench/households.py's spread of villages over provinces, scaled to `total`."""
    full = fill_bench.PROVINCE_VILLAGES
    scale = total / sum(full.values())
    counts = {province: max(1, round(count * scale)) for province, count in full.items()}
    # Rounding may overshoot or undershoot by a few: trim or pad the biggest province.
    biggest = max(counts, key=counts.get)
    counts[biggest] += total - sum(counts.values())
    return counts


def seed_users(codes):
    """A user of every role over the seeded villages; one password hash for all,
    since hashing 600 passwords would take minutes and protects nothing here."""
    from django.contrib.auth.hashers import make_password

    from desmigratif.models import Role, User

    password = make_password(LOAD_PASSWORD)
    wanted = [(MINISTRY_USERNAME, Role.MINISTRY, None)]
    wanted += [(f"disnaker.{p}", Role.PROVINCE, p) for p in sorted({code[:2] for code in codes})]
    wanted += [(f"disnaker.{r}", Role.REGENCY, r) for r in sorted({code[:5] for code in codes})]
    wanted += [(f"petugas.{code}", Role.VILLAGE_OFFICER, code) for code in sorted(codes)]
    usernames = [username for username, _role, _scope in wanted]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=username, role=role, scope_id=scope, password=password, is_active=True)
        for username, role, scope in wanted
        if username not in existing
    )
    # Already there from an earlier run: same role, scope and the known password.
    for username, role, scope in wanted:
        if username in existing:
            User.objects.filter(username=username).update(role=role, scope_id=scope, password=password)
    return len(wanted)


def write_survey(path, village_code, households=3, seed=None):
    """New households for `village_code` in the import format (.csv). NIK and No. KK
    serials start at 9000, above anything the fill gives one village, so the file
    never names a member already registered."""
    from imports import Survey  # bench/imports.py: the survey generator, reused

    from desmigratif.spreadsheets import write_csv
    from surveys import household_format as hf
    from villages.models import Household

    rng = random.Random(seed)
    survey = Survey([village_code], 0)
    district = village_code[:8].replace(".", "")
    # A household takes at most 5 serials (itself and up to 4 members): the last
    # stays a 4-digit serial however many households are asked for.
    serial = min(9000, 9999 - 5 * households - 900) + rng.randrange(0, 900)
    rows = []
    for _ in range(households):
        serial += 1
        issued = survey.today.replace(day=1)
        household = Household(
            village_id=village_code,
            no_kk=f"{district}{issued:%d%m%y}{serial:04d}",
            dusun="Dusun Krajan",
            rt="001",
            rw="001",
            address=f"{SURVEY_ADDRESS}{serial}",
        )
        for index, (relation, sex, age) in enumerate(survey.people(rng, rng.randint(2, 4))):
            serial += 1
            nik_pattern = f"{district}{{}}{serial:04d}"
            member = survey.member(rng, household, nik_pattern, relation, sex, age, index == 0)
            rows.append(hf.member_to_row(member, full_ids=True))
    with open(path, "w", encoding="utf-8", newline="") as stream:
        write_csv(rows, hf.COLUMNS, stream)
    return len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=sum(fill_bench.PROVINCE_VILLAGES.values()))
    parser.add_argument("--members", type=int, default=fill_bench.N_MEMBERS)
    parser.add_argument("--refill", action="store_true", help="fill again even if the data is there")
    parser.add_argument("--survey", type=Path, help="write a small household survey (.csv) and stop")
    parser.add_argument("--village", help="the village of --survey")
    parser.add_argument(
        "--households", type=int, default=3, help="households in the --survey file (default 3)"
    )
    parser.add_argument(
        "--forget-surveys", action="store_true", help="remove the households --survey files made"
    )
    args = parser.parse_args()
    fill_bench.configure(refill=False)

    import django

    django.setup()
    if args.survey:
        print(f"{write_survey(args.survey, args.village, args.households)} members written to {args.survey}")
        return
    if args.forget_surveys:
        from villages.models import Household

        deleted, _per_model = Household.objects.filter(address__startswith=SURVEY_ADDRESS).delete()
        print(f"{deleted} imported rows removed")
        return

    from django.core.management import call_command
    from django.db import connection

    from villages.models import Member
    from villages.services import areas_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    areas_load()
    print(f"load seed on {connection.vendor}: migrate + load_areas {time.perf_counter() - started:.1f} s")
    rng = random.Random(fill_bench.SEED)
    codes = fill_bench.choose_village_codes(rng, province_villages(args.villages))
    fill_bench.enrol_villages(codes, rng)
    present = Member.objects.count()
    if present == args.members and not args.refill:
        print(f"fill skipped: {present:,} members already there (--refill to fill again)")
    else:
        started = time.perf_counter()
        households, members = fill_bench.fill(codes, n_members=args.members)
        fill_bench.analyze()
        print(
            f"fill: {households:,} households, {members:,} members in {len(codes)} villages, "
            f"{time.perf_counter() - started:.1f} s"
        )
    print(f"users: {seed_users(codes)} (password {LOAD_PASSWORD})")
    # The dashboards read stored figures: count them now, as the worker would
    # after a real import, so the first load-test minute does not see zeros.
    from dashboards import aggregates

    started = time.perf_counter()
    counted = aggregates.refresh_stale()
    print(f"dashboard figures: {counted} villages counted, {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
