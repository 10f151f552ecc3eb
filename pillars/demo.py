"""Demo pillar records and problems for the demo villages (villages/demo.py).

The problems and solutions are the ones the evaluation paper lists
(shared/reference/desmigratif-evaluation-paper.txt, "Permasalahan
Pengembangan Desa Migran Produktif" and "Alternatif Solusi"), placed in the
villages where the paper found them; their follow-ups are invented, as are
the officers, activities, businesses, trainings, sessions and loans. The
texts are in Indonesian, as an officer would type them.

People are the village's demo members, picked by what the household demo
gave them (a returnee who has a business, the training they asked for), so
the records follow the registry. Everything is saved through the services,
with the same checks as a form. A second run creates nothing: each record
is looked up by its natural key first.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from pillars import services
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    Pillar,
    Problem,
    ServiceActivity,
    Training,
)
from villages.models import Household, Member, Village

D = datetime.date
P1, P2, P3, P4 = Pillar.values
PAPER = "Kajian evaluasi Desmigratif (2021)"
RAISED = D(2020, 9, 15)  # the paper's field survey

Activity = ServiceActivity.Kind
Stage = Business.Stage
BKind = Business.Kind
TKind = Training.Kind
House = LearningHouse.Status
Coop = Cooperative.Kind
Legal = Cooperative.LegalStatus
LoanStatus = Loan.Status
Status = Problem.Status

# People are named by what the registry says of them:
#   ("returnees", "")       every returnee
#   ("owners",)             every returnee who has a business
#   ("owner", "keripik", 1) the second returnee who has a business and asked for
#                           training in "keripik"
#   ("caregivers", 5)       up to five adults of households raising a PMI's child
#   ("household", 0)        the household of the first of those caregivers

# Problems the paper lists, shared by several villages.
NO_INTERNET = {
    "pillar": P1,
    "title": "Internet belum terpasang di pusat layanan migrasi",
    "description": (
        "Tidak ada bantuan dari lembaga terkait dan pemerintah desa belum memiliki anggaran untuk "
        "internet, sehingga aplikasi layanan migrasi belum bisa digunakan oleh petugas."
    ),
    "proposed_solution": (
        "Pemasangan jaringan internet secepat mungkin; mencarikan dana pemasangan (Dana Desa, "
        "program akses internet Kemenkominfo)."
    ),
    "responsible_agency": "Pemerintah desa; Kemenkominfo",
}
UNTRAINED_OFFICERS = {
    "pillar": P1,
    "title": "Petugas layanan migrasi belum memahami tugasnya",
    "description": (
        "Sebelum mengikuti pelatihan Kemnaker petugas tidak memahami tugas dan wewenangnya, sehingga "
        "belum bergerak melakukan pendataan rumah tangga PMI."
    ),
    "proposed_solution": "Pelatihan petugas layanan migrasi oleh Kemnaker dan pendampingan oleh Disnaker.",
    "responsible_agency": "Kemnaker; Disnaker Kabupaten",
}
REFUSED_REGISTRATION = {
    "pillar": P1,
    "title": "Warga menolak pendataan dan meminta imbalan",
    "description": (
        "Respon masyarakat terhadap layanan kurang; ada yang menolak didata dan meminta imbalan untuk "
        "memberikan informasi kepada petugas layanan migrasi."
    ),
    "proposed_solution": (
        "Pengarahan dan motivasi tentang manfaat program desmigratif agar warga tidak menolak "
        "pendataan maupun pemberian informasi."
    ),
    "responsible_agency": "Pemerintah desa; Disnaker Kabupaten",
}
NO_PACKAGING = {
    "pillar": P2,
    "title": "Produk belum berkemasan dan belum punya jaringan pemasaran",
    "description": (
        "Warga terbatas dalam menentukan strategi pemasaran; belum ada kemasan yang sesuai kebutuhan "
        "pasar dan jaringan pemasaran."
    ),
    "proposed_solution": "Pelatihan inovasi kemasan, packaging dan pemasaran, termasuk pemasaran online.",
    "responsible_agency": "Dinas Koperasi dan UKM; Kemenparekraf",
}
NO_CAPITAL = {
    "pillar": P2,
    "title": "Modal usaha terbatas",
    "description": "Pelaku usaha PMI purna dan keluarga PMI tidak punya modal untuk membeli alat dan bahan.",
    "proposed_solution": "Meningkatkan peran koperasi dan bank dalam penyaluran kredit usaha rakyat (KUR).",
    "responsible_agency": "Koperasi desa; bank penyalur KUR",
}
NO_FACILITATOR = {
    "pillar": P3,
    "title": "Belum ada tenaga khusus community parenting",
    "description": "Belum ada fasilitator yang melaksanakan program community parenting di desa.",
    "proposed_solution": "Melatih kader PKK atau pendamping LSM sebagai fasilitator parenting.",
    "responsible_agency": "Kemen PPPA; Disnaker Kabupaten; LSM mitra",
}
COOPERATIVE_COACHING = {
    "pillar": P4,
    "title": "Pembinaan pengurus koperasi belum maksimal",
    "description": (
        "Pembinaan oleh perangkat daerah kepada pengurus koperasi dalam pengelolaan lembaga belum maksimal."
    ),
    "proposed_solution": "Pelatihan manajemen koperasi bagi pengurus oleh Dinas Koperasi dan UKM.",
    "responsible_agency": "Dinas Koperasi dan UKM Kabupaten",
}


def _problem(base, **changes):
    return {**base, **changes}


DEMO_PILLARS = {
    # Brengkok, Lamongan: no internet, officers trained late, households
    # refusing registration; food and furniture businesses mostly not growing.
    "35.24.07.2004": {
        "author": "petugas.brengkok",
        "officers": [
            {
                "name": "Siti Aminah",
                "position": "Kaur Umum",
                "trained": True,
                "trained_on": D(2018, 3, 14),
                "training_provider": "Kemnaker",
            },
            {"name": "Ahmad Fauzi", "position": "Staf desa", "trained": False},
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2019, 2, 20),
                "topic": "Migrasi aman dan prosedural",
                "participant_count": 35,
                "participants": ("returnees", ""),
            },
            {
                "kind": Activity.REGISTRATION,
                "date": D(2019, 7, 8),
                "topic": "Pendataan rumah tangga PMI",
                "participant_count": 12,
                "households_registered": 9,
                "notes": "Tiga rumah tangga menolak didata dan meminta imbalan.",
            },
            {
                "kind": Activity.DOCUMENTS,
                "date": D(2023, 5, 10),
                "topic": "Bantuan paspor dan perjanjian kerja",
                "participant_count": 2,
            },
        ],
        "businesses": [
            {
                "name": "Mebel Jati Nur Cholis",
                "owner": ("owner", "mebel"),
                "kind": BKind.FURNITURE,
                "products": "meja, kursi, lemari",
                "stage": Stage.STARTING,
                "started_on": D(2018, 4, 1),
                "workers": 2,
                "monthly_turnover": 3_500_000,
                "sells_in_village": True,
            },
            {
                "name": "Keripik dan Kerupuk Ikan Bu Nur",
                "owner": ("owner", "pengemasan"),
                "kind": BKind.FOOD,
                "products": "keripik, kerupuk ikan",
                "stage": Stage.STARTING,
                "started_on": D(2019, 1, 15),
                "workers": 1,
                "monthly_turnover": 1_250_000,
                "support_training": True,
            },
            {
                "name": "Kerupuk Sumarmi",
                "owner": ("owner", "keripik", 1),
                "kind": BKind.FOOD,
                "products": "kerupuk",
                "stage": Stage.STARTING,
                "monthly_turnover": 900_000,
            },
            {
                "name": "Mebel Karya Jaya",
                "owner": ("household", 0),
                "kind": BKind.FURNITURE,
                "products": "kusen, pintu",
                "stage": Stage.GROWING,
                "started_on": D(2017, 8, 1),
                "workers": 4,
                "monthly_turnover": 8_000_000,
                "support_equipment": True,
                "sells_outside": True,
                "support_notes": "Bantuan alat pertukangan dari Disnaker Lamongan 2020",
            },
        ],
        "trainings": [
            {
                "title": "Pelatihan pengemasan dan label produk",
                "kind": TKind.PACKAGING,
                "organiser": "Disnaker Kabupaten Lamongan",
                "start_date": D(2021, 10, 4),
                "end_date": D(2021, 10, 6),
                "location": "Balai Desa Brengkok",
                "participants": ("returnees", "pengemasan"),
            },
            {
                "title": "Pelatihan desain dan finishing mebel",
                "kind": TKind.PRODUCTION,
                "organiser": "BLK Lamongan",
                "start_date": D(2022, 3, 7),
                "end_date": D(2022, 3, 18),
                "participants": ("returnees", "mebel"),
            },
        ],
        "sessions": [
            {
                "date": D(2022, 8, 20),
                "topic": "Mengasuh anak saat orang tua bekerja di luar negeri",
                "facilitator": "Kader PKK Brengkok",
                "partner": "PKK",
                "participants": ("caregivers", 6),
                "children_reached": 9,
            },
        ],
        "learning_house": {
            "status": House.PREPARING,
            "rooms": 2,
            "progress_note": "Rumah sewa 70 m², 50 m dari balai desa; menunggu perabot.",
        },
        "cooperatives": [
            {
                "name": "Koperasi Simpan Pinjam Brengkok",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.REGISTERED,
                "legal_number": "AHU-0012345.AH.01.26.2018",
                "established_on": D(2018, 6, 1),
                "capital": 45_000_000,
                "members": ("returnees", ""),
                "loans": [
                    {
                        "borrower": ("owner", "mebel"),
                        "business": "Mebel Jati Nur Cholis",
                        "amount": 10_000_000,
                        "purpose": "Mesin serut dan amplas",
                        "disbursed_on": D(2022, 4, 1),
                        "due_on": D(2024, 4, 1),
                        "repaid_amount": 6_000_000,
                        "status": LoanStatus.LATE,
                    },
                    {
                        "borrower": ("owner", "pengemasan"),
                        "business": "Keripik dan Kerupuk Ikan Bu Nur",
                        "amount": 2_500_000,
                        "purpose": "Mesin press kemasan",
                        "disbursed_on": D(2022, 1, 10),
                        "due_on": D(2023, 1, 10),
                        "repaid_amount": 2_500_000,
                        "status": LoanStatus.REPAID,
                    },
                ],
            },
        ],
        "problems": [
            _problem(
                UNTRAINED_OFFICERS,
                follow_ups=[
                    (
                        D(2020, 11, 2),
                        "Petugas kedua didaftarkan ke pelatihan Kemnaker gelombang berikutnya.",
                        Status.IN_PROGRESS,
                    ),
                    (
                        D(2021, 3, 18),
                        "Pelatihan selesai; pendataan rumah tangga PMI dimulai lagi.",
                        Status.SOLVED,
                    ),
                ],
            ),
            _problem(
                NO_INTERNET,
                follow_ups=[
                    (
                        D(2021, 2, 5),
                        "Diusulkan dalam musyawarah desa untuk Dana Desa 2022.",
                        Status.IN_PROGRESS,
                    ),
                    (D(2022, 1, 20), "Usulan tidak masuk APBDes 2022; diajukan lagi untuk 2023.", ""),
                ],
            ),
            _problem(
                REFUSED_REGISTRATION,
                follow_ups=[
                    (
                        D(2021, 6, 14),
                        "Sosialisasi manfaat program di pengajian dan arisan PKK.",
                        Status.IN_PROGRESS,
                    ),
                ],
            ),
            {
                "pillar": P2,
                "title": "Usaha makanan dan mebel belum berkembang",
                "description": "Sebagian besar usaha makanan dan mebel masih berstatus belum berkembang.",
                "proposed_solution": (
                    "Pembaruan peralatan yang lebih modern; mengajak ibu-ibu dan PMI purna tanpa usaha; "
                    "pemasaran ke luar desa hingga Kabupaten Lamongan termasuk online; pelatihan agar "
                    "produk beragam."
                ),
                "responsible_agency": "Disnaker Kabupaten Lamongan; Dinas Koperasi dan UKM",
                "follow_ups": [
                    (
                        D(2021, 10, 6),
                        "Pelatihan pengemasan dan label produk untuk pelaku usaha makanan.",
                        Status.IN_PROGRESS,
                    ),
                ],
            },
            _problem(NO_PACKAGING),
            _problem(
                NO_CAPITAL,
                responsible_agency="Koperasi Simpan Pinjam Brengkok",
                follow_ups=[
                    (D(2022, 4, 1), "Koperasi menyalurkan pinjaman alat untuk dua usaha.", Status.SOLVED),
                ],
            ),
            _problem(NO_FACILITATOR),
        ],
    },
    # Megonten, Demak: apparatus with senior high school only; products
    # banana, mung bean, organic fertiliser, bread and cakes.
    "33.21.14.2014": {
        "author": "petugas.megonten",
        "officers": [
            {
                "name": "Budi Santoso",
                "position": "Sekretaris desa",
                "trained": True,
                "trained_on": D(2018, 5, 9),
                "training_provider": "Kemnaker",
            },
            {
                "name": "Nurul Hidayah",
                "position": "Kaur Kesra",
                "trained": True,
                "trained_on": D(2019, 9, 23),
                "training_provider": "Disnaker Kabupaten Demak",
            },
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2019, 4, 11),
                "topic": "Bahaya jalur nonprosedural",
                "participant_count": 48,
            },
            {
                "kind": Activity.CONSULTATION,
                "date": D(2024, 2, 5),
                "topic": "Konsultasi kontrak kerja Taiwan",
                "participant_count": 1,
            },
            {
                "kind": Activity.REGISTRATION,
                "date": D(2019, 6, 17),
                "topic": "Pendataan rumah tangga PMI",
                "participant_count": 15,
                "households_registered": 14,
            },
        ],
        "businesses": [
            {
                "name": "Roti dan Kue Suparno",
                "owner": ("owner", "roti"),
                "kind": BKind.FOOD,
                "products": "roti manis, bolu, kue kering",
                "stage": Stage.GROWING,
                "workers": 3,
                "monthly_turnover": 6_500_000,
                "support_training": True,
                "support_packaging": True,
                "sells_outside": True,
                "sells_online": True,
            },
            {
                "name": "Olahan Kacang Hijau Abdul Rokhim",
                "owner": ("owner", "kacang"),
                "kind": BKind.FOOD,
                "products": "bakpia, sari kacang hijau",
                "stage": Stage.STARTING,
                "monthly_turnover": 1_500_000,
            },
            {
                "name": "Pupuk Organik Karya Bersama",
                "owner": ("household", 1),
                "kind": BKind.FARMING,
                "products": "pupuk kompos",
                "stage": Stage.ESTABLISHED,
                "workers": 6,
                "monthly_turnover": 12_000_000,
                "support_mentoring": True,
                "support_equipment": True,
                "sells_outside": True,
                "support_notes": "Pendampingan Gapoktan Karya Bersama",
            },
        ],
        "trainings": [
            {
                "title": "Pembukuan usaha kecil",
                "kind": TKind.FINANCE,
                "organiser": "Disnaker Kabupaten Demak",
                "start_date": D(2022, 7, 12),
                "participants": ("returnees", "pembukuan"),
            },
            {
                "title": "Pembuatan roti dan kue",
                "kind": TKind.PRODUCTION,
                "organiser": "BLK Demak",
                "start_date": D(2021, 11, 1),
                "end_date": D(2021, 11, 5),
                "participants": ("returnees", "roti"),
            },
        ],
        "sessions": [
            {
                "date": D(2023, 3, 4),
                "topic": "Komunikasi jarak jauh dengan orang tua di luar negeri",
                "facilitator": "Pendamping LSM Dharmo Tirto",
                "partner": "LSM Dharmo Tirto",
                "participants": ("caregivers", 5),
                "children_reached": 7,
            },
        ],
        "learning_house": {
            "status": House.IN_USE,
            "rooms": 1,
            "progress_note": "Ruang milik desa 168 m² dipakai untuk kegiatan rumah belajar.",
        },
        "cooperatives": [
            {
                "name": "Koperasi Sendari",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.REGISTERED,
                "established_on": D(2012, 2, 1),
                "capital": 120_000_000,
                "members": ("returnees", ""),
                "loans": [
                    {
                        "borrower": ("owner", "roti"),
                        "business": "Roti dan Kue Suparno",
                        "amount": 15_000_000,
                        "purpose": "Oven dan mixer",
                        "disbursed_on": D(2023, 2, 1),
                        "due_on": D(2025, 2, 1),
                        "repaid_amount": 11_000_000,
                        "status": LoanStatus.CURRENT,
                    },
                ],
            },
            {
                "name": "Koperasi Simpan Pinjam Megonten",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.IN_PROCESS,
                "members": ("returnees", "kacang"),
                "loans": [
                    {
                        "borrower": ("owner", "kacang"),
                        "amount": 3_000_000,
                        "purpose": "Bahan baku kacang hijau",
                        "disbursed_on": D(2024, 6, 3),
                        "due_on": D(2025, 6, 3),
                        "repaid_amount": 1_000_000,
                        "status": LoanStatus.LATE,
                    },
                ],
            },
        ],
        "problems": [
            {
                "pillar": P1,
                "title": "SDM pelayanan informasi berpendidikan relatif rendah",
                "description": (
                    "Sumber daya yang dipersiapkan memberi pelayanan informasi sebagian besar lulusan SLTA."
                ),
                "proposed_solution": "Menambah personil dan meningkatkan kualitas SDM perangkat desa.",
                "responsible_agency": "Pemerintah desa; Disnaker Kabupaten Demak",
                "follow_ups": [
                    (D(2021, 9, 1), "Satu petugas tambahan mengikuti bimtek Disnaker.", Status.IN_PROGRESS)
                ],
            },
            {
                "pillar": P2,
                "title": "Label halal dan izin edar roti/kue belum ada",
                "description": (
                    "Produk roti dan kue belum bisa masuk toko modern karena belum berlabel halal dan "
                    "PIRT/BPOM."
                ),
                "proposed_solution": "Bantuan biaya dan proses pengurusan label halal dan izin BPOM.",
                "responsible_agency": "BPOM; Kemenag (BPJPH); Dinas Kesehatan",
                "follow_ups": [
                    (
                        D(2022, 5, 10),
                        "Pendaftaran sertifikasi halal gratis (SEHATI) diajukan.",
                        Status.IN_PROGRESS,
                    ),
                    (D(2023, 1, 16), "Sertifikat halal terbit untuk Roti dan Kue Suparno.", Status.SOLVED),
                ],
            },
            {
                "pillar": P2,
                "title": "Anggaran daerah/desa untuk program desmigratif belum dialokasikan",
                "description": "Belum ada anggaran dari daerah atau desa yang mendukung program desmigratif.",
                "proposed_solution": (
                    "Sinergi dana pemberdayaan dari Pemerintah Provinsi dengan program desmigratif; "
                    "mengajukan alokasi anggaran ke Kemnaker."
                ),
                "responsible_agency": "Pemerintah desa; Pemerintah Provinsi Jawa Tengah; Kemnaker",
            },
            _problem(COOPERATIVE_COACHING, responsible_agency="Dinas Koperasi dan UKM Kabupaten Demak"),
            {
                "pillar": P4,
                "title": "Membentuk koperasi desmigratif baru",
                "description": "Usulan membentuk koperasi khusus keluarga PMI.",
                "proposed_solution": "Pembentukan koperasi desmigratif berbadan hukum.",
                "responsible_agency": "Dinas Koperasi dan UKM Kabupaten Demak",
                "follow_ups": [
                    (
                        D(2022, 2, 14),
                        "Disepakati bergabung dengan Koperasi Sendari yang sudah berbadan hukum; "
                        "usulan koperasi baru tidak dilanjutkan.",
                        Status.DROPPED,
                    ),
                ],
            },
        ],
    },
    # Jambenenggang, Sukabumi: cassava and banana sold unprocessed; Teras BRI;
    # APWI for parenting and the cooperative; PLRT abroad, some non-procedural.
    "32.02.34.2005": {
        "author": "kemnaker",
        "officers": [
            {
                "name": "Asep Saepudin",
                "position": "Kasi Pelayanan",
                "trained": True,
                "trained_on": D(2019, 3, 12),
                "training_provider": "Kemnaker",
            },
            {"name": "Rina Marlina", "position": "Staf desa", "trained": False},
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2019, 8, 22),
                "topic": "Penempatan PLRT ke Timur Tengah masih ditutup: jangan berangkat lewat calo",
                "participant_count": 60,
            },
            {
                "kind": Activity.DOCUMENTS,
                "date": D(2024, 10, 3),
                "topic": "Pengurusan e-KTP dan paspor CPMI",
                "participant_count": 3,
            },
        ],
        "businesses": [
            {
                "name": "Keripik Singkong dan Pisang Ujang",
                "owner": ("owner", "singkong"),
                "kind": BKind.FOOD,
                "products": "keripik singkong, keripik pisang",
                "stage": Stage.GROWING,
                "workers": 3,
                "monthly_turnover": 4_000_000,
                "support_training": True,
                "support_packaging": True,
                "sells_outside": True,
            },
            {
                "name": "Ternak Domba Entin",
                "owner": ("owner", "domba"),
                "kind": BKind.LIVESTOCK,
                "products": "domba",
                "stage": Stage.STARTING,
                "monthly_turnover": 2_000_000,
                "sells_online": True,
            },
        ],
        "trainings": [
            {
                "title": "Pengolahan singkong dan pisang",
                "kind": TKind.PRODUCTION,
                "organiser": "Disnaker Kabupaten Sukabumi",
                "start_date": D(2021, 8, 16),
                "end_date": D(2021, 8, 20),
                "participants": ("returnees", ""),
            },
            {
                "title": "Pemasaran online untuk UMKM",
                "kind": TKind.MARKETING,
                "organiser": "Teras BRI",
                "start_date": D(2023, 9, 5),
                "participants": ("returnees", "online"),
            },
        ],
        "sessions": [
            {
                "date": D(2022, 2, 12),
                "topic": "Konseling keluarga PMI",
                "facilitator": "Konselor APWI",
                "partner": "LSM APWI",
                "participants": ("caregivers", 8),
                "children_reached": 16,
            },
            {
                "date": D(2023, 7, 8),
                "topic": "Pendidikan anak usia sekolah",
                "facilitator": "Konselor APWI",
                "partner": "LSM APWI",
                "participants": ("caregivers", 6),
                "children_reached": 12,
            },
        ],
        "learning_house": {"status": House.IN_USE, "rooms": 1, "progress_note": "Ruang milik desa 8 × 6 m²."},
        "cooperatives": [
            {
                "name": "Teras BRI Jambenenggang",
                "kind": Coop.OTHER,
                "legal_status": Legal.REGISTERED,
                "notes": "Unit layanan BRI penyalur KUR.",
                "members": ("owners",),
                "loans": [
                    {
                        "borrower": ("owner", "singkong"),
                        "business": "Keripik Singkong dan Pisang Ujang",
                        "scheme": Loan.Scheme.KUR,
                        "amount": 25_000_000,
                        "purpose": "Mesin perajang dan spinner",
                        "disbursed_on": D(2022, 3, 15),
                        "due_on": D(2025, 3, 15),
                        "repaid_amount": 25_000_000,
                        "status": LoanStatus.REPAID,
                    },
                    {
                        "borrower": ("owner", "domba"),
                        "business": "Ternak Domba Entin",
                        "scheme": Loan.Scheme.KUR,
                        "amount": 10_000_000,
                        "purpose": "Bibit domba",
                        "disbursed_on": D(2024, 1, 20),
                        "due_on": D(2026, 1, 20),
                        "repaid_amount": 4_000_000,
                        "status": LoanStatus.CURRENT,
                    },
                ],
            },
        ],
        "problems": [
            {
                "pillar": P1,
                "title": "Masih ada PMI PLRT yang berangkat lewat jalur nonprosedural",
                "description": (
                    "PMI aktif didominasi PLRT di sektor informal; meski penempatan PLRT ke Timur "
                    "Tengah ditutup, "
                    "masih ada pengiriman melalui jalur ilegal."
                ),
                "proposed_solution": (
                    "Sosialisasi migrasi aman secara rutin; pelatihan keterampilan agar tidak hanya menjadi "
                    "PLRT."
                ),
                "responsible_agency": "Disnaker Kabupaten Sukabumi; BP2MI",
                "follow_ups": [(D(2021, 8, 22), "Sosialisasi bersama BP3MI Jawa Barat.", Status.IN_PROGRESS)],
            },
            {
                "pillar": P2,
                "title": "Singkong dan pisang dijual tanpa diolah",
                "description": (
                    "Petani panen hampir sepanjang tahun tetapi menjual hasil tanpa diolah karena kurang "
                    "keterampilan."
                ),
                "proposed_solution": (
                    "Pelatihan pengolahan hasil pertanian dan pemasaran ke luar Kabupaten Sukabumi."
                ),
                "responsible_agency": "Disnaker Kabupaten Sukabumi",
                "follow_ups": [
                    (D(2021, 8, 20), "Pelatihan pengolahan singkong dan pisang selesai.", Status.IN_PROGRESS),
                    (
                        D(2023, 9, 5),
                        "Dua usaha olahan berjalan; pemasaran online dilatih oleh Teras BRI.",
                        Status.SOLVED,
                    ),
                ],
            },
            _problem(
                NO_CAPITAL,
                responsible_agency="Teras BRI",
                follow_ups=[
                    (D(2022, 3, 15), "KUR pertama disalurkan Teras BRI.", Status.IN_PROGRESS),
                ],
            ),
            _problem(
                NO_FACILITATOR,
                responsible_agency="LSM APWI",
                follow_ups=[
                    (D(2022, 2, 12), "Konselor APWI mendampingi sesi parenting bulanan.", Status.SOLVED),
                ],
            ),
        ],
    },
    # Namosain, Kota Kupang: fishing, snacks, spices, ikat; the BNI renovation
    # of the learning house stalled on a design and cost estimate.
    "53.71.01.1001": {
        "author": "kemnaker",
        "officers": [
            {"name": "Yulius Benu", "position": "Staf kelurahan", "trained": False},
            {"name": "Maria Lakapu", "position": "Kader PKK", "trained": False},
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2019, 10, 17),
                "topic": "Perlindungan PMI dan keluarganya",
                "participant_count": 25,
            },
            {
                "kind": Activity.REGISTRATION,
                "date": D(2020, 2, 3),
                "topic": "Pendataan rumah tangga PMI",
                "participant_count": 8,
                "households_registered": 5,
                "notes": "Sebagian warga meminta imbalan untuk didata.",
            },
        ],
        "businesses": [
            {
                "name": "Abon Ikan Oktovina",
                "owner": ("owner", "abon"),
                "kind": BKind.FISHERY,
                "products": "abon ikan, ikan asin",
                "stage": Stage.GROWING,
                "workers": 2,
                "monthly_turnover": 3_000_000,
                "support_training": True,
                "sells_outside": True,
            },
            {
                "name": "Ikan Asin Kelompok Nelayan",
                "owner": ("household", 0),
                "kind": BKind.FISHERY,
                "products": "ikan asin",
                "stage": Stage.STARTING,
                "monthly_turnover": 750_000,
            },
        ],
        "trainings": [
            {
                "title": "Pengolahan hasil perikanan",
                "kind": TKind.PRODUCTION,
                "organiser": "Dinas Kelautan dan Perikanan Kota Kupang",
                "start_date": D(2022, 5, 23),
                "end_date": D(2022, 5, 25),
                "participants": ("returnees", "ikan"),
            },
        ],
        "sessions": [
            {
                "date": D(2021, 11, 13),
                "topic": "Pola asuh anak PMI",
                "facilitator": "Pendamping Yayasan Attin",
                "partner": "Yayasan Attin",
                "participants": ("caregivers", 6),
                "children_reached": 11,
            },
            {
                "date": D(2023, 4, 15),
                "topic": "Kesehatan ibu dan anak",
                "facilitator": "Kader PKK Namosain",
                "partner": "PKK Namosain",
                "participants": ("caregivers", 5),
                "children_reached": 8,
            },
        ],
        "learning_house": {
            "status": House.STALLED,
            "renovation_partner": "Bank BNI",
            "renovation_progress": 0,
            "progress_note": (
                "Kerja sama renovasi dengan BNI belum ada kelanjutan: BNI meminta desain dan "
                "perhitungan RAB, "
                "kelurahan tidak memiliki dana untuk membuatnya."
            ),
        },
        "cooperatives": [
            {
                "name": "KUD Minakarota",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.REGISTERED,
                "established_on": D(1998, 7, 12),
                "capital": 80_000_000,
                "members": ("returnees", ""),
                "notes": "Simpan pinjam khusus kelompok nelayan.",
                "loans": [
                    {
                        "borrower": ("owner", "abon"),
                        "business": "Abon Ikan Oktovina",
                        "amount": 5_000_000,
                        "purpose": "Alat pengering dan kemasan",
                        "disbursed_on": D(2023, 5, 2),
                        "due_on": D(2024, 11, 2),
                        "repaid_amount": 3_500_000,
                        "status": LoanStatus.LATE,
                    },
                ],
            },
        ],
        "problems": [
            {
                "pillar": P3,
                "title": "Renovasi rumah belajar oleh BNI terhenti",
                "description": (
                    "Sudah ada kerja sama dengan bank BNI tetapi belum ada progres: pemerintah "
                    "kelurahan tidak "
                    "memiliki dana untuk membuat desain dan perhitungan RAB renovasi yang diminta BNI."
                ),
                "proposed_solution": (
                    "Koordinasi intensif Kemnaker, Disnaker, pihak kelurahan dan BNI agar penentuan "
                    "lokasi dan "
                    "renovasi rumah belajar segera dilaksanakan."
                ),
                "responsible_agency": "Kemnaker; Disnaker Kota Kupang; Bank BNI",
                "follow_ups": [
                    (
                        D(2021, 3, 10),
                        "Kelurahan meminta bantuan Dinas PUPR Kota Kupang untuk menyusun RAB.",
                        Status.IN_PROGRESS,
                    ),
                    (D(2022, 8, 30), "Belum ada anggaran untuk desain; BNI menunggu RAB.", ""),
                ],
            },
            _problem(NO_INTERNET),
            _problem(REFUSED_REGISTRATION),
            _problem(UNTRAINED_OFFICERS),
            {
                "pillar": P2,
                "title": "Kapal nelayan sederhana dan alat pengolahan kurang",
                "description": (
                    "Nelayan masih memakai kapal sederhana; belum ada alat pengering dan alat pengolahan "
                    "modern."
                ),
                "proposed_solution": (
                    "Penambahan kapal nelayan dengan GT lebih besar dan alat produksi yang lebih modern."
                ),
                "responsible_agency": (
                    "Kementerian Kelautan dan Perikanan; Dinas Kelautan dan Perikanan Kota Kupang"
                ),
            },
            {
                "pillar": P2,
                "title": "Transportasi umum kurang untuk memasarkan hasil ikan",
                "description": (
                    "Hasil ikan tangkap sulit dipasarkan ke wilayah lain karena transportasi umum kurang "
                    "memadai."
                ),
                "proposed_solution": "Mendekatkan lokasi pemasaran produk usaha produktif ke masyarakat.",
                "responsible_agency": "Dinas Perhubungan Kota Kupang",
            },
            {
                "pillar": P4,
                "title": "Koperasi baru terbatas simpan pinjam kelompok nelayan",
                "description": "Koperasi yang ada hanya simpan pinjam untuk kelompok nelayan.",
                "proposed_solution": (
                    "Membentuk koperasi berbadan hukum untuk kelompok usaha lain dan lembaga pemberdayaan."
                ),
                "responsible_agency": "Dinas Koperasi dan UKM Kota Kupang; KUD Minakarota",
            },
        ],
    },
    # Naimata, Kota Kupang: snacks and ikat; Compassion and PKK for parenting.
    "53.71.02.1004": {
        "author": "kemnaker",
        "officers": [
            {
                "name": "Yakobus Selan",
                "position": "Staf kelurahan",
                "trained": True,
                "trained_on": D(2019, 11, 20),
                "training_provider": "Disnaker Provinsi NTT",
            },
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2020, 1, 22),
                "topic": "Migrasi aman ke Malaysia",
                "participant_count": 30,
            },
        ],
        "businesses": [
            {
                "name": "Tenun Ikat Yosefina",
                "owner": ("owner", "tenun"),
                "kind": BKind.CRAFT,
                "products": "kain tenun ikat, selendang",
                "stage": Stage.ESTABLISHED,
                "workers": 4,
                "monthly_turnover": 7_500_000,
                "support_training": True,
                "support_packaging": True,
                "sells_outside": True,
                "sells_online": True,
                "support_notes": "Pameran Dekranasda Kota Kupang",
            },
        ],
        "trainings": [
            {
                "title": "Desain motif dan pemasaran tenun ikat",
                "kind": TKind.MARKETING,
                "organiser": "Dekranasda Kota Kupang",
                "start_date": D(2022, 9, 12),
                "end_date": D(2022, 9, 14),
                "participants": ("returnees", "tenun"),
            },
        ],
        "sessions": [
            {
                "date": D(2022, 10, 1),
                "topic": "Mendampingi belajar anak di rumah",
                "facilitator": "Pendamping Compassion 721",
                "partner": "Compassion 721",
                "participants": ("caregivers", 5),
                "children_reached": 10,
            },
        ],
        "learning_house": {
            "status": House.NO_PLACE,
            "progress_note": "Kegiatan menumpang di gedung gereja dan posyandu.",
        },
        "cooperatives": [
            {
                "name": "Koperasi Desmigratif Naimata",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.IN_PROCESS,
                "members": ("returnees", ""),
            },
        ],
        "problems": [
            _problem(NO_INTERNET),
            {
                "pillar": P3,
                "title": "Sarana rumah belajar belum tersedia",
                "description": (
                    "Sarana dan prasarana untuk community parenting, khususnya rumah belajar, belum tersedia."
                ),
                "proposed_solution": (
                    "Menyediakan ruang dengan memanfaatkan prasarana pendidikan dan olahraga yang ada."
                ),
                "responsible_agency": "Pemerintah kelurahan; Disnaker Kota Kupang",
            },
            _problem(
                NO_FACILITATOR,
                responsible_agency="Compassion 721 dan 629; PKK",
                follow_ups=[
                    (
                        D(2022, 10, 1),
                        "Pendamping Compassion mulai memfasilitasi sesi parenting.",
                        Status.IN_PROGRESS,
                    ),
                ],
            ),
            _problem(
                NO_PACKAGING,
                follow_ups=[
                    (D(2022, 9, 14), "Pelatihan pemasaran tenun ikat oleh Dekranasda.", Status.IN_PROGRESS),
                ],
            ),
        ],
    },
    # Genggelang, Lombok Utara: coffee, banana, shredded fish; fathers raise
    # the children while mothers work abroad; few returnees run a business.
    "52.08.02.2003": {
        "author": "kemnaker",
        "officers": [
            {
                "name": "Lalu Ahmad Zaini",
                "position": "Kasi Pemerintahan",
                "trained": True,
                "trained_on": D(2019, 7, 2),
                "training_provider": "Kemnaker",
            },
            {
                "name": "Baiq Nurhayati",
                "position": "Kader desa",
                "trained": True,
                "trained_on": D(2021, 4, 15),
                "training_provider": "Disnaker Kabupaten Lombok Utara",
            },
        ],
        "activities": [
            {
                "kind": Activity.INFORMATION,
                "date": D(2020, 1, 14),
                "topic": "Hak PMI perempuan dan perlindungan",
                "participant_count": 40,
            },
            {
                "kind": Activity.CONSULTATION,
                "date": D(2024, 8, 19),
                "topic": "Gaji tidak dibayar majikan",
                "participant_count": 2,
            },
            {
                "kind": Activity.REGISTRATION,
                "date": D(2020, 3, 2),
                "topic": "Pendataan rumah tangga PMI",
                "participant_count": 14,
                "households_registered": 14,
            },
        ],
        "businesses": [
            {
                "name": "Keripik Pisang Saenab",
                "owner": ("owner", "keripik"),
                "kind": BKind.FOOD,
                "products": "keripik pisang",
                "stage": Stage.STARTING,
                "monthly_turnover": 1_200_000,
            },
            {
                "name": "Keripik Pisang Nurul",
                "owner": ("owner", "keripik", 1),
                "kind": BKind.FOOD,
                "products": "keripik pisang, kopi bubuk",
                "stage": Stage.GROWING,
                "monthly_turnover": 2_800_000,
                "support_packaging": True,
                "halal_label": True,
            },
        ],
        "trainings": [
            {
                "title": "Kewirausahaan bagi PMI purna",
                "kind": TKind.ENTREPRENEURSHIP,
                "organiser": "Disnaker Kabupaten Lombok Utara",
                "start_date": D(2021, 6, 21),
                "end_date": D(2021, 6, 23),
                "participants": ("returnees", ""),
            },
        ],
        "sessions": [
            {
                "date": D(2021, 9, 18),
                "topic": "Ayah mengasuh anak selama ibu bekerja di luar negeri",
                "facilitator": "Kader BPD",
                "participants": ("caregivers", 8),
                "children_reached": 13,
            },
        ],
        "learning_house": {
            "status": House.IN_USE,
            "rooms": 3,
            "progress_note": "Ruang 7 × 6 m² (3 ruang) dalam kondisi baik.",
        },
        "cooperatives": [
            {
                "name": "Koperasi Desmigratif Genggelang",
                "kind": Coop.COOPERATIVE,
                "legal_status": Legal.REGISTERED,
                "established_on": D(2020, 10, 5),
                "capital": 30_000_000,
                "members": ("returnees", ""),
                "loans": [
                    {
                        "borrower": ("owner", "keripik", 1),
                        "business": "Keripik Pisang Nurul",
                        "amount": 4_000_000,
                        "purpose": "Wajan besar dan sealer",
                        "disbursed_on": D(2023, 8, 1),
                        "due_on": D(2024, 8, 1),
                        "repaid_amount": 4_000_000,
                        "status": LoanStatus.REPAID,
                    },
                ],
            },
        ],
        "problems": [
            {
                "pillar": P2,
                "title": "Penghasilan PMI purna habis untuk konsumsi",
                "description": (
                    "PMI purna memakai uang hasil bekerja di luar negeri untuk kebutuhan konsumtif, bukan "
                    "usaha produktif."
                ),
                "proposed_solution": (
                    "Pelatihan pengelolaan keuangan, manajemen usaha dan pendampingan bagi PMI purna."
                ),
                "responsible_agency": "Disnaker Kabupaten Lombok Utara",
                "follow_ups": [(D(2021, 6, 23), "Pelatihan kewirausahaan PMI purna.", Status.IN_PROGRESS)],
            },
            _problem(
                NO_PACKAGING, description="Kopi, pisang dan abon ikan masih dipasarkan di tingkat lokal."
            ),
            {
                "pillar": P3,
                "title": "Ayah pengasuh belum terjangkau kegiatan parenting",
                "description": "Banyak ayah mengasuh anak selama ibu bekerja di luar negeri.",
                "proposed_solution": "Sesi parenting khusus ayah melalui LSM/BPD.",
                "responsible_agency": "Kemen PPPA; BPD Genggelang",
                "follow_ups": [(D(2021, 9, 18), "Sesi parenting pertama untuk para ayah.", Status.SOLVED)],
            },
            _problem(
                COOPERATIVE_COACHING, responsible_agency="Dinas Koperasi dan UKM Kabupaten Lombok Utara"
            ),
        ],
    },
}


class _People:
    """The village's members, to name demo participants by what the registry says."""

    def __init__(self, village):
        self.members = list(
            Member.objects.filter(household__village=village).select_related("household").order_by("nik")
        )
        cared_for = {m.household_id for m in self.members if m.caregiver}
        self.caregivers = [
            m
            for m in self.members
            if m.household_id in cared_for
            and m.migration_status == Member.Status.FAMILY
            and m.relation not in (Member.Relation.CHILD, Member.Relation.GRANDCHILD)
        ]

    def returnees(self, wish="", business=""):
        return [
            m
            for m in self.members
            if m.migration_status == Member.Status.RETURNEE
            and wish.lower() in m.training_wishes.lower()
            and (not business or m.business_status == business)
        ]

    def resolve(self, ref):
        """A person, a household or a list of people, from a reference like ("owner", "mebel")."""
        kind, *args = ref
        if kind == "returnees":
            return self.returnees(args[0])
        if kind == "owners":
            return self.returnees(business=Member.Business.HAS)
        if kind == "caregivers":
            return self.caregivers[: args[0]]
        if kind == "household":
            return self.caregivers[args[0]].household
        wish, index = args[0], args[1] if len(args) > 1 else 0
        matches = self.returnees(wish, Member.Business.HAS) or self.returnees(business=Member.Business.HAS)
        return matches[min(index, len(matches) - 1)]


