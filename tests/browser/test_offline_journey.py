"""An officer's phone without a connection (issue 14, "Offline household
entry"): the offline page opens from the service worker's cache, entries are
checked as they are typed and wait on the device, and the sync applies them
once: accepted, rejected (corrected on the device and sent again) or in
conflict (resolved by the officer's choice). Sign-out clears the device.

Debian's Chromium at 360x740 against the live server; service workers run
on http://127.0.0.1 (a secure context)."""

import datetime
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse

from desmigratif.demo import DEMO_PASSWORD
from desmigratif.models import User
from offline.device import device_owner
from offline.models import OfflineEntry
from tests.browser.helpers import TIMEOUT_MS, assert_accessible, sign_in
from tests.household_factories import HouseholdFactory, MemberFactory, nik_for
from villages.models import Household, Member, Village

BRENGKOK = "35.24.07.2004"
OFFICER = "petugas.brengkok"
PHONE = {"width": 360, "height": 740}
SYNC_PATH = f"/desa/{BRENGKOK}/luring/kirim/"

NEW_KK = "3524070301260001"
SECOND_KK = "3524070301260002"
THIRD_KK = "3524070301260003"
HEAD_BORN = datetime.date(1988, 7, 21)
HEAD_NIK = nik_for(HEAD_BORN, "L", 7301)
TAKEN_BORN = datetime.date(1979, 2, 3)
TAKEN_NIK = nik_for(TAKEN_BORN, "L", 7302)
FIXED_NIK = nik_for(TAKEN_BORN, "L", 7303)


@pytest.fixture
def phone(browser, live_server, demo):
    """A phone: 360x740, Indonesian, and no JavaScript error or CSP refusal on any page."""
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    errors = []

    def watch(page):
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    context.on("page", watch)
    yield context
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


@pytest.fixture
def register(demo):
    """Brengkok's register for the journey: two CPMI about to leave, and a
    person in another household whose NIK the officer will type again."""
    village = Village.objects.get(pk=BRENGKOK)
    leaving = HouseholdFactory(village=village, no_kk="3524070101260011")
    wati = MemberFactory(
        household=leaving,
        name="Wati Offline",
        sex="P",
        birth_date=datetime.date(1996, 4, 9),
        nik=nik_for(datetime.date(1996, 4, 9), "P", 7311),
        migration_status=Member.Status.CPMI,
        destination_country="MY",
    )
    other = HouseholdFactory(village=village, no_kk="3524070101260012")
    dewi = MemberFactory(
        household=other,
        name="Dewi Konflik",
        sex="P",
        birth_date=datetime.date(1994, 8, 17),
        nik=nik_for(datetime.date(1994, 8, 17), "P", 7312),
        migration_status=Member.Status.CPMI,
        destination_country="HK",
    )
    taken = HouseholdFactory(village=village, no_kk="3524070101260013")
    MemberFactory(household=taken, name="Sudah Terdaftar", sex="L", birth_date=TAKEN_BORN, nik=TAKEN_NIK)
    return {"wati": wati, "dewi": dewi}


def offline_url():
    return reverse("offline:page", kwargs={"code": BRENGKOK})


def wait_until(predicate, what, timeout=TIMEOUT_MS / 1000):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def shell_cached(page):
    return page.evaluate(
        """async () => {
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                if (await cache.match(location.pathname)) { return true; }
            }
            return false;
        }"""
    )


def device_store(page):
    """What the device keeps: counts per store and the pages in the service worker's cache."""
    return page.evaluate(
        """async () => {
            const db = await new Promise((ok, ko) => {
                const request = indexedDB.open("desmigratif-offline", 1);
                request.onsuccess = () => ok(request.result);
                request.onerror = () => ko(request.error);
            });
            const count = (name) => new Promise((ok) => {
                const request = db.transaction(name).objectStore(name).count();
                request.onsuccess = () => ok(request.result);
            });
            const result = {
                session: await count("session"),
                village: await count("village"),
                entries: await count("entries"),
                pages: [],
            };
            // Static files may be cached again at once (the sign-in page uses
            // them; they hold nothing personal): only pages count.
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) {
                    const path = new URL(request.url).pathname;
                    if (!path.startsWith("/static/")) { result.pages.push(path); }
                }
            }
            db.close();
            return result;
        }"""
    )


def wait_for_person(page, member):
    """The village data is on the device: the person can be picked for a departure."""
    page.wait_for_selector(f"#departure-member option[value='{member.pk}']", state="attached")


