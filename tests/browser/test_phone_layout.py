"""Every page an officer or a reviewer uses, on a 360x740 phone screen: the
page itself never scrolls sideways (wide tables scroll inside their own
region), and axe-core finds no serious or critical violation.

The demo data plus what makes pages wide: households with long names, a
report in the review queue, an import of the officer's.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.models import MOU, Agency, BudgetLine, Commitment, Programme, Realisation
from desmigratif.models import User
from pillars.models import (
    Business,
    Cooperative,
    Loan,
    ParentingSession,
    Problem,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from reports.models import ProgressReport, quarter_of
from surveys.models import ImportJob
from tests.browser.helpers import axe_violations, describe_violations, sign_in
from tests.household_factories import HouseholdFactory, MemberFactory
from villages.models import Household, Member, Village

BRENGKOK = "35.24.07.2004"
PHONE = {"width": 360, "height": 740}

LONG_NAMES = [
    "Muhammad Abdurrahman Wahyu Kusumaningrat Prawirodirdjo",
    "Siti Nurhayati Kusumawardhani Setyaningsih Rahmawati",
    "Bambang Setyo Hadiprawiro Mangkunegoro Suryaningrat",
]


def add_wide_data():
    """Long names, a report waiting for review and an import of the officer's."""
    village = Village.objects.get(pk=BRENGKOK)
    for serial, name in enumerate(LONG_NAMES, start=9501):
        household = HouseholdFactory(
            village=village,
            no_kk=f"352407120515{serial}",
            address="Jl. Raya Brengkok Kidul Gang Mawar Merah Nomor 123 Dusun Krajan Wetan",
        )
        MemberFactory(
            household=household,
            name=name,
            birth_date=datetime.date(1990, 5, 12),
            nik=f"35240712059{serial + 100:05d}",
            migration_status=Member.Status.PMI,
            destination_country="SA",
            sector="formal",
            channel="procedural",
            departure_date=datetime.date(2021, 6, 1),
        )
    officer = User.objects.get(username="petugas.brengkok")
    from reports.services import report_submit

    year, quarter = quarter_of(timezone.localdate())
    narrative = "Layanan migrasi berjalan; " * 20
    report_submit(
        village=village,
        user=officer,
        year=year,
        quarter=quarter,
        narrative_migration_services=narrative,
        narrative_productive_business=narrative,
        narrative_community_parenting=narrative,
        narrative_cooperative=narrative,
    )
    ImportJob.objects.create(
        user=officer,
        kind=ImportJob.Kind.HOUSEHOLDS,
        original_name="pendataan-rumah-tangga-brengkok-kuartal-ketiga-2026-final-revisi.xlsx",
        status=ImportJob.Status.FAILED,
        error="Berkas tidak dapat dibaca.",
    )


def first_pk(queryset):
    obj = queryset.order_by("pk").first()
    return obj.pk if obj else None


# Pillar records: URL name of one, of their list, the model, its village.
PILLAR_RECORDS = [
    ("officer", "officers", ServiceOfficer, "village_id"),
    ("activity", "activities", ServiceActivity, "village_id"),
    ("business", "businesses", Business, "village_id"),
    ("training", "trainings", Training, "village_id"),
    ("parenting", "parenting", ParentingSession, "village_id"),
    ("cooperative", "cooperatives", Cooperative, "village_id"),
    ("loan", "loans", Loan, "cooperative__village_id"),
    ("problem", "problems", Problem, "village_id"),
]


