"""The NIK mask cannot be undone (issue 9, item 1).

A NIK is area (1-6) + date of birth DDMMYY, 40 added to the day for women
(7-12) + serial (13-16). The first twelve digits follow from the village
code, date of birth and sex shown beside a member, so the serial is the only
secret. The review rebuilt every masked NIK from the old mask
(``3524••••••••0001``) and the page around it. These tests walk every page,
export and API answer a regency, province and ministry user can reach and
repeat that attack; then they cover the full-number search (logged,
throttled), partial searches, the masked household form and no-store caching.
"""

import datetime
import io
import re
from collections import deque
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from reports.models import NARRATIVE_FIELDS, quarter_of
from reports.services import report_submit
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from tests.html_forms import form_data
from tests.villages.registry_helpers import PMI, RETURNEE, alerts
from villages.identity import MASK_CHAR
from villages.models import Household, IdNumberAccess, Member

A = "35.24.07.2004"  # Brengkok, Lamongan, Jawa Timur
B = "35.24.07.2001"  # Lohgung, same district
C = "53.71.01.1001"  # Namosain, Kota Kupang, Nusa Tenggara Timur

MASKED_ROLES = ["regency_user", "province_user", "ministry_user"]

# Serials that occur nowhere else in the fixture's pages (no date, code, count
# or id contains them), so finding one on a page can only mean it leaked.
# (name, sex, date of birth, NIK serial); a household's No. KK serial follows.
PEOPLE = {
    A: [
        (
            "6729",
            [
                ("Budi Santoso", "L", datetime.date(1979, 3, 14), 7391, {}),
                ("Siti Aminah", "P", datetime.date(1983, 11, 2), 8264, PMI),
            ],
        ),
        (
            "5813",
            [
                ("Sri Wahyuni", "P", datetime.date(1990, 7, 25), 6158, RETURNEE),
                ("Joko Susilo", "L", datetime.date(1988, 1, 9), 9427, PMI),
            ],
        ),
    ],
    B: [
        (
            "4396",
            [
                ("Dewi Lestari", "P", datetime.date(1995, 6, 30), 4762, PMI),
                # the same person as A's Budi, by name and date of birth: a possible duplicate
                ("BUDI SANTOSO", "L", datetime.date(1979, 3, 14), 3957, {}),
            ],
        )
    ],
    C: [
        (
            "8153",
            [
                ("Yohana Benu", "P", datetime.date(1986, 12, 4), 2684, PMI),
                ("Markus Tefa", "L", datetime.date(1984, 2, 21), 5271, {}),
            ],
        )
    ],
}
KK_ISSUED = "150316"  # 15 March 2016: not shown anywhere, as the No. KK's own date


def area_digits(code):
    return code.replace(".", "")[:6]


@pytest.fixture(autouse=True)
def small_ids(db):
    """Ids start again from the rows in place, as on SQLite. On PostgreSQL the
    sequences keep counting across the whole run, so a member's id could
    reach 13957 and, shown in a merge link, read as BUDI SANTOSO's serial:
    a collision of the test data, not a leak."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def registry(villages, officer_a):
    """Households in A, B and C with men and women of known NIKs, and a
    progress report of A (its snapshot holds registry figures)."""
    members = []
    for code, households in PEOPLE.items():
        village = {A: villages.a, B: villages.b, C: villages.c}[code]
        for kk_serial, people in households:
            household = HouseholdFactory(village=village, no_kk=f"{area_digits(code)}{KK_ISSUED}{kk_serial}")
            for index, (name, sex, born, serial, status) in enumerate(people):
                members.append(
                    MemberFactory(
                        household=household,
                        name=name,
                        sex=sex,
                        birth_date=born,
                        nik=nik_for(born, sex, serial, area_digits(code)),
                        relation="head" if index == 0 else ("wife" if sex == "P" else "child"),
                        **status,
                    )
                )
    year, quarter = quarter_of(timezone.localdate())
    report_submit(
        village=villages.a,
        user=officer_a,
        year=year,
        quarter=quarter,
        **dict.fromkeys(NARRATIVE_FIELDS, "Baik."),
    )
    return Member.objects.select_related("household").filter(pk__in=[m.pk for m in members])


# What a page shows -------------------------------------------------------------

CSRF = re.compile(r'(name="(?:csrfmiddlewaretoken|form_token)" value=")[^"]*"|(csrftoken=)[^;"]*')
HREF = re.compile(r'href="([^"#]*)')
MASKED_RUN = re.compile(rf"[0-9{MASK_CHAR}]*{MASK_CHAR}[0-9{MASK_CHAR}]*")


def shown_text(response):
    """Everything a response shows, as text: the page with its attributes and
    links, the JSON, or every cell of a CSV or .xlsx export."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, datetime.datetime | datetime.date):
                        cells.append(value.strftime("%d/%m/%Y %Y-%m-%d"))
                    elif value is not None:
                        cells.append(str(value))
        return "\n".join(cells)
    # The CSRF and form tokens are random: they could hold any four digits by chance.
    return CSRF.sub(r"\1\2", content.decode("utf-8-sig"))