def entry(page, state):
    return page.locator(f".offline-entry[data-state={state}]")


def fill_member(page, *, nik, name, sex, born, relation="head", status="family"):
    """The last member box of the household form (boxes are numbered on: the
    page never reuses a number, so their ids differ after each save)."""
    box = page.locator("#offline-members .member-form").last
    box.locator("[name$='-nik']").fill(nik)
    box.locator("[name$='-name']").fill(name)
    box.locator("[name$='-sex']").select_option(sex)
    box.locator("[name$='-birth_date']").fill(born.isoformat())
    box.locator("[name$='-relation']").select_option(relation)
    box.locator("[name$='-migration_status']").select_option(status)
    return box


def fill_household(page, no_kk):
    page.fill("#id_no_kk", no_kk)
    page.fill("#id_dusun", "Krajan")
    page.fill("#id_rt", "003")
    page.fill("#id_rw", "001")


def save(page, form):
    page.locator(f"#{form} button[type=submit]").click()


def sign_out(page):
    """The sign-out button, in the menu a phone folds away."""
    page.click(".navbar-toggler")
    # Clicked only once the menu has finished opening (Bootstrap adds "show" then).
    page.wait_for_selector("#main-nav.show")
    page.locator(f"form[action='{reverse('logout')}'] button").click()
    page.wait_for_url(re.compile(re.escape(reverse("login"))))


