"""Demo coordination records for the demo villages (villages.demo.DEMO_VILLAGES):
the agencies the paper names, four MOUs of Kemnaker (with Kemenkes, Kemendes
PDTT, Kemenkop UKM and BNI) whose commitments are realised in some villages
and not in others, and programmes with budget lines from several sources and
years. Numbers, dates and amounts are invented; the stalled BNI learning-house
renovation in Namosain is from the paper. Everything goes through the
services, so the demo obeys the same rules as the pages; running it again
adds nothing."""

import datetime
from decimal import Decimal

from django.db import transaction

from coordination.models import MOU, Agency, BudgetLine, Commitment, NationalPriority, Programme, Realisation
from coordination.services import (
    agency_save,
    budget_line_save,
    commitment_save,
    mou_save,
    programme_save,
    realisation_save,
)
from desmigratif.models import User
from pillars.models import Pillar
from villages.models import Area, Village

BRENGKOK = "35.24.07.2004"
MEGONTEN = "33.21.14.2014"
JAMBENENGGANG = "32.02.34.2005"
NAMOSAIN = "53.71.01.1001"
NAIMATA = "53.71.02.1004"
GENGGELANG = "52.08.02.2003"
ALL_VILLAGES = [BRENGKOK, MEGONTEN, JAMBENENGGANG, NAMOSAIN, NAIMATA, GENGGELANG]

K = Agency.Kind
DEMO_AGENCIES = [
    # short name, name, kind, area
    ("Kemnaker", "Kementerian Ketenagakerjaan", K.MINISTRY, None),
    ("Kemendes PDTT", "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi", K.MINISTRY, None),
    ("Kemendikbud", "Kementerian Pendidikan dan Kebudayaan", K.MINISTRY, None),
    ("Kemenkes", "Kementerian Kesehatan", K.MINISTRY, None),
    ("Kementerian BUMN", "Kementerian Badan Usaha Milik Negara", K.MINISTRY, None),
    ("Kemen PPPA", "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak", K.MINISTRY, None),
    ("Kemenkop UKM", "Kementerian Koperasi dan Usaha Kecil dan Menengah", K.MINISTRY, None),
    ("Kemenparekraf", "Kementerian Pariwisata dan Ekonomi Kreatif (dahulu BEKRAF)", K.MINISTRY, None),
    ("Kemenkumham", "Kementerian Hukum dan Hak Asasi Manusia", K.MINISTRY, None),
    ("Kemenkominfo", "Kementerian Komunikasi dan Informatika", K.MINISTRY, None),
    ("BNI", "PT Bank Negara Indonesia (Persero) Tbk", K.BANK, None),
    ("BRI", "PT Bank Rakyat Indonesia (Persero) Tbk", K.BANK, None),
    ("Bank NTT", "PT Bank Pembangunan Daerah Nusa Tenggara Timur", K.BANK, None),
    (
        "Disnakertrans NTT",
        "Dinas Tenaga Kerja dan Transmigrasi Provinsi Nusa Tenggara Timur",
        K.PROVINCE_OFFICE,
        "53",
    ),
    ("Disnaker Lamongan", "Dinas Tenaga Kerja Kabupaten Lamongan", K.REGENCY_OFFICE, "35.24"),
    ("Yayasan Attin", "Yayasan Attin Kupang", K.NGO, None),
]