def four_digit_sequences(text):
    """Every four digits in a row the text shows, wherever they stand."""
    return {run[i : i + 4] for run in re.findall(r"\d{4,}", text) for i in range(len(run) - 3)}


def rebuilt_niks(member, text):
    """The review's attack: the area from the village code, DDMMYY (+40 for
    women) from the date of birth and sex shown beside the member, and as
    serial any four digits the page shows."""
    day = member.birth_date.day + (40 if member.sex == "P" else 0)
    known = f"{area_digits(member.household.village_id)}{day:02d}{member.birth_date:%m%y}"
    return {known + digits for digits in four_digit_sequences(text)}


def assert_nothing_reversible(text, members, where, typed=""):
    """``typed``: a number the user typed into a search (the page may repeat it)."""
    if typed:
        text = text.replace(typed, "")
    digits_only = re.sub(r"[\s.\-]", "", text)
    for member in members:
        for number in (member.nik, member.household.no_kk):
            assert number not in digits_only, f"{where}: full number {number} shown"
        assert member.nik not in rebuilt_niks(member, text), f"{where}: {member.name}'s NIK can be rebuilt"
        for serial in (member.nik[12:], member.household.no_kk[12:]):
            assert serial not in four_digit_sequences(text), f"{where}: serial {serial} shown"
    for masked in MASKED_RUN.findall(text):
        # A masked number shows its area part and nothing after it.
        assert re.fullmatch(rf"\d{{6}}{MASK_CHAR}{{10}}", masked), f"{where}: {masked!r} is not area-only"


# The walk ------------------------------------------------------------------------

SKIP_PREFIXES = ("/static/", "/media/", "/keluar/", "/i18n/", "/admin/", "/masuk/")
MAX_PAGES = 400
MAX_VARIANTS_PER_PATH = 3  # sort and filter links: a few of each page are enough


def seed_urls(registry):
    households = {m.household for m in registry}
    urls = [
        "/",
        "/desa/",
        "/desa/anggota/kemungkinan-ganda/",
        "/dasbor/",
        "/dasbor/peta/",
        "/dasbor/ekspor.xlsx",
        "/laporan/antrean/",
        "/koordinasi/",
        "/pilar/",
    ]
    for code in (A, B, C):
        urls += [
            f"/desa/{code}/",
            f"/desa/{code}/rumah-tangga/",
            f"/dasbor/desa/{code}/",
            f"/laporan/desa/{code}/",
            f"/desa/{code}/rumah-tangga/?q=Budi",
        ]
        for fmt in ("csv", "xlsx"):
            urls.append(f"/desa/ekspor/pendataan-rumah-tangga.{fmt}?desa={code}")
    for fmt in ("csv", "xlsx"):
        urls.append(f"/desa/ekspor/pendataan-rumah-tangga.{fmt}")
    for household in households:
        code = household.village_id
        urls += [
            f"/desa/{code}/rumah-tangga/{household.pk}/",
            f"/desa/{code}/rumah-tangga/{household.pk}/ubah/",
        ]
    # The merge pages of the possible duplicate (Budi Santoso in A and B).
    budi = sorted((m for m in registry if m.name.lower() == "budi santoso"), key=lambda m: m.pk)
    urls += [
        f"/desa/anggota/kemungkinan-ganda/gabung-anggota/{budi[0].pk}/{budi[1].pk}/",
        f"/desa/anggota/kemungkinan-ganda/gabung-rumah-tangga/{budi[0].household_id}/{budi[1].household_id}/",
    ]
    for member in registry:
        code = member.household.village_id
        urls.append(f"/desa/{code}/anggota/{member.pk}/")
        # a search by the last four digits: must find nothing for these roles
        urls.append(f"/desa/{code}/rumah-tangga/?q={member.nik[12:]}")
        # a lookup by the whole NIK: finds the household, shown masked
        urls.append(f"/desa/{code}/rumah-tangga/?q={member.nik}")
    return urls


