"""Demo villages: the villages surveyed in the evaluation paper, with the
facts it reports (DOMAIN.md, "Demo data"). Coordinates are approximate."""

from django.db import transaction

from villages.models import Area, PartnerInstitution, Village

Kind = PartnerInstitution.Kind

DEMO_VILLAGES = [
    {
        "code": "35.24.07.2004",  # Brengkok, Lamongan
        "cohort_year": 2017,
        "latitude": "-6.887000",
        "longitude": "112.271000",
        "apparatus_below_senior_high": 1,
        "apparatus_senior_high": 6,
        "apparatus_diploma": 0,
        "apparatus_bachelor": 0,
        "learning_house": Village.LearningHouse.RENTED,
        "learning_house_area_m2": 70,
        "learning_house_distance_m": 50,
        "has_internet": False,
        "leading_products": ["makanan olahan", "mebel"],
        "pools_dana_desa": True,
        "notes": "Usaha makanan dan mebel sebagian besar belum berkembang.",
        "partners": [
            ("Kelompok Tani Anugerah I", Kind.BUSINESS_GROUP, [2]),
            ("Kelompok Tani Anugerah II", Kind.BUSINESS_GROUP, [2]),
            ("Koperasi Simpan Pinjam Brengkok", Kind.COOPERATIVE, [4]),
        ],
    },
    {
        "code": "33.21.14.2014",  # Megonten, Demak
        "cohort_year": 2017,
        "latitude": "-6.985000",
        "longitude": "110.704000",
        "apparatus_below_senior_high": 1,
        "apparatus_senior_high": 7,
        "apparatus_diploma": 1,
        "apparatus_bachelor": 1,
        "learning_house": Village.LearningHouse.OWNED,
        "learning_house_area_m2": 168,
        "has_internet": True,
        "leading_products": ["pisang", "kacang hijau", "pupuk organik", "roti/kue"],
        "pools_add": True,
        "pools_dana_desa": True,
        "partners": [
            ("Gapoktan Karya Bersama", Kind.BUSINESS_GROUP, [2]),
            ("LSM Dharmo Tirto", Kind.NGO, [3]),
            ("Koperasi Simpan Pinjam", Kind.COOPERATIVE, [4]),
            ("Koperasi Sendari", Kind.COOPERATIVE, [4]),
            ("BUMDes Tirto Lestari", Kind.BUMDES, [2, 4]),
        ],
    },
    {
        "code": "32.02.34.2005",  # Jambenenggang, Sukabumi
        "cohort_year": 2018,
        "latitude": "-6.933000",
        "longitude": "106.960000",
        "apparatus_below_senior_high": 0,
        "apparatus_senior_high": 4,
        "apparatus_diploma": 2,
        "apparatus_bachelor": 1,
        "learning_house": Village.LearningHouse.OWNED,
        "learning_house_area_m2": 48,
        "has_internet": True,
        "leading_products": ["singkong", "pisang"],
        "notes": (
            "Penggunaan lahan: pertanian 32%, warung makan 19%, peternakan 5%, kerajinan 5%. "
            "PMI aktif sebagian besar PLRT di sektor informal."
        ),
        "partners": [
            ("Teras BRI", Kind.BANK, [4]),
            ("LSM APWI", Kind.NGO, [3, 4]),
        ],
    },
    {
        "code": "53.71.01.1001",  # Namosain, Kota Kupang
        "cohort_year": 2018,
        "latitude": "-10.157000",
        "longitude": "123.560000",
        "learning_house": Village.LearningHouse.OWNED,
        "has_internet": False,
        "fish_landings": 1,
        "tourism_sites": 1,
        "leading_products": ["ikan", "jajanan", "rempah", "tenun ikat"],
        "notes": "Renovasi rumah belajar oleh BNI terhenti.",
        "partners": [
            ("Kelompok Nelayan Namosain", Kind.BUSINESS_GROUP, [2]),
            ("Bank BRI", Kind.BANK, [4]),
            ("Bank NTT", Kind.BANK, [4]),
            ("KUD Minakarota", Kind.COOPERATIVE, [4]),
            ("Yayasan Attin", Kind.NGO, [3]),
            ("PKK Namosain", Kind.PKK, [3]),
        ],
    },
    {
        "code": "53.71.02.1004",  # Naimata, Kota Kupang
        "cohort_year": 2018,
        "latitude": "-10.190000",
        "longitude": "123.640000",
        "has_internet": False,
        "tourism_sites": 1,
        "leading_products": ["jajanan", "tenun ikat"],
        "partners": [
            ("Compassion 721", Kind.NGO, [3]),
            ("Compassion 629", Kind.NGO, [3]),
            ("PKK Naimata", Kind.PKK, [3]),
        ],
    },
    {
        "code": "52.08.02.2003",  # Genggelang, Lombok Utara
        "cohort_year": 2019,
        "latitude": "-8.330000",
        "longitude": "116.230000",
        "apparatus_below_senior_high": 0,
        "apparatus_senior_high": 3,
        "apparatus_diploma": 2,
        "apparatus_bachelor": 3,
        "learning_house": Village.LearningHouse.OWNED,
        "learning_house_area_m2": 42,
        "has_internet": True,
        "leading_products": ["kopi", "pisang", "abon ikan"],
        "notes": "Ruang 7 × 6 m² (3 ruang) dalam kondisi baik. Banyak ayah mengasuh anak "
        "selama ibu bekerja di luar negeri.",
        "partners": [],
    },
]


@transaction.atomic
def villages_load_demo():
    """Enrol the demo villages; running it again changes nothing."""
    created = 0
    for spec in DEMO_VILLAGES:
        spec = dict(spec)
        code = spec.pop("code")
        partners = spec.pop("partners")
        village = Village.objects.filter(area_id=code).first()
        if village is None:
            village = Village(area=Area.objects.get(code=code), **spec)
            village.full_clean()
            village.save(force_insert=True)
            created += 1
        for name, kind, pillars in partners:
            if not village.partners.filter(name=name).exists():
                partner = PartnerInstitution(
                    village=village,
                    name=name,
                    kind=kind,
                    **{f"supports_pillar_{n}": True for n in pillars},
                )
                partner.full_clean()
                partner.save()
    return created
