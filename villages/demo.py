"""Demo villages: the villages surveyed in the evaluation paper, with the
facts it reports (DOMAIN.md, "Demo data"). Coordinates are approximate.

Demo households: invented PMI families for each demo village, the same on
every run (a random.Random seeded with the village code, and dates counted
back from a fixed day), saved through household_save so the same validation
and history apply as for households typed in by an officer. Names are typical
of each region; hamlets, streets, placement agencies and all numbers are
invented, but NIKs and No. KK follow the real rules (villages.identity)."""

import datetime
import random
from typing import NamedTuple

from django.db import transaction

from villages.models import Area, Household, Member, PartnerInstitution, Village
from villages.services import household_save

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


# Demo households
#
# Every demo date lies before this day, so the data is the same on every run
# and every date passes the "not in the future" checks.
DEMO_TODAY = datetime.date(2025, 6, 30)
# Kepmenaker 260/2015 closed the Middle East to domestic workers: a PLRT who
# left for Saudi Arabia after this went non-procedurally.
MIDDLE_EAST_MORATORIUM = datetime.date(2015, 5, 26)

Status = Member.Status
Relation = Member.Relation
Sector = Member.Sector
Channel = Member.Channel
Education = Member.Education
Schooling = Member.Schooling
L, P = Member.Sex.MALE, Member.Sex.FEMALE