# number: (title, parties, signed, valid until, pillars, reach,
#          [(agency, pillar, what, {village: (status, date)})])
R, P, N = Realisation.Status.REALISED, Realisation.Status.IN_PROGRESS, Realisation.Status.NOT_STARTED
DEMO_MOUS = {
    "B.3/MEN/KS/II/2017": (
        "Kesehatan calon pekerja migran dan keluarganya di Desmigratif",
        ["Kemnaker", "Kemenkes"],
        datetime.date(2017, 2, 14),
        datetime.date(2022, 2, 13),
        [Pillar.MIGRATION_SERVICES, Pillar.COMMUNITY_PARENTING],
        [],
        [
            (
                "Kemenkes",
                Pillar.MIGRATION_SERVICES,
                "Pemeriksaan kesehatan calon PMI di puskesmas terdekat dengan layanan migrasi desa.",
                {BRENGKOK: (R, datetime.date(2018, 4, 10)), MEGONTEN: (R, datetime.date(2018, 9, 3))},
            ),
            (
                "Kemenkes",
                Pillar.COMMUNITY_PARENTING,
                "Kader posyandu dan bidan desa mengisi sesi community parenting tentang kesehatan anak PMI.",
                {
                    BRENGKOK: (R, datetime.date(2018, 8, 15)),
                    MEGONTEN: (R, datetime.date(2019, 3, 2)),
                    JAMBENENGGANG: (P, datetime.date(2019, 7, 1)),
                    GENGGELANG: (N, None),
                },
            ),
        ],
    ),
    "04/MOU/DESA-PDTT/V/2017": (
        "Sinergi Dana Desa dan program Desmigratif",
        ["Kemnaker", "Kemendes PDTT"],
        datetime.date(2017, 5, 22),
        datetime.date(2022, 5, 21),
        [Pillar.PRODUCTIVE_BUSINESS, Pillar.COOPERATIVE],
        [],
        [
            (
                "Kemendes PDTT",
                Pillar.PRODUCTIVE_BUSINESS,
                "Prioritas Dana Desa mencakup usaha produktif keluarga PMI dan PMI purna.",
                {
                    JAMBENENGGANG: (R, datetime.date(2019, 4, 20)),
                    MEGONTEN: (R, datetime.date(2019, 6, 11)),
                    NAMOSAIN: (N, None),
                },
            ),
            (
                "Kemendes PDTT",
                Pillar.COOPERATIVE,
                "BUMDes bermitra dengan koperasi Desmigratif untuk modal usaha anggota.",
                {MEGONTEN: (P, datetime.date(2020, 2, 3)), BRENGKOK: (N, None)},
            ),
        ],
    ),
    "11/KUKM/MOU/III/2018": (
        "Pemberdayaan koperasi dan usaha mikro di desa kantong PMI",
        ["Kemnaker", "Kemenkop UKM"],
        datetime.date(2018, 3, 8),
        datetime.date(2023, 3, 7),
        [Pillar.PRODUCTIVE_BUSINESS, Pillar.COOPERATIVE],
        [],
        [
            (
                "Kemenkop UKM",
                Pillar.COOPERATIVE,
                "Pelatihan pengelolaan dan pengesahan badan hukum koperasi Desmigratif.",
                {MEGONTEN: (R, datetime.date(2018, 11, 21)), BRENGKOK: (P, datetime.date(2019, 2, 14))},
            ),
            (
                "Kemenkop UKM",
                Pillar.PRODUCTIVE_BUSINESS,
                "Pendampingan UMKM: kemasan, label halal dan BPOM, pemasaran.",
                {GENGGELANG: (R, datetime.date(2020, 9, 9)), JAMBENENGGANG: (N, None)},
            ),
        ],
    ),
    "PKS.045/DIR/2018": (
        "Layanan perbankan dan rumah belajar di Desmigratif Nusa Tenggara",
        ["Kemnaker", "BNI"],
        datetime.date(2018, 7, 30),
        datetime.date(2021, 7, 29),
        [Pillar.COMMUNITY_PARENTING, Pillar.COOPERATIVE],
        ["52", "53"],
        [
            (
                "BNI",
                Pillar.COMMUNITY_PARENTING,
                "Renovasi rumah belajar desa.",
                # The paper: the renovation stalled in Namosain on a cost estimate.
                {NAMOSAIN: (P, datetime.date(2019, 5, 6)), NAIMATA: (N, None)},
            ),
            (
                "BNI",
                Pillar.COOPERATIVE,
                "Kredit Usaha Rakyat (KUR) bagi anggota koperasi Desmigratif.",
                {GENGGELANG: (R, datetime.date(2019, 10, 1)), NAMOSAIN: (R, datetime.date(2020, 1, 15))},
            ),
        ],
    ),
}

