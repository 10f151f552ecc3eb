"""Who sees full NIKs and family card numbers, the log of full-NIK views,
and the possible-duplicates page's scope.

Full numbers: the village's own officer and administrators. Masked to the
area part (352407••••••••••): regency, province and ministry staff."""

import datetime

import pytest

from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from villages.models import IdNumberAccess

A = "35.24.07.2004"
B = "35.24.07.2001"
C = "53.71.01.1001"

KK = "3524070101230005"
NIK = "3524071205900001"
# The area part only: a NIK's digits 7-12 follow from the date of birth and
# sex shown beside it, so the serial (13-16) is never shown.
MASKED_KK = "352407••••••••••"
MASKED_NIK = "352407••••••••••"
OTHER_BORN = datetime.date(1988, 8, 8)  # factory NIKs of other people never equal NIK

FULL_VIEWERS = ["officer_a", "administrator"]
MASKED_VIEWERS = ["regency_user", "province_user", "ministry_user"]


@pytest.fixture
def member(village_a):
    household = HouseholdFactory(village=village_a, no_kk=KK)
    return MemberFactory(household=household, nik=NIK, name="Budi Santoso")


def pages(member):
    household = member.household
    return {
        "household list": f"/desa/{A}/rumah-tangga/",
        "household page": f"/desa/{A}/rumah-tangga/{household.pk}/",
        "member page": f"/desa/{A}/anggota/{member.pk}/",
    }


