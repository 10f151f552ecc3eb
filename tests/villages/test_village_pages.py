"""The village list (search, filters, paging), the village page and the
profile form, as the users of the shared cast see them."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import constants as message_levels

from tests.factories import PASSWORD, DistrictFactory, PartnerFactory, RegencyFactory, VillageFactory
from tests.html_forms import form_data
from villages.filters import VillageFilter
from villages.models import PartnerInstitution, Village

A = "35.24.07.2004"
B = "35.24.07.2001"
C = "53.71.01.1001"


@pytest.fixture
def village_d(tree):
    """A fourth village, in province 35 but another regency (Kabupaten Malang)."""
    malang = RegencyFactory(code="35.07", name="Kabupaten Malang", parent=tree.jatim)
    donomulyo = DistrictFactory(code="35.07.01", name="Donomulyo", parent=malang)
    return VillageFactory(area__code="35.07.01.2001", area__name="Tulungrejo", area__parent=donomulyo)


def list_codes(client, enrolled_codes, **params):
    response = client.get("/desa/", params)
    assert response.status_code == 200
    return set(enrolled_codes(response))


# Search and filters


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Brengkok", {A}),
        ("brengKOK", {A}),
        ("  lohgung ", {B}),
        ("35.24.07.2004", {A}),
        ("3524072004", {A}),
        ("35.24", {A, B}),
        ("3524", {A, B}),
        ("53", {C}),
        ("35.24.07.20", set()),  # a code is matched whole, level by level, not as a text prefix
        ("Surabaya", set()),
    ],
)
def test_search_finds_villages_by_name_or_code(client, ministry_user, enrolled_codes, q, expected):
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, q=q) == expected


def test_search_by_code_stays_within_scope(client, regency_user, enrolled_codes):
    client.force_login(regency_user)

    assert list_codes(client, enrolled_codes, q=C) == set()
    assert list_codes(client, enrolled_codes, q="5371011001") == set()


def test_filter_by_province(client, ministry_user, village_d, enrolled_codes):
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, province="35") == {A, B, village_d.code}
    assert list_codes(client, enrolled_codes, province="53") == {C}


def test_filter_by_regency(client, ministry_user, village_d, enrolled_codes):
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, regency="35.24") == {A, B}
    assert list_codes(client, enrolled_codes, regency="35.07") == {village_d.code}
    assert list_codes(client, enrolled_codes, province="35", regency="35.07") == {village_d.code}


def test_filter_by_cohort(client, ministry_user, enrolled_codes):
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, cohort_year="2017") == {A}
    assert list_codes(client, enrolled_codes, cohort_year="2018") == {B, C}


def test_filter_by_status(client, ministry_user, village_b, enrolled_codes):
    village_b.status = Village.Status.GRADUATED
    village_b.save()
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, status="graduated") == {B}
    assert list_codes(client, enrolled_codes, status="active") == {A, C}
    assert list_codes(client, enrolled_codes, status="suspended") == set()


def test_filters_combine(client, ministry_user, enrolled_codes):
    client.force_login(ministry_user)

    assert list_codes(client, enrolled_codes, province="35", cohort_year="2018") == {B}
    assert list_codes(client, enrolled_codes, q="Namosain", province="35") == set()


def test_filter_drop_downs_offer_only_areas_in_scope(client, regency_user):
    client.force_login(regency_user)

    form = client.get("/desa/").context["filter"].form

    assert [code for code, _ in form.fields["province"].choices if code] == ["35"]
    assert [code for code, _ in form.fields["regency"].choices if code] == ["35.24"]


def test_filter_drop_downs_offer_areas_and_cohorts_with_villages_by_name(
    client, ministry_user, village_d, django_assert_max_num_queries
):
    """The regencies of the chosen province only; areas by name, cohorts in order."""
    client.force_login(ministry_user)
    village_d.cohort_year = 2016
    village_d.save()

    form = client.get("/desa/").context["filter"].form
    with django_assert_max_num_queries(2):
        narrowed = VillageFilter({"province": "35"}, queryset=Village.objects.all(), user=ministry_user).form

    assert [name for code, name in form.fields["province"].choices if code] == [
        "Jawa Timur",
        "Nusa Tenggara Timur",
    ]
    assert [code for code, _ in form.fields["regency"].choices if code] == ["35.24", "35.07", "53.71"]
    assert [code for code, _ in narrowed.fields["regency"].choices if code] == ["35.24", "35.07"]
    assert [code for code, _ in narrowed.fields["province"].choices if code] == ["35", "53"]
    assert [label for year, label in form.fields["cohort_year"].choices if year] == ["2016", "2017", "2018"]


def test_province_filter_outside_scope_reveals_nothing(client, regency_user, enrolled_codes):
    client.force_login(regency_user)

    assert C not in list_codes(client, enrolled_codes, province="53")
    assert C not in list_codes(client, enrolled_codes, regency="53.71")


# Paging


@pytest.fixture
def thirty_villages(villages, tree, settings):
    settings.PAGE_SIZE = 25
    for _ in range(27):
        VillageFactory(area__parent=tree.brondong)
    return Village.objects.count()


def test_list_is_paged(client, ministry_user, thirty_villages, enrolled_codes):
    client.force_login(ministry_user)

    first = client.get("/desa/")
    second = client.get("/desa/", {"page": 2})

    assert thirty_villages == 30
    assert len(enrolled_codes(first)) == 25
    assert len(enrolled_codes(second)) == 5
    assert set(enrolled_codes(first)).isdisjoint(enrolled_codes(second))
    assert first.context["page"].paginator.count == 30
    assert 'href="?page=2"' in first.content.decode()


def test_page_links_keep_the_filters(client, ministry_user, thirty_villages):
    client.force_login(ministry_user)

    response = client.get("/desa/", {"province": "35", "page": 1})

    html = response.content.decode()
    assert 'href="?province=35&amp;page=2"' in html
    assert "page=1&amp;page" not in html


def test_page_number_past_the_end_shows_the_last_page(client, ministry_user, thirty_villages, enrolled_codes):
    client.force_login(ministry_user)

    response = client.get("/desa/", {"page": 99})

    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(enrolled_codes(response)) == 5


# The village page


def breadcrumb(html):
    nav = re.search(r'<nav[^>]*class="area-path".*?</nav>', html, re.S).group(0)
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]


def test_village_page_shows_the_area_path(client, officer_a):
    client.force_login(officer_a)

    html = client.get(f"/desa/{A}/").content.decode()

    assert breadcrumb(html) == ["Jawa Timur", "Kabupaten Lamongan", "Brondong", "Brengkok"]


def test_village_page_shows_the_profile(client, officer_a, village_a):
    Village.objects.filter(pk=village_a.pk).update(
        latitude=Decimal("-6.887"),
        longitude=Decimal("112.271"),
        apparatus_senior_high=6,
        apparatus_below_senior_high=1,
        leading_products=["makanan olahan", "mebel"],
        markets=3,
        notes="Usaha mebel belum berkembang.",
    )
    PartnerFactory(village=village_a, name="Koperasi Simpan Pinjam Brengkok")
    client.force_login(officer_a)

    html = client.get(f"/desa/{A}/").content.decode()

    assert "2017" in html  # cohort
    assert "-6.887000, 112.271000" in html
    assert "makanan olahan" in html
    assert "mebel" in html
    assert "Koperasi Simpan Pinjam Brengkok" in html
    assert "Usaha mebel belum berkembang." in html
    assert re.search(r"<th[^>]*>\s*7\s*</th>", html), "apparatus total (1 + 6) missing"


def test_village_page_shows_no_other_village_partners(client, officer_a, village_a, village_b):
    PartnerFactory(village=village_b, name="Kelompok Tani Lohgung")
    client.force_login(officer_a)

    html = client.get(f"/desa/{A}/").content.decode()

    assert "Kelompok Tani Lohgung" not in html


def test_edit_link_only_for_those_who_may_edit(client, officer_a, province_user):
    edit_url = f"/desa/{A}/ubah/"
    client.force_login(officer_a)
    assert edit_url in client.get(f"/desa/{A}/").content.decode()

    client.force_login(province_user)
    assert edit_url not in client.get(f"/desa/{A}/").content.decode()


# Where users land after signing in


def sign_in(client, username):
    return client.post("/masuk/", {"username": username, "password": PASSWORD}, follow=True)


def test_officer_lands_on_own_village_dashboard_after_login(client, officer_a):
    response = sign_in(client, "officer_a")

    assert response.redirect_chain[-1] == (f"/dasbor/desa/{A}/", 302)
    assert response.status_code == 200
    assert response.context["village"].code == A


# Ministry staff and administrators pass the second factor first (tests/test_two_factor.py).
@pytest.mark.parametrize("role", ["regency_user", "province_user"])
def test_other_roles_land_on_the_village_list_after_login(client, request, role):
    user = request.getfixturevalue(role)

    response = sign_in(client, user.username)

    assert response.redirect_chain[-1] == ("/desa/", 302)
    assert response.status_code == 200


def test_officer_of_a_village_not_enrolled_lands_on_the_list(client, tree, villages):
    from desmigratif.models import Role
    from tests.factories import UserFactory

    UserFactory(username="officer_labuhan", role=Role.VILLAGE_OFFICER, scope=tree.labuhan)

    response = sign_in(client, "officer_labuhan")

    assert response.redirect_chain[-1] == ("/desa/", 302)
    assert response.context["page"].paginator.count == 0


def test_wrong_password_does_not_sign_in(client, officer_a):
    response = client.post("/masuk/", {"username": "officer_a", "password": "not-the-password"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


# Editing the profile

EDIT = f"/desa/{A}/ubah/"


def no_partners(**fields):
    return {"partners-TOTAL_FORMS": "0", "partners-INITIAL_FORMS": "0", **fields}


def test_invalid_profile_shows_the_error_at_the_field_and_saves_nothing(client, officer_a, village_a):
    client.force_login(officer_a)

    response = client.post(
        EDIT,
        {
            "latitude": "50",
            "longitude": "112.271",
            "notes": "should not be saved",
            "partners-TOTAL_FORMS": "1",
            "partners-INITIAL_FORMS": "0",
            "partners-0-name": "BUMDes Maju",
            "partners-0-kind": "bumdes",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["latitude"]
    html = response.content.decode()
    field = re.search(r'<div id="div_id_latitude".*?</div>\s*</div>', html, re.S).group(0)
    assert 'aria-invalid="true"' in field
    assert 'id="error_1_id_latitude"' in field
    assert "6" in re.search(r'id="error_1_id_latitude".*?</span>', field, re.S).group(0)
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    village_a.refresh_from_db()
    assert village_a.latitude is None
    assert village_a.notes == ""
    assert not village_a.partners.exists()


def test_valid_profile_is_saved_with_partners_added_and_removed(client, officer_a, village_a):
    old = PartnerFactory(village=village_a, name="Kelompok Tani Lama")
    kept = PartnerFactory(village=village_a, name="Koperasi Simpan Pinjam Brengkok", supports_pillar_4=True)
    client.force_login(officer_a)

    response = client.post(
        EDIT,
        {
            "latitude": "-6.887",
            "longitude": "112.271",
            "apparatus_senior_high": "6",
            "learning_house": "rented",
            "learning_house_area_m2": "70",
            "has_internet": "false",
            "leading_products": "makanan olahan; mebel",
            "pools_dana_desa": "on",
            "partners-TOTAL_FORMS": "3",
            "partners-INITIAL_FORMS": "2",
            # Existing forms come ordered by name: Kelompok..., Koperasi...
            "partners-0-id": str(old.pk),
            "partners-0-name": old.name,
            "partners-0-kind": old.kind,
            "partners-0-DELETE": "on",
            "partners-1-id": str(kept.pk),
            "partners-1-name": kept.name,
            "partners-1-kind": kept.kind,
            "partners-1-supports_pillar_4": "on",
            "partners-2-name": "BUMDes Maju Bersama",
            "partners-2-kind": "bumdes",
            "partners-2-supports_pillar_2": "on",
            "partners-2-supports_pillar_4": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/desa/{A}/"
    village_a.refresh_from_db()
    assert village_a.latitude == Decimal("-6.887")
    assert village_a.longitude == Decimal("112.271")
    assert village_a.apparatus_senior_high == 6
    assert village_a.learning_house == Village.LearningHouse.RENTED
    assert village_a.has_internet is False
    assert village_a.pools_dana_desa is True
    assert village_a.leading_products == ["makanan olahan", "mebel"]
    partners = {p.name: p.pillars for p in village_a.partners.all()}
    assert partners == {"Koperasi Simpan Pinjam Brengkok": [4], "BUMDes Maju Bersama": [2, 4]}
    assert not PartnerInstitution.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("pisang; kopi", ["pisang", "kopi"]),
        ("  pisang ;kopi;; abon   ikan ; ", ["pisang", "kopi", "abon ikan"]),
        ("pisang; Pisang; PISANG", ["pisang"]),
        ("", []),
    ],
)
def test_leading_products_are_stored_as_a_list(client, officer_a, village_a, typed, stored):
    client.force_login(officer_a)

    response = client.post(EDIT, no_partners(leading_products=typed))

    assert response.status_code == 302
    village_a.refresh_from_db()
    assert village_a.leading_products == stored


def test_edit_form_shows_leading_products_separated_by_semicolons(client, officer_a, village_a):
    Village.objects.filter(pk=village_a.pk).update(leading_products=["pisang", "kopi"])
    client.force_login(officer_a)

    response = client.get(EDIT)

    assert response.context["form"]["leading_products"].value() == "pisang; kopi"


def test_duplicate_partner_name_is_rejected(client, officer_a, village_a):
    PartnerFactory(village=village_a, name="PKK Brengkok")
    client.force_login(officer_a)

    response = client.post(
        EDIT,
        no_partners(
            **{
                "partners-TOTAL_FORMS": "2",
                "partners-INITIAL_FORMS": "1",
                "partners-0-id": str(village_a.partners.get().pk),
                "partners-0-name": "PKK Brengkok",
                "partners-0-kind": "pkk",
                "partners-1-name": "PKK Brengkok",
                "partners-1-kind": "pkk",
            }
        ),
    )

    assert response.status_code == 200
    assert village_a.partners.count() == 1


def test_regency_user_can_edit_a_village_of_the_regency(client, regency_user, village_b):
    client.force_login(regency_user)

    response = client.post(f"/desa/{B}/ubah/", no_partners(markets="2"))

    assert response.status_code == 302
    village_b.refresh_from_db()
    assert village_b.markets == 2


def test_officer_cannot_delete_another_village_partner_through_the_form(client, officer_a, village_b):
    other = PartnerFactory(village=village_b, name="Kelompok Tani Lohgung")
    client.force_login(officer_a)

    client.post(
        EDIT,
        {
            "partners-TOTAL_FORMS": "1",
            "partners-INITIAL_FORMS": "1",
            "partners-0-id": str(other.pk),
            "partners-0-name": "Diambil alih",
            "partners-0-kind": "other",
            "partners-0-DELETE": "on",
        },
    )

    other.refresh_from_db()
    assert other.name == "Kelompok Tani Lohgung"
    assert other.village_id == village_b.pk


def test_partners_are_listed_by_kind_then_name(client, officer_a, village_a):
    PartnerFactory(village=village_a, name="Aksi Peduli Anak", kind=PartnerInstitution.Kind.NGO)
    PartnerFactory(village=village_a, name="Bank NTT", kind=PartnerInstitution.Kind.BANK)
    PartnerFactory(village=village_a, name="Bank BRI", kind=PartnerInstitution.Kind.BANK)
    PartnerFactory(village=village_a, name="KUD Minakarota", kind=PartnerInstitution.Kind.COOPERATIVE)
    client.force_login(officer_a)

    html = client.get(f"/desa/{A}/").content.decode()

    names = ["Bank BRI", "Bank NTT", "KUD Minakarota", "Aksi Peduli Anak"]
    assert [html.index(name) for name in names] == sorted(html.index(name) for name in names)


def test_edit_page_resubmitted_as_rendered_changes_only_what_the_user_changed(client, officer_a, village_a):
    """Posts back exactly what the page renders: catches hidden fields that the
    template forgets (a partner would otherwise be duplicated or lost)."""
    PartnerInstitution.objects.create(
        village=village_a, name="PKK Brengkok", kind="pkk", supports_pillar_3=True
    )
    client.force_login(officer_a)
    data = form_data(client.get(f"/desa/{village_a.code}/ubah/"))
    data["markets"] = "3"

    response = client.post(f"/desa/{village_a.code}/ubah/", data)

    assert response.status_code == 302
    village_a.refresh_from_db()
    assert village_a.markets == 3
    partners = list(village_a.partners.values_list("name", "kind", "supports_pillar_3"))
    assert partners == [("PKK Brengkok", "pkk", True)]
