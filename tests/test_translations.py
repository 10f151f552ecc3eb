"""Every user-visible string has an Indonesian translation, and the compiled
catalogue that Django reads matches the one translators edit."""

import gettext

import polib
import pytest
from django.conf import settings

LOCALE = settings.BASE_DIR / "locale"


def entries(language):
    return [e for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")) if not e.obsolete]


def test_every_indonesian_entry_is_translated_and_not_fuzzy():
    missing = [e.msgid for e in entries("id") if not e.translated() or "fuzzy" in e.flags]

    assert missing == []


@pytest.mark.parametrize("language", ["id"])
def test_compiled_catalogue_matches_the_po_file(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in entries(language):
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr_plural[0]
        else:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            got, want = compiled.gettext(key), entry.msgstr
        if got != want:
            stale.append(entry.msgid)

    assert stale == [], "run `make messages` (compilemessages) after editing the .po file"