# Given names by region, sex and generation: elder (born before 1966),
# adult (1966-1995) and young (from 1996).
# fmt: off
NAMES = {
    "jawa": {
        (L, "elder"): ["Kasiman", "Suwarno", "Karmin", "Sanuri", "Marsudi", "Rasimin", "Darmo", "Sukiran"],
        (P, "elder"): ["Sumini", "Kasmirah", "Suminah", "Rumini", "Tumini", "Painem", "Sarmi", "Juminten"],
        (L, "adult"): [
            "Slamet Riyadi", "Sugeng Hariyanto", "Suparno", "Sutrisno", "Mulyono", "Joko Susilo",
            "Agus Salim", "Heru Santoso", "Wahyudi", "Nur Hadi", "Ali Mahfud", "Abdul Rohman",
            "Imam Syafi'i", "Sholikin", "Kasmuri", "Teguh Prasetyo", "Eko Purnomo", "Didik Suprapto",
            "Supriyadi", "Sunarto", "Khoirul Anam", "Miftahul Huda", "Zainal Arifin", "Nur Cholis",
            "Mashudi", "Abdul Rokhim",
        ],
        (P, "adult"): [
            "Siti Fatimah", "Sri Wahyuni", "Sulastri", "Suwarni", "Sumiati", "Tri Wulandari",
            "Dwi Astuti", "Endang Susilowati", "Kasmini", "Juwariyah", "Nur Aini", "Umi Kulsum",
            "Lilik Muawanah", "Rukayah", "Sumarmi", "Musyarofah", "Khoiriyah", "Nur Hayati",
            "Wiwik Setyaningsih", "Lestari", "Mufidah", "Sholichah", "Siti Maesaroh", "Ngatini",
        ],
        (L, "young"): [
            "Muhammad Rizky", "Ahmad Fadil", "Dimas Saputra", "Rafi Ardiansyah", "Bagas Prakoso",
            "Aditya Pratama", "Naufal Hakim", "Alif Maulana", "Fajar Setiawan", "Rizal Fahmi",
            "Yusuf Hamdani", "Ilham Akbar", "Reza Firmansyah", "Moh. Syaifuddin", "Galang Saputra",
            "Arya Wicaksono", "Dafa Ramadhan", "Rehan Maulana", "Fikri Hidayat", "Zidan Alfarizi",
            "Haikal Fauzan", "Rangga Nugroho", "Danu Setiawan", "Bayu Aji Pamungkas", "Hafidz Nur Ikhsan",
        ],
        (P, "young"): [
            "Nabila Putri", "Aisyah Nur Rahma", "Zahra Aulia", "Salsabila", "Putri Ayu Lestari",
            "Dewi Safitri", "Nadia Rahmawati", "Anisa Fitriani", "Laila Nur Azizah", "Indah Permatasari",
            "Siti Nur Jannah", "Fitri Handayani", "Wulan Dwi Lestari", "Ayu Kusumawati", "Nur Laila Sari",
            "Rahma Aulia", "Citra Dewi Anggraini", "Novita Sari", "Elok Faiqoh", "Dinda Ayu Pratiwi",
            "Alya Nur Fadilah", "Khusnul Khotimah", "Riska Amelia", "Umi Latifah", "Devi Nur Cahyani",
        ],
    },
    "sunda": {
        (L, "elder"): ["Odin", "Engkos", "Oman", "Ojo", "Enjang", "Udin", "Mamat", "Otong"],
        (P, "elder"): ["Omah", "Icih", "Enah", "Atikah", "Onih", "Esih", "Iyah", "Ocih"],
        (L, "adult"): [
            "Asep Saepudin", "Ujang Suryana", "Dedi Supriatna", "Cecep Hidayat", "Dadang Sutisna",
            "Jajang Nurjaman", "Ade Sukmana", "Yayan Sofyan", "Entis Sutisna", "Aceng Ruhiyat",
            "Deden Rohendi", "Iwan Setiawan", "Usep Saepuloh", "Agus Darmawan", "Endang Kusnadi",
            "Dodi Firmansyah", "Wawan Gunawan", "Ujang Rohmat",
        ],
        (P, "adult"): [
            "Euis Komariah", "Neneng Hasanah", "Iis Rosita", "Imas Masitoh", "Cucu Cahyati",
            "Enok Sumarni", "Yuyun Yuningsih", "Nining Suryani", "Popon Rohaeni", "Eti Rohaeti",
            "Tati Sumiati", "Ai Nurhayati", "Lilis Suryani", "Elis Nurjanah", "Teti Kurniasih",
            "Entin Kartini", "Iyam Mulyati", "Dede Rosmawati",
        ],
        (L, "young"): [
            "Rizki Ramdani", "Fajar Nugraha", "Gilang Ramadhan", "Ilham Maulana", "Rendi Permana",
            "Dani Hamdani", "Rian Hidayat", "Galih Saputra", "Andri Kurniawan", "Yogi Pratama",
            "Ujang Ramdan", "Asep Sunandar", "Dede Kurnia", "Ikbal Fauzi", "Rizal Nurdiansyah",
            "Hendra Gunawan", "Fikri Abdul Aziz", "Dadan Sopandi", "Restu Maulana", "Ripan Hidayat",
        ],
        (P, "young"): [
            "Risma Nurfadilah", "Siti Nurhaliza", "Syifa Aulia", "Dinda Amelia", "Neng Sri Rahayu",
            "Rina Marlina", "Sela Apriliani", "Tiara Anggraeni", "Nurul Hikmah", "Wulan Sari",
            "Intan Permata", "Lina Herlina", "Euis Nurjanah", "Neng Ayu Lestari", "Siti Maryam",
            "Resti Fauziah", "Yulia Rahmawati", "Desi Ratnasari", "Ai Sulastri", "Nisa Nurjanah",
            "Cici Nuraeni", "Mila Karmila",
        ],
    },
    # Kupang: Christian given names and a clan name (fam) from Timor, Rote or
    # Sabu; children take their father's fam, a wife keeps her own.
    "timor": {
        (L, "elder"): ["Yohanis", "Markus", "Lukas", "Ruben", "Nikodemus", "Paulus"],
        (P, "elder"): ["Martha", "Yuliana", "Ester", "Dorkas", "Sara", "Rahel"],
        (L, "adult"): [
            "Yohanes", "Marthen", "Yakobus", "Frans", "Petrus", "Daniel", "Simon", "Obed", "Yusuf",
            "Agustinus", "Melkianus", "Semuel", "Jefri", "Yeremias", "Aleksander", "Arnold",
            "Nikolas", "Ferdinand", "Mesakh", "Habel",
        ],
        (P, "adult"): [
            "Maria", "Agustina", "Debora", "Selfina", "Oktovina", "Yohana", "Naomi", "Yuliani",
            "Sarlina", "Welhelmina", "Elisabeth", "Meriyanti", "Novita", "Adriana", "Ferderika",
            "Yosefina", "Margaretha",
        ],
        (L, "young"): [
            "Kevin", "Gerald", "Yosua", "Kristian", "Rivaldo", "Jonathan", "Gabriel", "Imanuel",
            "Fransisko", "Riki", "Yandri", "Aldo", "Jordan", "Marselinus", "Efraim", "Samuel", "Rian",
            "Gilbert", "Yoel", "Dionisius",
        ],
        (P, "young"): [
            "Angelina", "Gracia", "Natalia", "Veronika", "Ayu", "Putri", "Jesica", "Kristin",
            "Mikaela", "Oktaviani", "Febriyanti", "Melani", "Priska", "Yunita", "Sherly", "Anjelina",
            "Mega", "Desy", "Imelda", "Lusiana",
        ],
    },
    # Lombok: "Lalu" and "Baiq" mark noble descent, passed from the father.
    "sasak": {
        (L, "elder"): ["Sahrip", "Muhidin", "Sahmin", "Jumadil", "Karsim", "Rasidin"],
        (P, "elder"): ["Saenah", "Rumenah", "Marenah", "Sinarah", "Senun", "Rabiah"],
        (L, "adult"): [
            "Sahnan", "Sahabudin", "Rusdi", "Mahsun", "Jumahir", "Sapri", "Supardi", "Samsul Hadi",
            "Hirjan", "Sahdan", "Karnawi", "Juanda", "Harianto", "Muhammad Saleh", "Zulkifli",
            "Lalu Wirahadi", "Lalu Saprudin", "Masrun", "Rahmat Hidayat", "Kertawi", "Sarjan",
            "Ahmad Juaini",
        ],
        (P, "adult"): [
            "Sumiati", "Rabiatul Adawiyah", "Hadijah", "Murniati", "Sahnim", "Sumarni", "Sinarti",
            "Mariani", "Baiq Nurhayati", "Baiq Rohimah", "Saenab", "Nurul Aini", "Rukmini",
            "Sarniati", "Hartini", "Mahniati", "Nursiah", "Raehan",
        ],
        (L, "young"): [
            "Muhammad Rizal", "Ahmad Zaki", "Muhammad Farhan", "Sopian", "Ridwan Hakim",
            "Muhammad Alwi", "Azwar Anas", "Hairul Anwar", "Fikri Haikal", "Rian Hadi",
            "Zulhadi", "Muhammad Sahrul", "Dedi Irawan", "Ahmad Sukri", "Rizki Wahyudi",
            "Muhammad Hafiz", "Khairul Umam", "Saparudin", "Arya Putra", "Supriadi",
        ],
        (P, "young"): [
            "Nurul Hidayati", "Siti Rahmawati", "Nova Yuliana", "Husnul Khotimah", "Ulfa Zahrani",
            "Rina Apriani", "Lina Marlina", "Siti Aisyah", "Nadia Safitri", "Salwa Azzahra",
            "Sri Wahyuni", "Rohana", "Mita Andriani", "Siti Hajar", "Nurhasanah", "Sakinah",
            "Eva Sulistiawati", "Yuni Astuti", "Maya Lestari", "Baiq Ari Wulandari",
        ],
    },
}
CLAN_NAMES = {
    "timor": [
        "Tefa", "Nope", "Benu", "Sanam", "Taneo", "Tualaka", "Manafe", "Ndoen", "Pah", "Bire", "Haba",
        "Lado", "Ndun", "Mooy", "Fanggidae", "Adoe", "Kana", "Boimau", "Baun", "Tamonob", "Nalle",
        "Oematan", "Selan", "Neolaka", "Kolo", "Lakapu",
    ],
}
# fmt: on
NOBLE_TITLES = {"sasak": {L: "Lalu ", P: "Baiq "}}