def walk(client, registry):
    """GET every page reachable from the seeds by links, as the signed-in user;
    yields (url, response) for each answer with status 200."""
    queue, seen, variants = deque(seed_urls(registry)), set(), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIP_PREFIXES) or variants.get(path, 0) >= MAX_VARIANTS_PER_PATH:
            continue
        seen.add(url)
        variants[path] = variants.get(path, 0) + 1
        response = client.get(url)
        if response.status_code != 200:
            continue
        yield url, response
        if response["Content-Type"].startswith("text/html"):
            for href in HREF.findall(response.content.decode()):
                href = href.replace("&amp;", "&")
                if href.startswith("?"):
                    href = path + href
                if href.startswith("/"):
                    queue.append(href)


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_masked_nik_can_be_rebuilt_from_any_page_or_export(client, request, registry, settings, role):
    settings.NIK_LOOKUP_PER_HOUR = 1000  # the walk repeats searches; the limit has its own tests
    client.force_login(request.getfixturevalue(role))

    visited = dict(walk(client, registry))

    # The walk reached the registry: member pages, household pages and both exports.
    assert any("/anggota/" in url for url in visited)
    assert any(re.search(r"/rumah-tangga/\d+/$", url) for url in visited)
    assert any(url.endswith(".xlsx") or ".xlsx?" in url for url in visited)
    assert any(".csv" in url for url in visited)
    assert len(visited) > 30
    for url, response in visited.items():
        # A search page repeats what the user typed (in the box and its links).
        typed = parse_qs(urlsplit(url).query).get("q", [""])[0]
        assert_nothing_reversible(shown_text(response), registry, f"{role} {url}", typed=typed)


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_masked_pages_still_show_the_facts_the_attack_needs(client, request, registry, role):
    """The walk above is meaningful: the member page does show the village,
    the date of birth, the sex and the area part of the NIK."""
    client.force_login(request.getfixturevalue(role))
    member = registry.get(name="Siti Aminah")

    html = client.get(f"/desa/{A}/anggota/{member.pk}/").content.decode()

    assert "2 Nov 1983" in html
    assert "352407••••••••••" in html
    assert "Brengkok" in html


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_api_answers_hold_no_id_numbers(client, request, registry, role):
    user = request.getfixturevalue(role)
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    answers = [client.get("/api/v1/villages/", **auth)]
    for code in (A, B, C):
        answers.append(client.get(f"/api/v1/villages/{code}/", **auth))

    assert answers[0].status_code == 200
    for response in answers:
        assert response.status_code in (200, 404)
        assert_nothing_reversible(shown_text(response), registry, f"{role} {response.request['PATH_INFO']}")


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_admin_is_closed_to_masked_roles(client, request, registry, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/admin/villages/member/{registry.first().pk}/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# Full-number search: a lookup, logged and throttled ------------------------------


def households_found(response):
    return list(response.context["page"].object_list) if response.context else []


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_full_nik_search_finds_the_household_and_is_logged(client, request, registry, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    member = registry.get(name="Joko Susilo")

    response = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik})

    assert response.status_code == 200
    assert households_found(response) == [member.household]
    access = IdNumberAccess.objects.get()
    assert (access.user, access.reason, access.village_id) == (user, IdNumberAccess.Reason.SEARCH, A)


def test_full_no_kk_search_by_a_masked_role_is_logged_too(client, regency_user, registry):
    household = registry.get(name="Joko Susilo").household
    client.force_login(regency_user)

    response = client.get(f"/desa/{A}/rumah-tangga/", {"q": f"{household.no_kk[:8]} {household.no_kk[8:]}"})

    assert households_found(response) == [household]
    assert IdNumberAccess.objects.filter(user=regency_user, reason="search").count() == 1


def test_full_nik_search_by_the_village_officer_is_not_a_logged_lookup(client, officer_a, registry):
    member = registry.get(name="Joko Susilo")
    client.force_login(officer_a)

    response = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik})

    assert households_found(response) == [member.household]
    assert not IdNumberAccess.objects.filter(reason="search").exists()