def test_officer_records_offline_and_syncs(phone, register):
    page = phone.new_page()
    sign_in(page, OFFICER, DEMO_PASSWORD)
    # The header links officers to offline entry.
    page.goto(reverse("dashboards:village", kwargs={"code": BRENGKOK}))
    assert page.locator("#offline-link").get_attribute("href") == offline_url()

    # Online once: the service worker takes over and keeps the page; the
    # village data is on the device.
    page.goto(offline_url())
    # (Polled from here: wait_for_function's string would be an eval the page's CSP refuses.)
    wait_until(lambda: page.evaluate("navigator.serviceWorker.controller !== null"), "the service worker")
    page.reload()
    wait_until(lambda: shell_cached(page), "the offline page in the service worker's cache")
    wait_for_person(page, register["wati"])
    assert_accessible(page, "the offline entry page")

    # No connection, and the page closed and opened again: it comes from the cache.
    phone.set_offline(True)
    page.close()
    page = phone.new_page()
    page.goto(offline_url())
    assert page.locator("#household-form").is_visible()
    wait_for_person(page, register["dewi"])
    assert not page.evaluate("navigator.onLine")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 1. A NIK that disagrees with the date of birth: caught as it is typed.
    fill_household(page, NEW_KK)
    fill_member(page, nik=HEAD_NIK, name="Bambang Luring", sex="L", born=HEAD_BORN.replace(year=1989))
    page.locator("#id_members-0-name").click()
    birth = page.locator("#id_members-0-birth_date")
    assert "is-invalid" in birth.get_attribute("class")
    assert page.locator("#div_id_members-0-birth_date .offline-error").is_visible()
    save(page, "household-form")
    assert entry(page, "waiting").count() == 0, "a household with a wrong date of birth was saved"
    page.fill("#id_members-0-birth_date", HEAD_BORN.isoformat())
    page.locator("#id_members-0-name").click()
    assert "is-invalid" not in birth.get_attribute("class")
    save(page, "household-form")
    page.wait_for_selector(".offline-entry[data-state=waiting]")

    # 2. A NIK registered in another household: the device cannot know (it
    #    holds masked numbers of other households at most); the server will say.
    fill_household(page, SECOND_KK)
    fill_member(page, nik=TAKEN_NIK, name="Dua Kali", sex="L", born=TAKEN_BORN)
    save(page, "household-form")
    wait_until(lambda: entry(page, "waiting").count() == 2, "the second household on the device")

    # 3. A departure, and one for a household that is about to change on the server.
    for waiting, person in enumerate(("wati", "dewi"), start=3):
        page.select_option("#departure-member", str(register[person].pk))
        page.fill("#id_departure-departure_date", "2026-01-20")
        page.select_option("#id_departure-sector", "informal")
        save(page, "departure-form")
        # Stored, and the form emptied for the next one.
        wait_until(lambda n=waiting: entry(page, "waiting").count() == n, f"{waiting} entries waiting")
    assert re.search(r"\b4\b", page.locator("#offline-pending").inner_text())
    assert Household.objects.filter(no_kk=NEW_KK).count() == 0

    dewi_household = register["dewi"].household
    Household.objects.filter(pk=dewi_household.pk).update(
        version=F("version") + 1, address="Diubah di kantor"
    )

    # Back online: the entries are sent by themselves.
    phone.set_offline(False)
    page.wait_for_selector(".offline-entry[data-state=accepted]")
    wait_until(lambda: entry(page, "waiting").count() == 0, "the sync to finish")
    assert entry(page, "accepted").count() == 2
    assert entry(page, "rejected").count() == 1
    assert entry(page, "conflict").count() == 1

    created = Household.objects.get(no_kk=NEW_KK)
    assert created.village_id == BRENGKOK
    assert created.history.first().history_change_reason == "offline entry"
    assert Member.objects.get(pk=register["wati"].pk).migration_status == Member.Status.PMI
    assert not Household.objects.filter(no_kk=SECOND_KK).exists()
    rejected = entry(page, "rejected")
    assert "NIK" in rejected.inner_text()

    # Sent again (an answer lost on the way): the server gives the stored answers, writes nothing.
    counts = (Household.objects.count(), Member.objects.count(), OfflineEntry.objects.count())
    page.evaluate(
        """async () => {
            const store = window.DesmigratifOffline;
            const session = await store.getSession();
            for (const item of await store.readEntries(session.key, session.owner)) {
                if (item.state === "accepted") {
                    item.state = "waiting";
                    await store.putEntry(session.key, session.owner, item);
                }
            }
        }"""
    )
    with page.expect_response(lambda response: response.url.endswith(SYNC_PATH)):
        page.click("#send-now")
    wait_until(
        lambda: entry(page, "waiting").count() == 0 and entry(page, "accepted").count() == 2,
        "the second sync",
    )
    assert (Household.objects.count(), Member.objects.count(), OfflineEntry.objects.count()) == counts

    # The household list shows the new household.
    listing = phone.new_page()
    listing.goto(reverse("villages:households", kwargs={"code": BRENGKOK}))
    assert "Bambang Luring" in listing.locator("main").inner_text()
    listing.close()

    # The rejected household: corrected on the device, with the reason beside the NIK.
    rejected.get_by_role("button", name=re.compile("Correct|Perbaiki")).click()
    nik = page.locator("#offline-members [name$='-nik']").first
    assert "is-invalid" in nik.get_attribute("class")
    nik.fill(FIXED_NIK)
    save(page, "household-form")
    page.click("#send-now")
    wait_until(lambda: Household.objects.filter(no_kk=SECOND_KK).exists(), "the corrected household")
    wait_until(lambda: entry(page, "rejected").count() == 0, "the rejected entry to be accepted")

    # The conflict: both versions side by side, the officer sends theirs.
    conflict = entry(page, "conflict")
    assert conflict.locator("h3").count() == 2
    assert "Diubah di kantor" not in conflict.inner_text()  # only what the forms have
    assert "Dewi Konflik" in conflict.inner_text()
    conflict.locator("button.btn-outline-warning").click()
    wait_until(
        lambda: Member.objects.get(pk=register["dewi"].pk).migration_status == Member.Status.PMI,
        "the officer's version to be saved",
    )
    wait_until(lambda: entry(page, "conflict").count() == 0, "the conflict to be resolved")
    assert page.locator("#offline-pending").is_hidden()

    # One more entry, then sign out keeping it: the key, village data and
    # cached page go; the entry stays, unreadable without the key.
    fill_household(page, THIRD_KK)
    fill_member(page, nik=nik_for(HEAD_BORN, "L", 7304), name="Tiga Luring", sex="L", born=HEAD_BORN)
    save(page, "household-form")
    wait_until(lambda: entry(page, "waiting").count() == 1, "the third household on the device")
    page.once("dialog", lambda dialog: dialog.accept())
    sign_out(page)
    page.wait_for_load_state()
    wait_until(
        lambda: device_store(page) == {"session": 0, "village": 0, "entries": 1, "pages": []},
        "the device to be cleared",
    )

    # Signed in again, the same officer reads and sends it.
    sign_in(page, OFFICER, DEMO_PASSWORD)
    page.goto(offline_url())
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    page.click("#send-now")
    wait_until(lambda: Household.objects.filter(no_kk=THIRD_KK).exists(), "the kept entry to be sent")