class Job(NamedTuple):
    country: str
    occupation: str
    sector: str
    non_procedural_share: float = 0.0


PLRT = "PLRT (penata laksana rumah tangga)"
PLRT_HK = Job("HK", PLRT, Sector.INFORMAL)
PLRT_SG = Job("SG", PLRT, Sector.INFORMAL)
PLRT_TW = Job("TW", PLRT, Sector.INFORMAL)
CAREGIVER_TW = Job("TW", "Perawat lansia (caregiver)", Sector.INFORMAL)
PLRT_MY = Job("MY", PLRT, Sector.INFORMAL, 0.3)
PLRT_SA = Job("SA", PLRT, Sector.INFORMAL, 1.0)  # see MIDDLE_EAST_MORATORIUM
FACTORY_TW = Job("TW", "Operator pabrik", Sector.FORMAL)
FACTORY_MY = Job("MY", "Operator pabrik elektronik", Sector.FORMAL)
FACTORY_KR = Job("KR", "Operator pabrik (program EPS)", Sector.FORMAL)
SHIP_CREW_TW = Job("TW", "Anak buah kapal (ABK) kapal ikan", Sector.FORMAL, 0.2)
SHIP_CREW_KR = Job("KR", "Anak buah kapal (ABK) kapal ikan", Sector.FORMAL)
PLANTATION_MY = Job("MY", "Pekerja perkebunan kelapa sawit", Sector.FORMAL, 0.5)
CONSTRUCTION_MY = Job("MY", "Pekerja konstruksi", Sector.FORMAL, 0.4)
DRIVER_SA = Job("SA", "Sopir keluarga", Sector.INFORMAL, 1.0)
RESTAURANT_MY = Job("MY", "Pelayan restoran", Sector.FORMAL, 0.2)

PLACEMENT_AGENCIES = [
    "PT Bina Karya Utama",
    "PT Cahaya Mandiri Sejahtera",
    "PT Mitra Karya Nusantara",
    "PT Duta Prima Tenaga",
    "PT Amanah Insani Mandiri",
    "PT Surya Abadi Jaya",
]
# Korea takes Indonesian factory workers government to government only.
G_TO_G = "BP2MI (G to G, program EPS)"
GENERAL_TRAINING = ["Pemasaran online", "Pembukuan usaha kecil", "Pengemasan dan label produk"]