def test_31st_full_number_search_in_an_hour_is_refused_and_allowed_again_an_hour_later(
    client, ministry_user, registry
):
    member = registry.get(name="Joko Susilo")
    start = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC)

    with time_machine.travel(start, tick=False) as clock:
        client.force_login(ministry_user)
        for n in range(30):
            guess = f"{member.nik[:12]}{n:04d}"  # trying serials, as an attacker would
            assert client.get(f"/desa/{A}/rumah-tangga/", {"q": guess}).status_code == 200
            clock.shift(datetime.timedelta(seconds=60))
        # 08:30: the 31st search within the hour
        refused = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik})

        assert refused.status_code == 429
        assert households_found(refused) == []
        [message] = alerts(refused, "danger")
        assert re.search(r"\b30\b", message)  # minutes: the first search leaves the hour at 09:00
        assert IdNumberAccess.objects.filter(reason="search").count() == 30

        # 08:45 (a page without a number search keeps the session alive), then 09:00:01,
        # when the first search is more than an hour old.
        clock.shift(datetime.timedelta(minutes=15))
        assert client.get(f"/desa/{A}/rumah-tangga/").status_code == 200
        clock.shift(datetime.timedelta(minutes=15, seconds=1))
        allowed = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik})

    assert allowed.status_code == 200
    assert households_found(allowed) == [member.household]
    assert IdNumberAccess.objects.filter(reason="search").count() == 31


def test_search_limit_is_per_user_and_counted_from_the_log(
    client, settings, regency_user, ministry_user, registry
):
    """The count lives in the database table, not in a process: rows written
    by any server count."""
    settings.NIK_LOOKUP_PER_HOUR = 2
    member = registry.get(name="Joko Susilo")
    for _ in range(2):
        IdNumberAccess.objects.create(user=regency_user, reason="search", village_id=A)

    client.force_login(regency_user)
    assert client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik}).status_code == 429
    client.force_login(ministry_user)
    assert client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik}).status_code == 200


def test_member_pages_viewed_do_not_count_against_the_search_limit(client, settings, regency_user, registry):
    settings.NIK_LOOKUP_PER_HOUR = 1
    member = registry.get(name="Joko Susilo")
    IdNumberAccess.objects.create(user=regency_user, reason="member_page", village_id=A)
    client.force_login(regency_user)

    assert client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik}).status_code == 200


# Part of a number --------------------------------------------------------------


@pytest.mark.parametrize("role", MASKED_ROLES)
@pytest.mark.parametrize("part", ["serial", "last 6 digits", "last 8 digits", "first 12 digits"])
def test_part_of_a_nik_finds_nothing_for_masked_roles(client, request, registry, role, part):
    member = registry.get(name="Joko Susilo")
    query = {
        "serial": member.nik[12:],
        "last 6 digits": member.nik[10:],
        "last 8 digits": member.nik[8:],
        "first 12 digits": member.nik[:12],
    }[part]
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/desa/{A}/rumah-tangga/", {"q": query})

    assert response.status_code == 200
    assert households_found(response) == []
    assert any("16" in text for text in alerts(response, "info"))
    assert not IdNumberAccess.objects.exists()  # no lookup was made


@pytest.mark.parametrize("role", ["officer_a", "administrator"])
def test_village_officer_and_administrator_search_by_part_of_a_number(client, request, registry, role):
    member = registry.get(name="Joko Susilo")
    client.force_login(request.getfixturevalue(role))

    by_nik = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.nik[12:]})
    by_kk = client.get(f"/desa/{A}/rumah-tangga/", {"q": member.household.no_kk[10:]})

    assert households_found(by_nik) == [member.household]
    assert households_found(by_kk) == [member.household]


@pytest.mark.parametrize("role", ["officer_a", "administrator"])
@pytest.mark.parametrize("typed", ["889427", "889 427"])
def test_last_6_digits_of_a_nik_find_that_member_only(client, request, registry, villages, role, typed):
    joko = registry.get(name="Joko Susilo")
    assert joko.nik.endswith("889427")
    # Born in August 1989 with serial 4270: the same six digits in the middle of the NIK.
    born = datetime.date(1989, 8, 20)
    other = MemberFactory(
        household=HouseholdFactory(village=villages.a),
        name="Agus Salim",
        birth_date=born,
        nik=nik_for(born, "L", 4270, area_digits(A)),
    )
    assert "889427" in other.nik
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/desa/{A}/rumah-tangga/", {"q": typed})

    assert response.status_code == 200
    assert households_found(response) == [joko.household]
    assert not alerts(response, "info")


def test_search_field_says_which_numbers_can_be_searched(client, officer_a, regency_user, registry):
    def hint(user):
        client.force_login(user)
        return str(client.get(f"/desa/{A}/rumah-tangga/").context["search"]["q"].help_text)

    with translation.override("id"):
        assert hint(officer_a) == translation.gettext(
            "A name, a whole NIK or No. KK, or the last 6 digits of a NIK."
        )
        assert hint(regency_user) == translation.gettext("A name, or a whole NIK or No. KK (16 digits).")