S = BudgetLine.Source
# name: (agency, pillar, PN number, strategy, theme, stage, partners, location, start, end,
#        villages, MOU number, [(source, year, planned, realised, note)])
DEMO_PROGRAMMES = {
    "Pembentukan dan pendampingan Desmigratif": (
        "Kemnaker",
        Pillar.MIGRATION_SERVICES,
        3,
        "Perlindungan pekerja migran sejak dari desa.",
        "Migrasi aman",
        Programme.Stage.UPSTREAM,
        ["Kemendes PDTT"],
        "Desa kantong PMI",
        datetime.date(2017, 1, 1),
        datetime.date(2024, 12, 31),
        ALL_VILLAGES,
        None,
        [
            (S.APBN, 2017, 1_200_000_000, 1_150_000_000, "Pembentukan 120 desa"),
            (S.APBN, 2018, 1_500_000_000, 1_480_000_000, ""),
            (S.APBN, 2019, 1_500_000_000, 1_320_000_000, ""),
        ],
    ),
    "Dana Desa untuk usaha produktif PMI purna": (
        "Kemendes PDTT",
        Pillar.PRODUCTIVE_BUSINESS,
        2,
        "Pengembangan ekonomi perdesaan dan BUMDes.",
        "Usaha PMI purna",
        Programme.Stage.MIDSTREAM,
        ["Kemnaker"],
        "Demak dan Sukabumi",
        datetime.date(2019, 1, 1),
        datetime.date(2020, 12, 31),
        [MEGONTEN, JAMBENENGGANG],
        "04/MOU/DESA-PDTT/V/2017",
        [
            (S.DANA_DESA, 2019, 250_000_000, 250_000_000, ""),
            (S.APBDES, 2020, 50_000_000, 35_000_000, "Penyertaan modal BUMDes"),
        ],
    ),
    "Pelatihan kewirausahaan PMI purna Lamongan": (
        "Disnaker Lamongan",
        Pillar.PRODUCTIVE_BUSINESS,
        1,
        "Kewirausahaan dan UMKM.",
        "Makanan olahan dan mebel",
        Programme.Stage.UPSTREAM,
        [],
        "Pesisir utara Lamongan",
        datetime.date(2020, 3, 1),
        datetime.date(2020, 11, 30),
        [BRENGKOK],
        None,
        [(S.APBD_REGENCY, 2020, 75_000_000, 75_000_000, "")],
    ),
    "Renovasi rumah belajar": (
        "BNI",
        Pillar.COMMUNITY_PARENTING,
        3,
        "Penguatan keluarga PMI.",
        "Rumah belajar",
        Programme.Stage.UPSTREAM,
        ["Kemnaker"],
        "Kota Kupang",
        datetime.date(2019, 1, 1),
        None,
        [NAMOSAIN, NAIMATA],
        "PKS.045/DIR/2018",
        # Planned, never paid out: the renovation stalled.
        [(S.CSR, 2019, 150_000_000, 0, "Terhenti menunggu RAB")],
    ),
    "Pengasuhan anak PMI berbasis komunitas": (
        "Kemen PPPA",
        Pillar.COMMUNITY_PARENTING,
        3,
        "Perlindungan perempuan pekerja migran dari kekerasan dan TPPO; penguatan ekonomi keluarga.",
        "Pengasuhan anak",
        Programme.Stage.MIDSTREAM,
        ["Kemenkes", "Yayasan Attin"],
        "Lombok Utara dan Sukabumi",
        datetime.date(2020, 1, 1),
        datetime.date(2022, 12, 31),
        [GENGGELANG, JAMBENENGGANG],
        None,
        [
            (S.APBN, 2020, 120_000_000, 96_000_000, ""),
            (S.TRANSFER, 2021, 80_000_000, 80_000_000, "DAK non-fisik"),
            (S.SELF_HELP, 2021, 15_000_000, 18_000_000, "Swadaya warga Genggelang"),
        ],
    ),
    "KUR mikro untuk anggota koperasi Desmigratif": (
        "Bank NTT",
        Pillar.COOPERATIVE,
        1,
        "Akses pembiayaan UMKM dan koperasi.",
        "Pembiayaan",
        Programme.Stage.DOWNSTREAM,
        ["BRI"],
        "Kota Kupang",
        datetime.date(2021, 1, 1),
        datetime.date(2023, 12, 31),
        [NAMOSAIN, NAIMATA],
        None,
        [(S.CSR, 2021, 100_000_000, 60_000_000, "")],
    ),
    "Sosialisasi migrasi aman": (
        "Disnakertrans NTT",
        Pillar.MIGRATION_SERVICES,
        3,
        "Pencegahan penempatan non-prosedural.",
        "Migrasi aman",
        Programme.Stage.UPSTREAM,
        [],
        "Kota Kupang",
        datetime.date(2022, 1, 1),
        datetime.date(2022, 12, 31),
        [NAMOSAIN, NAIMATA],
        None,
        [(S.APBD_PROVINCE, 2022, 60_000_000, 55_000_000, "")],
    ),
}