def open_page(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Masking on the pages


@pytest.mark.parametrize("page", ["household list", "household page", "member page"])
@pytest.mark.parametrize("role", FULL_VIEWERS)
def test_village_officer_and_administrator_see_full_numbers(client, request, member, role, page):
    html = open_page(client, request, role, pages(member)[page])

    assert KK in html
    if page != "household list":  # the list shows the family card number and names only
        assert NIK in html
    assert MASKED_KK not in html
    assert MASKED_NIK not in html


@pytest.mark.parametrize("page", ["household list", "household page", "member page"])
@pytest.mark.parametrize("role", MASKED_VIEWERS)
def test_regency_province_and_ministry_see_masked_numbers(client, request, member, role, page):
    html = open_page(client, request, role, pages(member)[page])

    assert NIK not in html
    assert KK not in html
    assert MASKED_KK in html
    if page != "household list":
        assert MASKED_NIK in html


def test_officer_of_village_a_sees_masked_numbers_nowhere_else(client, officer_a, member, village_b):
    """Full numbers follow the village, not the role: A's officer has no
    pages in B, so the only way to B's numbers is 404."""
    other = MemberFactory(household__village=village_b, birth_date=OTHER_BORN)
    client.force_login(officer_a)

    assert client.get(f"/desa/{B}/anggota/{other.pk}/").status_code == 404


# The log of full-NIK views


@pytest.mark.parametrize("role", FULL_VIEWERS)
def test_opening_a_member_page_with_the_full_nik_is_logged(client, request, member, village_a, role):
    user = request.getfixturevalue(role)

    open_page(client, request, role, pages(member)["member page"])

    access = IdNumberAccess.objects.get()
    assert access.user == user
    assert access.reason == IdNumberAccess.Reason.MEMBER_PAGE
    assert access.member == member
    assert access.village == village_a
    assert access.count == 1


def test_every_member_page_view_is_logged(client, request, member):
    for _ in range(3):
        open_page(client, request, "officer_a", pages(member)["member page"])

    assert IdNumberAccess.objects.filter(reason="member_page", member=member).count() == 3


@pytest.mark.parametrize("role", MASKED_VIEWERS)
def test_masked_member_page_is_not_logged(client, request, member, role):
    open_page(client, request, role, pages(member)["member page"])

    assert not IdNumberAccess.objects.exists()


@pytest.mark.parametrize("page", ["household list", "household page"])
def test_pages_without_full_niks_are_not_logged(client, request, member, page):
    open_page(client, request, "regency_user", pages(member)[page])

    assert not IdNumberAccess.objects.exists()


def test_regency_user_gets_masked_numbers_in_the_edit_form(client, regency_user, member):
    """The edit form shows a regency user the numbers masked, as every other
    page does: nothing full is shown, so nothing is logged."""
    client.force_login(regency_user)

    response = client.get(f"/desa/{A}/rumah-tangga/{member.household.pk}/ubah/")

    assert response.status_code == 200
    html = response.content.decode()
    assert NIK not in html
    assert KK not in html
    assert NIK[-4:] not in html
    assert f'value="{MASKED_NIK}"' in html
    assert not IdNumberAccess.objects.exists()


def test_refused_status_change_reveals_nothing_to_readers(client, province_user, member):
    client.force_login(province_user)

    response = client.get(f"/desa/{A}/anggota/{member.pk}/berangkat/")

    assert response.status_code == 403
    assert NIK.encode() not in response.content
    assert not IdNumberAccess.objects.exists()


# Exports: GET /desa/ekspor/pendataan-rumah-tangga.csv?desa=<code>

EXPORT = "/desa/ekspor/pendataan-rumah-tangga.csv"


def export_text(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("role", FULL_VIEWERS)
def test_export_of_a_village_has_full_numbers_for_its_officer_and_administrators(
    client, request, member, role
):
    client.force_login(request.getfixturevalue(role))

    content = export_text(client.get(EXPORT, {"desa": A}))

    assert NIK in content
    assert KK in content
    assert MASKED_NIK not in content


@pytest.mark.parametrize("role", MASKED_VIEWERS)
def test_export_of_a_village_is_masked_for_reviewers(client, request, member, role):
    client.force_login(request.getfixturevalue(role))

    content = export_text(client.get(EXPORT, {"desa": A}))

    assert "Budi Santoso" in content
    assert NIK not in content
    assert KK not in content
    assert MASKED_NIK in content
    assert MASKED_KK in content


@pytest.mark.parametrize("role", FULL_VIEWERS)
def test_full_number_export_is_logged(client, request, member, village_a, role):
    client.force_login(request.getfixturevalue(role))

    export_text(client.get(EXPORT, {"desa": A}))

    access = IdNumberAccess.objects.get()
    assert (access.reason, access.village, access.count) == ("export", village_a, 1)


@pytest.mark.parametrize("role", MASKED_VIEWERS)
def test_masked_export_is_not_logged(client, request, member, role):
    client.force_login(request.getfixturevalue(role))

    export_text(client.get(EXPORT, {"desa": A}))

    assert not IdNumberAccess.objects.exists()


def test_export_of_a_village_holds_only_that_village(client, administrator, member, village_b):
    other = MemberFactory(household__village=village_b, name="Warga Lohgung", birth_date=OTHER_BORN)
    client.force_login(administrator)

    content = export_text(client.get(EXPORT, {"desa": A}))

    assert other.nik not in content
    assert "Warga Lohgung" not in content


def test_export_without_a_village_stays_in_the_officers_scope(client, officer_a, member, village_b):
    other = MemberFactory(household__village=village_b, name="Warga Lohgung", birth_date=OTHER_BORN)
    client.force_login(officer_a)

    content = export_text(client.get(EXPORT))

    assert NIK in content
    assert other.nik not in content
    assert "Warga Lohgung" not in content


def test_export_without_a_village_is_masked_for_the_regency(client, regency_user, member):
    client.force_login(regency_user)

    content = export_text(client.get(EXPORT))

    assert NIK not in content
    assert MASKED_NIK in content


@pytest.mark.parametrize(("role", "code"), [("officer_b", A), ("other_province_user", A), ("officer_a", C)])
def test_export_of_a_village_out_of_scope_is_not_found(client, request, member, role, code):
    client.force_login(request.getfixturevalue(role))

    response = client.get(EXPORT, {"desa": code})

    assert response.status_code == 404
    assert not IdNumberAccess.objects.exists()


# Possible duplicates: /desa/anggota/kemungkinan-ganda/

DUPLICATES = "/desa/anggota/kemungkinan-ganda/"


@pytest.fixture
def lookalikes(village_a, village_b, village_c):
    """Pairs of members sharing a name and date of birth under different NIKs."""
    siti_born = datetime.date(1978, 10, 3)
    sri_born = datetime.date(1982, 4, 15)
    yohana_born = datetime.date(1991, 12, 1)

    def person(village, name, born, serial, district="352407", sex="P"):
        return MemberFactory(
            household__village=village,
            name=name,
            sex=sex,
            birth_date=born,
            nik=nik_for(born, sex, serial, district),
        )

    return {
        # both in village A; the name differs only in case
        "in_a": {
            person(village_a, "Siti Aminah", siti_born, 11),
            person(village_a, "SITI AMINAH", siti_born, 12),
        },
        # one in A, one in B (same regency)
        "a_and_b": {
            person(village_a, "Sri Wahyuni", sri_born, 21),
            person(village_b, "Sri Wahyuni", sri_born, 22),
        },
        # both in village C (another province)
        "in_c": {
            person(village_c, "Yohana Benu", yohana_born, 31, "537101"),
            person(village_c, "yohana benu", yohana_born, 32, "537101"),
        },
        # same name, another date of birth: not a duplicate
        "not_a_pair": {
            person(village_a, "Budi Santoso", datetime.date(1990, 5, 12), 41, sex="L"),
            person(village_a, "Budi Santoso", datetime.date(1991, 5, 12), 42, sex="L"),
        },
    }


def groups_listed(response):
    return {frozenset(member.pk for member in group) for group in response.context["groups"]}


def groups(lookalikes, *names):
    return {frozenset(member.pk for member in lookalikes[name]) for name in names}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer_a", ["in_a"]),  # Sri Wahyuni of B is out of scope: no pair
        ("officer_b", []),
        ("regency_user", ["in_a", "a_and_b"]),
        ("province_user", ["in_a", "a_and_b"]),
        ("other_province_user", ["in_c"]),
        ("ministry_user", ["in_a", "a_and_b", "in_c"]),
        ("administrator", ["in_a", "a_and_b", "in_c"]),
    ],
)
def test_possible_duplicates_lists_pairs_in_the_users_scope(client, request, lookalikes, role, expected):
    client.force_login(request.getfixturevalue(role))

    response = client.get(DUPLICATES)

    assert response.status_code == 200
    assert groups_listed(response) == groups(lookalikes, *expected)