def village_pages(code):
    """The pages of one village: registry, pillars, dashboard, reports."""
    households = Household.objects.filter(village_id=code)
    members = Member.objects.filter(household__village_id=code)
    urls = [
        reverse("villages:detail", kwargs={"code": code}),
        reverse("villages:edit", kwargs={"code": code}),
        reverse("villages:households", kwargs={"code": code}),
        reverse("villages:household_add", kwargs={"code": code}),
        reverse("dashboards:village", kwargs={"code": code}),
        reverse("reports:village_reports", kwargs={"code": code}),
        reverse("reports:submit", kwargs={"code": code}),
        reverse("pillars:overview", kwargs={"code": code}),
        reverse("pillars:learning_house", kwargs={"code": code}),
        # The village's officer only (403 for the others, who have no offline mode).
        reverse("offline:page", kwargs={"code": code}),
    ]
    household = first_pk(households.filter(members__name=LONG_NAMES[0])) or first_pk(households)
    if household:
        urls += [
            reverse("villages:household", kwargs={"code": code, "pk": household}),
            reverse("villages:household_edit", kwargs={"code": code, "pk": household}),
        ]
    abroad = first_pk(members.filter(migration_status=Member.Status.PMI))
    if abroad:
        urls += [
            reverse("villages:member", kwargs={"code": code, "pk": abroad}),
            reverse("villages:member_return", kwargs={"code": code, "pk": abroad}),
        ]
    at_home = first_pk(members.exclude(migration_status=Member.Status.PMI))
    if at_home:
        urls.append(reverse("villages:member_depart", kwargs={"code": code, "pk": at_home}))
    for name, listing, model, field in PILLAR_RECORDS:
        urls.append(reverse(f"pillars:{listing}", kwargs={"code": code}))
        urls.append(reverse(f"pillars:{name}_add", kwargs={"code": code}))
        pk = first_pk(model.objects.filter(**{field: code}))
        if pk:
            urls.append(reverse(f"pillars:{name}_edit", kwargs={"code": code, "pk": pk}))
            if name == "problem":
                urls.append(reverse("pillars:problem", kwargs={"code": code, "pk": pk}))
    return urls


def reviewer_pages():
    """The pages above the village: overview, map, queue, coordination."""
    urls = [
        reverse("villages:list"),
        reverse("villages:possible_duplicates"),
        reverse("dashboards:overview"),
        reverse("dashboards:map"),
        reverse("reports:queue"),
        reverse("coordination:index"),
        reverse("coordination:coverage"),
        reverse("coordination:agencies"),
        reverse("coordination:agency_add"),
        reverse("coordination:mous"),
        reverse("coordination:mou_add"),
        reverse("coordination:realisations"),
        reverse("coordination:programmes"),
        reverse("coordination:programme_add"),
    ]
    report = first_pk(ProgressReport.objects.filter(village_id=BRENGKOK))
    if report:
        urls.append(reverse("reports:detail", kwargs={"pk": report}))
    for name, model in [
        ("agency_edit", Agency),
        ("mou", MOU),
        ("mou_edit", MOU),
        ("commitment_add", MOU),
        ("commitment_edit", Commitment),
        ("realisation_add", Commitment),
        ("realisation", Realisation),
        ("realisation_edit", Realisation),
        ("programme", Programme),
        ("programme_edit", Programme),
        ("budget_add", Programme),
        ("budget_edit", BudgetLine),
    ]:
        pk = first_pk(model.objects.all())
        if pk:
            urls.append(reverse(f"coordination:{name}", kwargs={"pk": pk}))
    return urls


def account_pages():
    return [reverse("account"), reverse("password_change"), reverse("second_factor_manage")]


def officer_pages():
    job = first_pk(ImportJob.objects.all())
    imports = [reverse("surveys:import_list"), reverse("surveys:import_upload")]
    if job:
        imports.append(reverse("surveys:import_detail", kwargs={"pk": job}))
    report = first_pk(ProgressReport.objects.filter(village_id=BRENGKOK))
    reports = [reverse("reports:detail", kwargs={"pk": report})] if report else []
    return village_pages(BRENGKOK) + imports + reports + account_pages()


def staff_pages():
    return reviewer_pages() + village_pages(BRENGKOK) + account_pages()


# Pages every one of these roles must reach (a page refused to a role is
# left out of its walk; these being refused means the walk went wrong).
MUST_REACH = {
    "petugas.brengkok": ["villages:households", "dashboards:village", "pillars:trainings"],
    "disnaker.lamongan": ["reports:queue", "dashboards:overview", "villages:households"],
    "disnaker.jatim": ["reports:queue", "dashboards:overview", "coordination:coverage"],
    "kemnaker": ["reports:queue", "dashboards:overview", "coordination:programmes"],
}


