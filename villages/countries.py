"""Destination countries: stored as ISO 3166 codes (django-countries), shown
and read in Indonesian or English. django-countries has no Indonesian
catalogue, so the names of the usual PMI destinations are kept here."""

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
_BY_INDONESIAN_NAME = {name.lower(): code for code, name in INDONESIAN_NAMES.items()}


def country_name(code, language=None):
    if not code:
        return ""
    language = language or get_language() or "id"
    if language.startswith("id") and code in INDONESIAN_NAMES:
        return INDONESIAN_NAMES[code]
    return countries.name(code) or code


def country_choices():
    """Usual destinations first, in the user's language, then every other country."""
    common = [(code, country_name(code)) for code in INDONESIAN_NAMES]
    others = sorted(
        ((code, country_name(code)) for code, _name in countries if code not in INDONESIAN_NAMES),
        key=lambda pair: pair[1],
    )
    return [("", "---------"), *common, *others]


def destination_choices(current=""):
    """The usual PMI destinations, plus `current` when it is another country."""
    choices = [("", "---------"), *((code, country_name(code)) for code in INDONESIAN_NAMES)]
    if current and current not in INDONESIAN_NAMES:
        choices.append((current, country_name(current)))
    return choices


def parse_country(text):
    """An ISO code, or a name in Indonesian or English, to the ISO code; None if unknown."""
    text = " ".join(str(text or "").split())
    if not text:
        return None
    key = text.lower()
    if len(text) == 2 and text.upper() in countries:
        return text.upper()
    if key in _BY_INDONESIAN_NAME:
        return _BY_INDONESIAN_NAME[key]
    if key in ALIASES:
        return ALIASES[key]
    code = countries.by_name(text, insensitive=True)
    return code or None