def _agencies():
    created = 0
    for short_name, name, kind, area in DEMO_AGENCIES:
        if not Agency.objects.filter(short_name=short_name).exists():
            agency_save(agency=Agency(short_name=short_name, name=name, kind=kind, area_id=area))
            created += 1
    return created, {a.short_name: a for a in Agency.objects.all()}


def _mous(agencies, villages, user):
    counts = {"mous": 0, "commitments": 0, "realisations": 0}
    for number, (title, parties, signed, until, pillars, reach, commitments) in DEMO_MOUS.items():
        mou = MOU.objects.filter(number=number).first()
        if mou is None:
            mou = mou_save(
                mou=MOU(number=number, title=title, signed_on=signed, valid_until=until),
                parties=[agencies[name] for name in parties],
                pillars=list(pillars),
                reach=list(Area.objects.filter(code__in=reach)),
            )
            counts["mous"] += 1
        for agency, pillar, what, realised in commitments:
            commitment = Commitment.objects.filter(mou=mou, agency=agencies[agency], pillar=pillar).first()
            if commitment is None:
                commitment = commitment_save(
                    commitment=Commitment(mou=mou, agency=agencies[agency], pillar=pillar, description=what)
                )
                counts["commitments"] += 1
            for code, (status, day) in realised.items():
                if code not in villages or commitment.realisations.filter(village_id=code).exists():
                    continue
                realisation_save(
                    realisation=Realisation(
                        commitment=commitment,
                        village=villages[code],
                        status=status,
                        status_date=day,
                        evidence="Laporan petugas layanan migrasi desa" if status == R else "",
                    ),
                    user=user,
                )
                counts["realisations"] += 1
    return counts


def _programmes(agencies, villages):
    counts = {"programmes": 0, "budget_lines": 0}
    priorities = {p.number: p for p in NationalPriority.objects.filter(period__name="RPJMN 2020-2024")}
    for name, spec in DEMO_PROGRAMMES.items():
        (agency, pillar, pn, strategy, theme, stage, partners, location, start, end, codes, mou, lines) = spec
        programme = Programme.objects.filter(agency=agencies[agency], name=name).first()
        if programme is None:
            programme = programme_save(
                programme=Programme(
                    agency=agencies[agency],
                    name=name,
                    pillar=pillar,
                    priority=priorities.get(pn),
                    strategy=strategy,
                    theme=theme,
                    stage=stage,
                    location=location,
                    start_date=start,
                    end_date=end,
                    mou=MOU.objects.filter(number=mou).first() if mou else None,
                ),
                villages=[villages[code] for code in codes if code in villages],
                partners=[agencies[p] for p in partners],
            )
            counts["programmes"] += 1
        for source, year, planned, realised, note in lines:
            if not programme.budget_lines.filter(source=source, fiscal_year=year).exists():
                budget_line_save(
                    budget_line=BudgetLine(
                        programme=programme,
                        source=source,
                        fiscal_year=year,
                        planned=Decimal(planned),
                        realised=Decimal(realised),
                        note=note,
                    )
                )
                counts["budget_lines"] += 1
    return counts


@transaction.atomic
def coordination_load_demo():
    """Agencies, MOUs with commitments and realisations, programmes with budget
    lines; returns how many of each were created (0 on a second run)."""
    villages = {v.code: v for v in Village.objects.filter(area_id__in=ALL_VILLAGES).select_related("area")}
    user = User.objects.filter(username="kemnaker").first()
    agencies_created, agencies = _agencies()
    return {
        "agencies": agencies_created,
        **_mous(agencies, villages, user),
        **_programmes(agencies, villages),
    }