def page_width_problem(page):
    """Why the page scrolls sideways at the phone's width (None if it does not)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const scrollWidth = document.documentElement.scrollWidth;
            if (scrollWidth <= width) { return null; }
            // The outermost elements sticking out, to say what to fix.
            const culprits = [];
            for (const element of document.body.querySelectorAll("*")) {
                const box = element.getBoundingClientRect();
                if (box.right > width + 1 && !culprits.some((c) => c.contains(element))) {
                    // Inside a box that clips or scrolls it? An absolutely positioned
                    // element escapes every such box below its containing block.
                    let escapes = getComputedStyle(element).position === "absolute";
                    let inScroller = false;
                    for (let e = element.parentElement; e; e = e.parentElement) {
                        const style = getComputedStyle(e);
                        if (escapes && style.position !== "static") { escapes = false; }
                        if (!escapes && ["auto", "scroll", "hidden"].includes(style.overflowX)) {
                            inScroller = true;
                            break;
                        }
                    }
                    if (!inScroller) { culprits.push(element); }
                }
            }
            const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (typeof e.className === "string" && e.className
                    ? "." + e.className.trim().split(/\\s+/).join(".") : "")
                + " right=" + Math.round(e.getBoundingClientRect().right);
            return `page is ${scrollWidth} px wide: ` + culprits.slice(-6).map(describe).join("; ");
        }"""
    )


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("petugas.brengkok", officer_pages),
        ("disnaker.lamongan", staff_pages),
        ("disnaker.jatim", staff_pages),
        ("kemnaker", staff_pages),
    ],
)
def test_every_page_fits_a_phone_and_passes_axe(page, username, pages):
    add_wide_data()
    sign_in(page, username)
    page.set_viewport_size(PHONE)
    problems = []
    reached = set()
    for url in pages():
        response = page.goto(url)
        if response.status in (403, 404):
            continue  # not this role's page
        if response.status != 200:
            problems.append(f"{url}: HTTP {response.status}")
            continue
        reached.add(url)
        if width := page_width_problem(page):
            problems.append(f"{url}: {width}")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{url}: axe-core:\n{describe_violations(violations)}")
    for name in MUST_REACH[username]:
        kwargs = {"code": BRENGKOK} if name.startswith(("villages:h", "dashboards:v", "pillars:")) else None
        assert reverse(name, kwargs=kwargs) in reached, f"{username} could not open {name}"
    assert not problems, f"{username} on a 360 px phone:\n" + "\n".join(problems)


def test_officer_finds_participants_by_typing_part_of_a_name_and_ticks_them(page):
    """The participant picker on a phone: no "hold Ctrl"; typing part of a
    name narrows the list, a tap ticks a person, and the training is saved
    with them."""
    add_wide_data()
    sign_in(page, "petugas.brengkok")
    page.set_viewport_size(PHONE)
    page.goto(reverse("pillars:training_add", kwargs={"code": BRENGKOK}))
    assert "Ctrl" not in page.locator("main").inner_text()

    page.fill("#id_title", "Pelatihan pengemasan produk")
    page.select_option("#id_kind", index=1)
    page.fill("#id_start_date", "2025-03-01")
    search = page.get_by_role("searchbox")
    search.fill("kusumawar")
    shown = page.locator("#id_participants-choices .form-check:visible")
    assert shown.count() == 1
    assert LONG_NAMES[1] in shown.inner_text()
    shown.locator("label").click()
    assert "1" in page.locator(".choice-picker [aria-live]").inner_text()
    search.fill("prawirodirdjo")
    page.locator("#id_participants-choices .form-check:visible label").click()
    assert page.locator("#id_participants-choices input:checked").count() == 2
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    training = Training.objects.get(title="Pelatihan pengemasan produk")
    assert sorted(training.participants.values_list("name", flat=True)) == sorted(
        [LONG_NAMES[0], LONG_NAMES[1]]
    )