def _author(username):
    return get_user_model().objects.filter(username=username).first()


def _load_village(village, spec, counts):
    people = _People(village)
    author = _author(spec["author"])

    for fields in spec["officers"]:
        if not village.service_officers.filter(name=fields["name"]).exists():
            services.service_officer_create(village=village, **fields)
            counts["service_officers"] += 1

    for fields in spec["activities"]:
        fields = dict(fields)
        participants = people.resolve(fields.pop("participants")) if "participants" in fields else []
        if not village.service_activities.filter(kind=fields["kind"], date=fields["date"]).exists():
            services.service_activity_create(
                village=village,
                participants=participants,
                officers=list(village.service_officers.filter(trained=True)),
                **fields,
            )
            counts["service_activities"] += 1

    for fields in spec["businesses"]:
        fields = dict(fields)
        owner = people.resolve(fields.pop("owner"))
        owner = {"owner_household": owner} if isinstance(owner, Household) else {"owner_member": owner}
        if "monthly_turnover" in fields:
            fields["monthly_turnover"] = Decimal(fields["monthly_turnover"])
        if not village.businesses.filter(name=fields["name"]).exists():
            services.business_create(village=village, user=author, **owner, **fields)
            counts["businesses"] += 1

    for fields in spec["trainings"]:
        fields = dict(fields)
        participants = people.resolve(fields.pop("participants"))
        if not village.trainings.filter(title=fields["title"], start_date=fields["start_date"]).exists():
            services.training_create(village=village, participants=participants, **fields)
            counts["trainings"] += 1

    for fields in spec["sessions"]:
        fields = dict(fields)
        participants = people.resolve(fields.pop("participants"))
        if not village.parenting_sessions.filter(date=fields["date"], topic=fields["topic"]).exists():
            services.parenting_session_create(village=village, participants=participants, **fields)
            counts["parenting_sessions"] += 1

    if not LearningHouse.objects.filter(village=village).exists():
        services.learning_house_save(village=village, user=author, **spec["learning_house"])
        counts["learning_houses"] += 1

    for fields in spec["cooperatives"]:
        fields = dict(fields)
        loans = fields.pop("loans", [])
        members = people.resolve(fields.pop("members"))
        if "capital" in fields:
            fields["capital"] = Decimal(fields["capital"])
        cooperative = village.cooperatives.filter(name=fields["name"]).first()
        if cooperative is None:
            cooperative = services.cooperative_create(village=village, members=members, **fields)
            counts["cooperatives"] += 1
        for loan in loans:
            loan = dict(loan)
            borrower = people.resolve(loan.pop("borrower"))
            business = village.businesses.filter(name=loan.pop("business", None)).first()
            loan["amount"], loan["repaid_amount"] = Decimal(loan["amount"]), Decimal(loan["repaid_amount"])
            if not cooperative.loans.filter(
                purpose=loan["purpose"], disbursed_on=loan["disbursed_on"]
            ).exists():
                services.loan_create(
                    village=village,
                    cooperative=cooperative,
                    borrower=borrower,
                    business=business,
                    user=author,
                    **loan,
                )
                counts["loans"] += 1

    for fields in spec["problems"]:
        fields = dict(fields)
        follow_ups = fields.pop("follow_ups", [])
        if village.problems.filter(title=fields["title"]).exists():
            continue
        problem = services.problem_create(
            village=village, raised_on=RAISED, source=PAPER, user=author, **fields
        )
        counts["problems"] += 1
        for date, text, new_status in follow_ups:
            services.problem_add_follow_up(
                problem=problem, author=author, date=date, text=text, new_status=new_status
            )
            counts["follow_ups"] += 1


@transaction.atomic
def pillars_load_demo():
    """Pillar records and the paper's problems for each demo village that is
    enrolled; returns how many records were created (none on a second run)."""
    counts = dict.fromkeys(
        [
            "service_officers",
            "service_activities",
            "businesses",
            "trainings",
            "parenting_sessions",
            "learning_houses",
            "cooperatives",
            "loans",
            "problems",
            "follow_ups",
        ],
        0,
    )
    for village in Village.objects.filter(area_id__in=DEMO_PILLARS).order_by("area_id"):
        _load_village(village, DEMO_PILLARS[village.code], counts)
    return counts