# Per demo village: names, hamlets or streets, how many households of each
# kind (at least one of each of the five main kinds, 8 to 15 in all), and
# the jobs its women and men go abroad for, with their weights.
DEMO_HOUSEHOLDS = {
    "35.24.07.2004": {  # Brengkok, Lamongan: a fishing district; men on ships and building sites
        "names": "jawa",
        "hamlets": ["Krajan", "Kauman", "Mlaten"],
        "kinds": {"father_abroad": 4, "mother_abroad": 1, "returnee": 3, "cpmi": 2, "child_abroad": 2},
        "women_jobs": {PLRT_MY: 3, PLRT_HK: 2, FACTORY_MY: 2, CAREGIVER_TW: 1},
        "men_jobs": {CONSTRUCTION_MY: 3, PLANTATION_MY: 2, SHIP_CREW_TW: 3, SHIP_CREW_KR: 1, FACTORY_KR: 2},
        "returnee_women_share": 0.3,
        "grandparent_share": 0.3,
        "training": ["Pengolahan makanan (keripik, kerupuk ikan)", "Desain dan finishing mebel"],
    },
    "33.21.14.2014": {  # Megonten, Demak
        "names": "jawa",
        "hamlets": ["Megonten", "Krajan", "Ngaglik"],
        "kinds": {"father_abroad": 3, "mother_abroad": 2, "returnee": 3, "cpmi": 1, "child_abroad": 2},
        "women_jobs": {CAREGIVER_TW: 3, PLRT_HK: 3, FACTORY_TW: 1, PLRT_SG: 1},
        "men_jobs": {FACTORY_KR: 3, FACTORY_TW: 2, FACTORY_MY: 2, CONSTRUCTION_MY: 1},
        "returnee_women_share": 0.4,
        "grandparent_share": 0.35,
        "training": [
            "Pembuatan roti dan kue",
            "Pengolahan kacang hijau",
            "Pembuatan pupuk organik",
            "Budidaya pisang",
        ],
    },
    "32.02.34.2005": {  # Jambenenggang, Sukabumi: mostly women as PLRT
        "names": "sunda",
        "hamlets": ["Cibuntu", "Pasirhalang", "Babakan", "Cikaret"],
        "kinds": {
            "mother_abroad": 5,
            "single_mother_abroad": 2,
            "father_abroad": 1,
            "returnee": 3,
            "cpmi": 1,
            "child_abroad": 2,
        },
        "women_jobs": {PLRT_SA: 3, PLRT_MY: 2, PLRT_HK: 2, CAREGIVER_TW: 2, PLRT_SG: 1},
        "men_jobs": {DRIVER_SA: 1, CONSTRUCTION_MY: 2, FACTORY_KR: 1},
        "returnee_women_share": 0.8,
        "grandparent_share": 0.5,
        "training": ["Keripik singkong dan pisang", "Tata boga untuk warung makan", "Beternak domba"],
    },
    "53.71.01.1001": {  # Namosain, Kota Kupang: a coastal kelurahan
        "names": "timor",
        "streets": ["Jl. Nelayan", "Jl. Pantai Namosain", "Gg. Kenari", "Jl. Bakau"],
        "kinds": {
            "father_abroad": 3,
            "mother_abroad": 2,
            "couple_abroad": 1,
            "returnee": 2,
            "cpmi": 1,
            "child_abroad": 1,
        },
        "women_jobs": {PLRT_MY: 4, PLRT_HK: 1, PLRT_SG: 1, RESTAURANT_MY: 1},
        "men_jobs": {PLANTATION_MY: 4, SHIP_CREW_TW: 2, SHIP_CREW_KR: 1, CONSTRUCTION_MY: 1},
        "returnee_women_share": 0.5,
        "grandparent_share": 0.4,
        "training": ["Pengolahan ikan (abon, ikan asin)", "Tenun ikat", "Budidaya rumput laut"],
    },
    "53.71.02.1004": {  # Naimata, Kota Kupang
        "names": "timor",
        "streets": ["Jl. Cendana", "Jl. Kelapa", "Gg. Asam", "Jl. Lontar"],
        "kinds": {
            "father_abroad": 2,
            "mother_abroad": 2,
            "couple_abroad": 1,
            "returnee": 2,
            "cpmi": 1,
            "child_abroad": 1,
        },
        "women_jobs": {PLRT_MY: 4, PLRT_HK: 1, PLRT_SG: 1, RESTAURANT_MY: 1},
        "men_jobs": {PLANTATION_MY: 4, CONSTRUCTION_MY: 2, SHIP_CREW_TW: 1},
        "returnee_women_share": 0.5,
        "grandparent_share": 0.4,
        "training": ["Tenun ikat", "Jajanan khas Kupang", "Pemandu wisata"],
    },
    "52.08.02.2003": {  # Genggelang, Lombok Utara: mothers abroad, fathers raise the children
        "names": "sasak",
        "hamlets": ["Kerurak", "Monggal", "Gitak", "Lendang Baru"],
        "kinds": {"mother_abroad": 7, "father_abroad": 1, "returnee": 3, "cpmi": 1, "child_abroad": 1},
        "women_jobs": {PLRT_SA: 2, PLRT_MY: 3, PLRT_HK: 2, CAREGIVER_TW: 2},
        "men_jobs": {PLANTATION_MY: 4, CONSTRUCTION_MY: 1, FACTORY_KR: 1},
        "returnee_women_share": 0.6,
        "grandparent_share": 0.25,
        "fathers_care": True,
        "training": ["Pengolahan kopi bubuk", "Abon ikan", "Keripik pisang"],
    },
}
MAX_MEMBERS = 6


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _generation(born):
    return "elder" if born.year < 1966 else "adult" if born.year < 1996 else "young"