def test_sign_out_without_keeping_deletes_entries(phone, register):
    page = phone.new_page()
    sign_in(page, OFFICER, DEMO_PASSWORD)
    page.goto(offline_url())
    wait_for_person(page, register["wati"])
    page.select_option("#departure-member", str(register["wati"].pk))
    page.fill("#id_departure-departure_date", "2026-01-20")
    save(page, "departure-form")
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    sign_out(page)
    wait_until(
        lambda: device_store(page) == {"session": 0, "village": 0, "entries": 0, "pages": []},
        "the device to be emptied",
    )


def test_kept_entries_are_unreadable_for_the_next_user_of_the_browser(phone, register):
    page = phone.new_page()
    sign_in(page, OFFICER, DEMO_PASSWORD)
    page.goto(offline_url())
    wait_for_person(page, register["wati"])
    page.select_option("#departure-member", str(register["wati"].pk))
    page.fill("#id_departure-departure_date", "2026-01-20")
    save(page, "departure-form")
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    page.once("dialog", lambda dialog: dialog.accept())
    sign_out(page)

    # Another village's officer on the same phone.
    sign_in(page, "petugas.megonten", DEMO_PASSWORD)
    page.goto(reverse("offline:page", kwargs={"code": "33.21.14.2014"}))
    page.wait_for_selector("#entry-list li")
    assert page.locator(".offline-entry").count() == 0
    assert page.locator("#offline-pending").is_hidden()
    # The entry is there, and this user's key cannot open it.
    first_owner = device_owner(User.objects.get(username=OFFICER))
    readable = page.evaluate(
        """async (owner) => {
            const store = window.DesmigratifOffline;
            const session = await store.getSession();
            const records = await store.allEntries(owner);
            try {
                await store.readEntries(session.key, owner);
                return [records.length, true];
            } catch (error) {
                return [records.length, false];
            }
        }""",
        first_owner,
    )
    assert readable == [1, False]


def test_storage_full_keeps_what_was_typed(phone, register):
    page = phone.new_page()
    sign_in(page, OFFICER, DEMO_PASSWORD)
    page.goto(offline_url())
    wait_for_person(page, register["wati"])
    # The phone's storage is full: every write is refused as a browser refuses it.
    page.evaluate(
        """() => {
            IDBObjectStore.prototype.put = function () {
                throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
            };
        }"""
    )
    fill_household(page, NEW_KK)
    fill_member(page, nik=HEAD_NIK, name="Bambang Luring", sex="L", born=HEAD_BORN)
    save(page, "household-form")

    page.wait_for_selector("#offline-alert:not([hidden])")
    assert (
        "storage" in page.locator("#offline-alert").inner_text()
        or "Penyimpanan" in page.locator("#offline-alert").inner_text()
    )
    assert page.input_value("#id_no_kk") == NEW_KK
    assert page.locator("#offline-members [name$='-name']").first.input_value() == "Bambang Luring"
    assert page.locator(".offline-entry").count() == 0


def test_entries_wait_while_signed_out_and_go_after_sign_in(phone, register):
    page = phone.new_page()
    sign_in(page, OFFICER, DEMO_PASSWORD)
    page.goto(offline_url())
    wait_for_person(page, register["wati"])
    phone.set_offline(True)
    page.select_option("#departure-member", str(register["wati"].pk))
    page.fill("#id_departure-departure_date", "2026-01-20")
    save(page, "departure-form")
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    # The session ran out while the phone was offline.
    Session.objects.all().delete()
    phone.set_offline(False)

    page.wait_for_selector("#offline-alert:not([hidden]) a")
    assert page.locator("#offline-alert a").get_attribute("href").startswith(reverse("login"))
    assert entry(page, "waiting").count() == 1
    assert Member.objects.get(pk=register["wati"].pk).migration_status == Member.Status.CPMI

    page.locator("#offline-alert a").click()
    page.fill("#id_username", OFFICER)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(offline_url())))
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    page.click("#send-now")
    page.wait_for_selector(".offline-entry[data-state=accepted]")
    assert Member.objects.get(pk=register["wati"].pk).migration_status == Member.Status.PMI

    # Now abroad (the refreshed village data says so): her return can be recorded.
    page.wait_for_selector(f"#return-member option[value='{register['wati'].pk}']", state="attached")
    page.select_option("#return-member", str(register["wati"].pk))
    page.fill("#id_return-return_date", "2026-02-01")
    save(page, "return-form")
    page.wait_for_selector(".offline-entry[data-state=waiting]")
    page.click("#send-now")
    wait_until(
        lambda: Member.objects.get(pk=register["wati"].pk).migration_status == Member.Status.RETURNEE,
        "the return to be saved",
    )