@pytest.mark.parametrize(
    ("role", "hidden"),
    [
        ("officer_a", ["Sri Wahyuni", "Yohana Benu", "Lohgung", "Namosain"]),
        ("officer_b", ["Siti Aminah", "Sri Wahyuni", "Yohana Benu", "Brengkok"]),
        ("regency_user", ["Yohana Benu", "Namosain"]),
        ("other_province_user", ["Siti Aminah", "Sri Wahyuni", "Brengkok", "Lohgung"]),
    ],
)
def test_possible_duplicates_page_shows_nothing_outside_the_scope(client, request, lookalikes, role, hidden):
    client.force_login(request.getfixturevalue(role))

    html = client.get(DUPLICATES).content.decode()

    for name in hidden:
        assert name not in html
    for member in {m for group in lookalikes.values() for m in group}:
        if member.household.village.area.name in hidden:
            assert f"/anggota/{member.pk}/" not in html


def test_possible_duplicates_page_links_each_member(client, ministry_user, lookalikes):
    client.force_login(ministry_user)

    html = client.get(DUPLICATES).content.decode()

    for member in lookalikes["a_and_b"]:
        assert f'href="/desa/{member.household.village_id}/anggota/{member.pk}/"' in html
    assert "Brengkok" in html
    assert "Lohgung" in html


def test_possible_duplicates_show_full_niks_to_the_village_officer(client, officer_a, lookalikes):
    client.force_login(officer_a)

    html = client.get(DUPLICATES).content.decode()

    for member in lookalikes["in_a"]:
        assert member.nik in html


@pytest.mark.parametrize("role", ["regency_user", "ministry_user"])
def test_possible_duplicates_mask_niks_for_reviewers(client, request, lookalikes, role):
    client.force_login(request.getfixturevalue(role))

    html = client.get(DUPLICATES).content.decode()

    for member in lookalikes["in_a"] | lookalikes["a_and_b"]:
        assert member.nik not in html
        assert f"{member.nik[:6]}••••••••••" in html


def test_no_possible_duplicates_says_so(client, officer_b, lookalikes):
    client.force_login(officer_b)

    response = client.get(DUPLICATES)

    assert response.context["groups"] == []
    assert 'class="alert alert-success"' in response.content.decode()