def _age(born, on=DEMO_TODAY):
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _HouseholdPlanner:
    """Draws one village's households. Everything comes from one Random seeded
    with the village code; numbers already given out are in `used`."""

    def __init__(self, code, spec, used):
        self.rng = random.Random(f"desmigratif-demo:{code}")
        self.spec = spec
        self.region = spec["names"]
        self.district = code.replace(".", "")[:6]
        self.used = used
        self.business = [Member.Business.HAS, Member.Business.WANTS]  # at least one of each
        self.names_used = set()
        self.addresses = set()

    # Dates

    def between(self, start, end):
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def birth(self, age_min, age_max):
        """A date of birth for someone aged age_min to age_max on DEMO_TODAY."""
        start = _add_years(DEMO_TODAY, -age_max - 1) + datetime.timedelta(days=1)
        return self.between(start, _add_years(DEMO_TODAY, -age_min))

    def years_before(self, day, lo, hi):
        return self.between(_add_years(day, -hi), _add_years(day, -lo))

    def years_after(self, day, lo, hi):
        return self.between(_add_years(day, lo), _add_years(day, hi))

    # Numbers

    def serial(self, prefix):
        while True:
            number = f"{prefix}{self.rng.randint(1, 999):04d}"
            if number not in self.used:
                self.used.add(number)
                return number

    def nik(self, born, sex):
        day = born.day + (40 if sex == P else 0)
        return self.serial(f"{self.district}{day:02d}{born:%m%y}")

    def no_kk(self, head_born):
        issued = self.between(max(_add_years(head_born, 20), datetime.date(2005, 1, 1)), DEMO_TODAY)
        return self.serial(f"{self.district}{issued:%d%m%y}")

    # People

    def name(self, sex, born, taken, *, clan=None, father=None):
        pool = NAMES[self.region][(sex, _generation(born))]
        title = ""
        if father is not None and self.region in NOBLE_TITLES:
            titles = NOBLE_TITLES[self.region]
            pool = [n for n in pool if not n.startswith(tuple(titles.values()))]
            if father["name"].startswith(titles[L]):
                title = titles[sex]
        # Prefer a name nobody in the village has yet, then one nobody in the family has.
        candidates = [n for n in pool if title + n not in self.names_used]
        candidates = candidates or [n for n in pool if title + n not in taken] or pool
        given = title + self.rng.choice(candidates)
        taken.add(given)
        self.names_used.add(given)
        if self.region in CLAN_NAMES:
            return f"{given} {clan or self.clan()}"
        return given

    def clan(self):
        return self.rng.choice(CLAN_NAMES[self.region]) if self.region in CLAN_NAMES else None

    def adult_education(self, born, *, low=False):
        if _generation(born) == "elder":
            options = {Education.NONE: 4, Education.SD: 5, Education.SMP: 1}
        elif low:
            options = {Education.NONE: 1, Education.SD: 8, Education.SMP: 8, Education.SMA: 3}
        else:
            options = {Education.SD: 5, Education.SMP: 7, Education.SMA: 7, Education.D3: 1, Education.S1: 1}
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def person(self, family, relation, sex, born, *, status=Status.FAMILY, clan=None, father=None, **fields):
        if "education" not in fields:
            # Domestic and care workers abroad mostly left school early (the paper).
            low = fields.get("sector") == Sector.INFORMAL
            fields["education"] = self.adult_education(born, low=low)
        member = {
            "nik": self.nik(born, sex),
            "name": self.name(sex, born, family["taken"], clan=clan, father=father),
            "sex": sex,
            "birth_date": born,
            "relation": relation,
            "migration_status": status,
            **fields,
        }
        family["members"].append(member)
        return member

    def clan_of(self, member):
        return member["name"].rsplit(" ", 1)[-1] if self.region in CLAN_NAMES else None

    def child(self, family, relation, born, *, father=None, clan=None, caregiver=""):
        """A child with the schooling of its age; the caregiver only while a parent is abroad."""
        age = _age(born)
        dropped_out = self.rng.random() < 0.15
        if age < 7:
            education, schooling = Education.NONE, Schooling.NOT_YET
        elif age <= 12:
            education, schooling = Education.SD, Schooling.IN_SCHOOL
        elif age <= 18:
            # Education is the level reached: SMP from 13, SMA from 16.
            level = Education.SMP if age <= 15 else Education.SMA
            education, schooling = level, Schooling.IN_SCHOOL
            if dropped_out:
                education = Education.SD if age <= 15 else Education.SMP
                schooling = Schooling.DROPPED_OUT
        else:
            education = Education.SMP if dropped_out else Education.SMA
            schooling = Schooling.FINISHED
        sex = self.rng.choice([L, P])
        if father is not None:
            clan = self.clan_of(father)
        return self.person(
            family,
            relation,
            sex,
            born,
            clan=clan,
            father=father,
            education=education,
            schooling=schooling,
            caregiver=caregiver if age < 18 else "",
        )

    def children(self, family, mother_born, latest, *, earliest=None, father=None, clan=None, caregiver=""):
        """Up to the household's free places of children, born when the mother
        was 19 to 42, not before `earliest` and not after `latest`."""
        room = MAX_MEMBERS - len(family["members"])
        wanted = min(room, self.rng.choice([1, 2, 2, 3, 3, 4]))
        first = max(_add_years(mother_born, 19), earliest or datetime.date.min)
        latest = min(latest, _add_years(mother_born, 42), DEMO_TODAY - datetime.timedelta(days=60))
        births = []
        if wanted and first <= latest:
            born = self.between(first, min(latest, _add_years(first, 7)))
            while born <= latest and len(births) < wanted:
                births.append(born)
                born += datetime.timedelta(days=self.rng.randint(550, 2200))
        return [
            self.child(family, Relation.CHILD, born, father=father, clan=clan, caregiver=caregiver)
            for born in births
        ]

    def elder(self, family, relation, sex, child_born, *, clan=None):
        born = self.years_before(child_born, 20, 32)
        return self.person(family, relation, sex, born, clan=clan)

    # Migration

    def job(self, sex, *, country=None):
        options = self.spec["women_jobs" if sex == P else "men_jobs"]
        if country and any(job.country == country for job in options):
            options = {job: w for job, w in options.items() if job.country == country}
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def channel(self, job, departed=None):
        if job.country == "SA" and job.sector == Sector.INFORMAL and departed is not None:
            non_procedural = departed >= MIDDLE_EAST_MORATORIUM
        else:
            non_procedural = self.rng.random() < job.non_procedural_share
        if non_procedural:
            return {"channel": Channel.NON_PROCEDURAL, "placement_agency": ""}
        agency = G_TO_G if job == FACTORY_KR else self.rng.choice(PLACEMENT_AGENCIES)
        return {"channel": Channel.PROCEDURAL, "placement_agency": agency}

    def departure(self, born, earliest=None):
        """A departure at 21 or older, in the last six years."""
        start = max(_add_years(born, 21), _add_years(DEMO_TODAY, -6), earliest or datetime.date.min)
        return self.between(start, DEMO_TODAY - datetime.timedelta(days=45))

    def working_abroad(self, job, departed):
        return {
            "status": Status.PMI,
            "destination_country": job.country,
            "sector": job.sector,
            "occupation": job.occupation,
            "departure_date": departed,
            **self.channel(job, departed),
        }

    def preparing(self, job):
        return {
            "status": Status.CPMI,
            "destination_country": job.country,
            "occupation": job.occupation,
            **self.channel(job),
        }

    def returned(self, sex, born):
        job = self.job(sex)
        earliest = max(_add_years(born, 21), datetime.date(2004, 1, 1))
        latest = _add_years(DEMO_TODAY, -2)
        if job.country == "SA" and job.sector == Sector.INFORMAL:
            latest = min(latest, MIDDLE_EAST_MORATORIUM - datetime.timedelta(days=1))
            if latest < earliest:
                return self.returned_from(self.job(sex, country="MY"), earliest, _add_years(DEMO_TODAY, -2))
        return self.returned_from(job, earliest, latest)

    def returned_from(self, job, earliest, latest):
        departed = self.between(earliest, latest)
        # One to three two-year contracts, and home at least a month ago.
        came_home = departed + datetime.timedelta(days=self.rng.randint(700, 2600))
        last_possible = DEMO_TODAY - datetime.timedelta(days=30)
        if came_home > last_possible:
            came_home = self.between(departed + datetime.timedelta(days=365), last_possible)
        if self.business:
            business = self.business.pop(0)
        else:
            business = self.rng.choices(list(Member.Business), weights=[4, 4, 2])[0]
        wishes = ""
        if business != Member.Business.NO:
            wishes = self.rng.choice(self.spec["training"])
            if self.rng.random() < 0.4:
                wishes = f"{wishes}; {self.rng.choice(GENERAL_TRAINING).lower()}"
        return {
            "status": Status.RETURNEE,
            "destination_country": job.country,
            "sector": job.sector,
            "occupation": job.occupation,
            "departure_date": departed,
            "return_date": came_home,
            "business_status": business,
            "training_wishes": wishes,
            **self.channel(job, departed),
        }

    # Households, one method per kind

    def mother_abroad(self, family):
        """The wife works abroad; the husband (and sometimes a grandmother) raises the children."""
        wife_born = self.birth(24, 42)
        head = self.person(family, Relation.HEAD, L, self.years_before(wife_born, 0, 7))
        job = self.job(P)
        departed = self.departure(wife_born)
        wife_fields = self.working_abroad(job, departed)
        self.person(family, Relation.WIFE, P, wife_born, **wife_fields)
        caregiver = "ayah"
        if self.rng.random() < self.spec["grandparent_share"]:
            if self.rng.random() < 0.5:
                self.elder(family, Relation.PARENT, P, head["birth_date"])
            else:
                self.elder(family, Relation.PARENT_IN_LAW, P, wife_born)
            if not self.spec.get("fathers_care"):
                caregiver = "nenek"
        self.children(
            family, wife_born, departed - datetime.timedelta(days=365), father=head, caregiver=caregiver
        )
        return head

    def father_abroad(self, family):
        """The husband works abroad; the wife raises the children."""
        head_born = self.birth(25, 46)
        job = self.job(L)
        departed = self.departure(head_born)
        head = self.person(family, Relation.HEAD, L, head_born, **self.working_abroad(job, departed))
        wife_born = self.years_after(head_born, 0, 6)
        self.person(family, Relation.WIFE, P, wife_born)
        if self.rng.random() < self.spec["grandparent_share"] / 2:
            self.elder(family, Relation.PARENT, P, head_born)
        self.children(
            family, wife_born, departed + datetime.timedelta(days=270), father=head, caregiver="ibu"
        )
        return head

    def couple_abroad(self, family):
        """Both parents work abroad, often in the same country; the grandparents raise the children."""
        head_born = self.birth(28, 44)
        job = self.job(L)
        head = self.person(
            family, Relation.HEAD, L, head_born, **self.working_abroad(job, self.departure(head_born))
        )
        wife_born = self.years_after(head_born, 0, 4)
        wife_job = self.job(P, country=job.country)
        wife_departed = self.departure(wife_born, earliest=_add_years(wife_born, 22))
        self.person(family, Relation.WIFE, P, wife_born, **self.working_abroad(wife_job, wife_departed))
        self.elder(family, Relation.PARENT, P, head_born, clan=self.clan_of(head))
        caregiver = "nenek"
        if self.rng.random() < 0.5:
            self.elder(family, Relation.PARENT, L, head_born, clan=self.clan_of(head))
            caregiver = "kakek dan nenek"
        self.children(
            family, wife_born, wife_departed - datetime.timedelta(days=365), father=head, caregiver=caregiver
        )
        return head

    def single_mother_abroad(self, family):
        """A divorced or widowed mother heads the family and works abroad; her mother raises the children."""
        head_born = self.birth(26, 40)
        job = self.job(P)
        departed = self.departure(head_born, earliest=_add_years(head_born, 23))
        head = self.person(family, Relation.HEAD, P, head_born, **self.working_abroad(job, departed))
        self.elder(family, Relation.PARENT, P, head_born)
        self.children(
            family, head_born, departed - datetime.timedelta(days=365), clan=self.clan(), caregiver="nenek"
        )
        return head

    def returnee(self, family):
        """A returned PMI, with or without a business; the spouse sometimes came back too."""
        head_born = self.birth(32, 56)
        wife_born = self.years_after(head_born, 0, 6)
        woman_returned = self.rng.random() < self.spec["returnee_women_share"]
        both = self.rng.random() < 0.2
        head_fields = self.returned(L, head_born) if both or not woman_returned else {}
        head = self.person(family, Relation.HEAD, L, head_born, **head_fields)
        wife_fields = self.returned(P, wife_born) if both or woman_returned else {}
        self.person(family, Relation.WIFE, P, wife_born, **wife_fields)
        if self.rng.random() < self.spec["grandparent_share"] / 2 and _age(head_born) < 45:
            self.elder(family, Relation.PARENT, P, head_born, clan=self.clan_of(head))
        self.children(family, wife_born, DEMO_TODAY, father=head)
        return head

    def cpmi(self, family):
        """Someone preparing to leave: a grown-up child, or the wife."""
        if self.rng.random() < 0.65:
            head_born = self.birth(45, 60)
            head_fields = self.returned(L, head_born) if self.rng.random() < 0.3 else {}
            head = self.person(family, Relation.HEAD, L, head_born, **head_fields)
            wife_born = self.years_after(head_born, 0, 5)
            self.person(family, Relation.WIFE, P, wife_born)
            born = self.between(
                max(_add_years(wife_born, 19), _add_years(DEMO_TODAY, -28)), _add_years(DEMO_TODAY, -20)
            )
            sex = self.rng.choice([L, P])
            worker = self.person(
                family,
                Relation.CHILD,
                sex,
                born,
                father=head,
                clan=self.clan_of(head),
                education=self.rng.choice([Education.SMP, Education.SMA, Education.SMA]),
                schooling=Schooling.FINISHED,
                **self.preparing(self.job(sex)),
            )
            earliest = worker["birth_date"] + datetime.timedelta(days=550)
            self.children(family, wife_born, DEMO_TODAY, earliest=earliest, father=head)
        else:
            wife_born = self.birth(23, 38)
            head = self.person(family, Relation.HEAD, L, self.years_before(wife_born, 0, 6))
            self.person(family, Relation.WIFE, P, wife_born, **self.preparing(self.job(P)))
            self.children(family, wife_born, _add_years(DEMO_TODAY, -1), father=head)
        return head

    def child_abroad(self, family):
        """A grown-up son or daughter works abroad; a daughter's child stays with the grandmother."""
        head_born = self.birth(46, 62)
        head_fields = self.returned(L, head_born) if self.rng.random() < 0.35 else {}
        head = self.person(family, Relation.HEAD, L, head_born, **head_fields)
        wife_born = self.years_after(head_born, 0, 5)
        self.person(family, Relation.WIFE, P, wife_born)
        born = self.between(
            max(_add_years(wife_born, 19), _add_years(DEMO_TODAY, -32)), _add_years(DEMO_TODAY, -22)
        )
        sex = self.rng.choice([L, P])
        departed = self.departure(born)
        worker = self.person(
            family,
            Relation.CHILD,
            sex,
            born,
            father=head,
            clan=self.clan_of(head),
            schooling=Schooling.FINISHED,
            **self.working_abroad(self.job(sex), departed),
        )
        if sex == P and self.rng.random() < 0.5:
            child_born = self.between(_add_years(born, 19), departed - datetime.timedelta(days=365))
            if _add_years(born, 19) <= child_born <= departed:
                self.child(family, Relation.GRANDCHILD, child_born, clan=self.clan(), caregiver="nenek")
        elif self.rng.random() < 0.5:
            earliest = worker["birth_date"] + datetime.timedelta(days=550)
            self.children(family, wife_born, DEMO_TODAY, earliest=earliest, father=head)
        return head

    def household(self, kind):
        family = {"members": [], "taken": set()}
        head = getattr(self, kind)(family)
        address, dusun = "", ""
        if "streets" in self.spec:
            while not address or address in self.addresses:
                address = f"{self.rng.choice(self.spec['streets'])} No. {self.rng.randint(1, 60)}"
            self.addresses.add(address)
        else:
            dusun = self.rng.choice(self.spec["hamlets"])
        household = {
            "no_kk": self.no_kk(head["birth_date"]),
            "dusun": dusun,
            "rt": f"{self.rng.randint(1, 12):03d}",
            "rw": f"{self.rng.randint(1, 5):03d}",
            "address": address,
        }
        return household, family["members"]

    def households(self):
        kinds = [kind for kind, count in self.spec["kinds"].items() for _ in range(count)]
        self.rng.shuffle(kinds)
        return [self.household(kind) for kind in kinds]


