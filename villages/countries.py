"""Destination countries: stored as ISO 3166 codes (django-countries), shown
and read in Indonesian or English. django-countries has no Indonesian
catalogue: the Indonesian names come from the Unicode CLDR (Babel), except
the usual PMI destinations', kept here as officers and the survey forms write
them ("Hong Kong", not CLDR's "Hong Kong DAK Tiongkok")."""

import functools
import unicodedata

from babel import Locale
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django_countries import countries

# The destinations of Indonesian migrant workers, most common first.
INDONESIAN_NAMES = {
    "MY": "Malaysia",
    "TW": "Taiwan",
    "HK": "Hong Kong",
    "SA": "Arab Saudi",
    "SG": "Singapura",
    "KR": "Korea Selatan",
    "JP": "Jepang",
    "BN": "Brunei Darussalam",
    "AE": "Uni Emirat Arab",
    "QA": "Qatar",
    "KW": "Kuwait",
    "OM": "Oman",
    "BH": "Bahrain",
    "JO": "Yordania",
    "TR": "Turki",
    "MO": "Makau",
    "CN": "Tiongkok",
    "TH": "Thailand",
    "PL": "Polandia",
    "IT": "Italia",
    "DE": "Jerman",
    "NL": "Belanda",
    "GB": "Inggris",
    "US": "Amerika Serikat",
    "AU": "Australia",
    "NZ": "Selandia Baru",
    "FJ": "Fiji",
    "PG": "Papua Nugini",
    "TL": "Timor Leste",
    "PH": "Filipina",
}
ALIASES = {
    "hongkong": "HK",
    "saudi": "SA",
    "saudi arabia": "SA",
    "korea": "KR",
    "korsel": "KR",
    "korea selatan": "KR",
    "south korea": "KR",
    "brunei": "BN",
    "uea": "AE",
    "uae": "AE",
    "emirat arab": "AE",
    "united arab emirates": "AE",
    "macau": "MO",
    "macao": "MO",
    "cina": "CN",
    "china": "CN",
    "taiwan (roc)": "TW",
}


def _is_indonesian(language):
    return (language or "id").startswith("id")


@functools.cache
def _cldr_indonesian_names():
    return Locale("id").territories


def country_name(code, language=None):
    if not code:
        return ""
    language = language or get_language() or "id"
    if _is_indonesian(language):
        name = INDONESIAN_NAMES.get(code) or _cldr_indonesian_names().get(code)
        if name:
            return name
    return countries.name(code) or code


def _fold(text):
    """A name as compared: case, accents, apostrophes and spacing ignored
    ("Cote d'Ivoire" is "Côte d’Ivoire")."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def _sorted_by_name(pairs):
    return sorted(pairs, key=lambda pair: _fold(pair[1]))


@functools.cache
def _choices(language):
    with translation.override(language):
        common = [(code, country_name(code, language)) for code in INDONESIAN_NAMES]
        others = _sorted_by_name(
            (code, country_name(code, language)) for code, _name in countries if code not in INDONESIAN_NAMES
        )
    return (*common, *others)


def _language():
    return "id" if _is_indonesian(get_language()) else "en"


def country_choices():
    """Every ISO 3166 country as (code, name) in the user's language: the
    usual PMI destinations first (most common first), then the others by name."""
    return list(_choices(_language()))


def destination_choices(current=""):
    """The usual PMI destinations, plus `current` when it is another country."""
    choices = [("", "---------"), *((code, country_name(code)) for code in INDONESIAN_NAMES)]
    if current and current not in INDONESIAN_NAMES:
        choices.append((current, country_name(current)))
    return choices


COUNTRY_LIST_ID = "country-names"


@functools.cache
def _datalist(language):
    options = format_html_join("", '<option value="{}">', ((name,) for _code, name in _choices(language)))
    return format_html('<datalist id="{}">{}</datalist>', COUNTRY_LIST_ID, options)


def country_datalist():
    """The page's one list of country names that every country input names
    (list="country-names"): a household form has a country field per member
    row, and a full list of options in each row made it the heaviest page.
    A <datalist> needs no script; the server reads the name typed or picked."""
    return _datalist(_language())


@functools.cache
def _codes_by_name():
    names = {}
    for code, _name in countries:
        names[_fold(_cldr_indonesian_names().get(code, ""))] = code
    with translation.override("en"):
        for code, name in countries:
            names[_fold(name)] = code
    names.update((_fold(name), code) for code, name in INDONESIAN_NAMES.items())
    names.update((_fold(alias), code) for alias, code in ALIASES.items())
    names.pop("", None)
    return names


def parse_country(text):
    """An ISO code, or a name in Indonesian or English, to the ISO code; None if unknown."""
    text = " ".join(str(text or "").split())
    if not text:
        return None
    if len(text) == 2 and text.upper() in countries:
        return text.upper()
    code = _codes_by_name().get(_fold(text))
    if code:
        return code
    # Official and older English names ("Korea (the Republic of)").
    return countries.by_name(text, insensitive=True) or None