# The household form for regency staff ------------------------------------------


def test_regency_form_round_trip_keeps_masked_numbers_and_takes_new_ones(client, regency_user, registry):
    household = registry.get(name="Budi Santoso").household
    budi, siti = household.members.order_by("id")
    edit = f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"
    client.force_login(regency_user)

    page = client.get(edit)
    data = form_data(page)

    html = page.content.decode()
    assert budi.nik not in html and household.no_kk not in html
    assert data["no_kk"] == "352407••••••••••"
    assert {data["members-0-nik"], data["members-1-nik"]} == {"352407••••••••••"}
    # Save with the masks unchanged and a new hamlet: the numbers stay.
    data["dusun"] = "Sidomulyo"
    assert client.post(edit, data).status_code == 302
    household.refresh_from_db()
    assert (household.dusun, household.no_kk) == ("Sidomulyo", f"352407{KK_ISSUED}6729")
    assert set(household.members.values_list("nik", flat=True)) == {budi.nik, siti.nik}
    # A whole new number replaces the registered one.
    new_nik = nik_for(siti.birth_date, "P", 1234)
    data = form_data(client.get(edit))
    index = "0" if data["members-0-id"] == str(siti.pk) else "1"
    data[f"members-{index}-nik"] = f"{new_nik[:4]} {new_nik[4:8]} {new_nik[8:12]} {new_nik[12:]}"
    assert client.post(edit, data).status_code == 302
    siti.refresh_from_db()
    budi.refresh_from_db()
    assert siti.nik == new_nik
    assert budi.nik == nik_for(budi.birth_date, "L", 7391)
    assert not IdNumberAccess.objects.exists()  # nothing full was shown


def test_regency_form_refuses_a_half_edited_mask(client, regency_user, registry):
    household = registry.get(name="Budi Santoso").household
    edit = f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"
    client.force_login(regency_user)
    data = form_data(client.get(edit))
    data["no_kk"] = "3524071503••••••"

    response = client.post(edit, data)

    assert response.status_code == 200
    assert "3524071503••••••" in response.content.decode()
    assert Household.objects.get(pk=household.pk).no_kk == f"352407{KK_ISSUED}6729"


def test_new_number_typed_by_regency_is_checked_as_usual(client, regency_user, registry):
    household = registry.get(name="Budi Santoso").household
    edit = f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"
    client.force_login(regency_user)
    data = form_data(client.get(edit))
    data["no_kk"] = "352407010123000"  # 15 digits

    response = client.post(edit, data)

    assert response.status_code == 200
    assert Household.objects.get(pk=household.pk).no_kk == f"352407{KK_ISSUED}6729"


def test_officer_form_still_shows_full_numbers(client, officer_a, registry):
    household = registry.get(name="Budi Santoso").household
    client.force_login(officer_a)

    data = form_data(client.get(f"/desa/{A}/rumah-tangga/{household.pk}/ubah/"))

    assert data["no_kk"] == household.no_kk


# No copies in caches -------------------------------------------------------------


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "page",
    ["household list", "household page", "household form", "member page", "duplicates", "csv", "xlsx"],
)
def test_pages_and_exports_with_full_numbers_are_not_cached(client, officer_a, registry, page):
    member = registry.get(name="Budi Santoso")
    household = member.household
    url = {
        "household list": f"/desa/{A}/rumah-tangga/",
        "household page": f"/desa/{A}/rumah-tangga/{household.pk}/",
        "household form": f"/desa/{A}/rumah-tangga/{household.pk}/ubah/",
        "member page": f"/desa/{A}/anggota/{member.pk}/",
        "duplicates": "/desa/anggota/kemungkinan-ganda/",
        "csv": f"/desa/ekspor/pendataan-rumah-tangga.csv?desa={A}",
        "xlsx": f"/desa/ekspor/pendataan-rumah-tangga.xlsx?desa={A}",
    }[page]
    client.force_login(officer_a)

    response = client.get(url)

    assert response.status_code == 200
    assert no_store(response)


def test_import_result_page_is_not_cached(client, officer_a, villages):
    from surveys.models import ImportJob

    job = ImportJob.objects.create(
        user=officer_a,
        kind="households",
        original_name="a.csv",
        status=ImportJob.Status.CHECKED,
        report={"kind": "households", "errors": []},
    )
    client.force_login(officer_a)

    response = client.get(f"/desa/impor/{job.pk}/")

    assert response.status_code == 200
    assert no_store(response)
