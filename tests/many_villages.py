"""Thousands of enrolled villages in a few bulk inserts, spread over many
provinces, regencies and districts (as at a national roll-out), for the tests
of paged pages. Names are as long as real ones, so page sizes are realistic.
The provinces avoid the codes of the test tree (35 and 53)."""

from tests.factories import UserFactory
from villages.models import Area, AreaLevel, Village

HTML_BUDGET = 200 * 1024
NATIONAL_SCALE = 3000


def enrol_villages(total, *, provinces=30, regencies=10, districts=3):
    """Enrol ``total`` new villages; returns their codes in code order."""
    codes = [code for code in (f"{n:02d}" for n in range(11, 100)) if code not in ("35", "53")][:provinces]
    areas = []
    district_codes = []
    for province in codes:
        areas.append(Area(code=province, name=f"Provinsi Uji Coba {province}", level=AreaLevel.PROVINCE))
        for r in range(1, regencies + 1):
            regency = f"{province}.{r:02d}"
            areas.append(
                Area(
                    code=regency,
                    name=f"Kabupaten Uji Coba {regency}",
                    level=AreaLevel.REGENCY,
                    parent_id=province,
                )
            )
            for d in range(1, districts + 1):
                district = f"{regency}.{d:02d}"
                district_codes.append(district)
                areas.append(
                    Area(
                        code=district,
                        name=f"Kecamatan Uji {district}",
                        level=AreaLevel.DISTRICT,
                        parent_id=regency,
                    )
                )
    villages = []
    for n in range(total):
        district = district_codes[n % len(district_codes)]
        code = f"{district}.{2001 + n // len(district_codes):04d}"
        areas.append(
            Area(code=code, name=f"Desa Sukamaju Wetan {n:04d}", level=AreaLevel.VILLAGE, parent_id=district)
        )
        villages.append(Village(area_id=code, cohort_year=2017 + n % 8))
    Area.objects.bulk_create(areas, batch_size=1000)
    Village.objects.bulk_create(villages, batch_size=1000)
    return sorted(village.area_id for village in villages)


def more_villages(total):
    """Enrol ``total`` more villages in a province of their own, "99", next
    to those of enrol_villages: to compare a page's cost at two sizes."""
    regency = "99.01"
    Area.objects.bulk_create(
        [
            Area(code="99", name="Provinsi Tambahan", level=AreaLevel.PROVINCE),
            Area(code=regency, name="Kabupaten Tambahan", level=AreaLevel.REGENCY, parent_id="99"),
            *(
                Area(
                    code=f"{regency}.{d:02d}",
                    name=f"Kecamatan Tambahan {d}",
                    level=AreaLevel.DISTRICT,
                    parent_id=regency,
                )
                for d in range(1, 11)
            ),
        ],
        ignore_conflicts=True,
    )
    start = Village.objects.filter(area__code__startswith="99.").count()
    areas, villages = [], []
    for n in range(start, start + total):
        district = f"{regency}.{n % 10 + 1:02d}"
        code = f"{district}.{3001 + n:04d}"
        areas.append(
            Area(code=code, name=f"Desa Tambahan {n:04d}", level=AreaLevel.VILLAGE, parent_id=district)
        )
        villages.append(Village(area_id=code, cohort_year=2019))
    Area.objects.bulk_create(areas, batch_size=1000)
    Village.objects.bulk_create(villages, batch_size=1000)
    return [village.area_id for village in villages]


def regency_officer(code):
    from desmigratif.models import Role

    return UserFactory(username=f"disnaker_{code}", role=Role.REGENCY, scope=Area.objects.get(code=code))