def demo_households():
    """The demo households, as (village code, household fields, [member fields]).
    No database access: the same list on every call."""
    used = set()
    plan = []
    for spec in DEMO_VILLAGES:
        code = spec["code"]
        planner = _HouseholdPlanner(code, DEMO_HOUSEHOLDS[code], used)
        for household, members in planner.households():
            plan.append((code, household, members))
    return plan


@transaction.atomic
def households_load_demo():
    """Create the demo households of the enrolled demo villages. A household
    whose No. KK (or one of whose NIKs) is already registered is skipped, so
    running it again creates nothing."""
    plan = demo_households()
    villages = Village.objects.in_bulk([code for code, _, _ in plan])
    known_kk = set(
        Household.objects.filter(no_kk__in=[h["no_kk"] for _, h, _ in plan]).values_list("no_kk", flat=True)
    )
    known_nik = set(
        Member.objects.filter(nik__in=[m["nik"] for _, _, ms in plan for m in ms]).values_list(
            "nik", flat=True
        )
    )
    created = {"households": 0, "members": 0}
    for code, fields, member_fields in plan:
        village = villages.get(code)
        if (
            village is None
            or fields["no_kk"] in known_kk
            or any(m["nik"] in known_nik for m in member_fields)
        ):
            continue
        members = [Member(**m) for m in member_fields]
        household_save(household=Household(village=village, **fields), members=members, user=None)
        created["households"] += 1
        created["members"] += len(members)
    return created
