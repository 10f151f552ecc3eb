"""The match key of a member: one person entered twice, in two villages or by
two officers, usually has the same date of birth and a name that differs only
in case, spacing, punctuation or spelling ("Siti Nur Aini", "SITI NURAINI.",
"Soekarno" and "Sukarno"). Member.match_key stores the name reduced by the
rules below plus the date of birth, so the possible-duplicates page groups one
indexed column instead of every member's name.

The rules only ever merge spellings; a false match costs a look on the
possible-duplicates page, a missed one a person counted twice. Changing them
means refilling the column (as migration 0007 does)."""

import re
import unicodedata

# The spelling before the 1972 reform (EYD) still lives on in names:
# Soeharto/Suharto, Djoko/Joko, Tjahjono/Cahyono, Chairul/Khairul.
OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("ch", "kh"))
NOT_A_LETTER = re.compile(r"[^a-z]")
# Muhammad/Muhamad, Abdullah/Abdulah.
DOUBLED = re.compile(r"(.)\1+")


def normalise_name(name):
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = NOT_A_LETTER.sub("", text)
    for old, new in OLD_SPELLING:
        text = text.replace(old, new)
    return DOUBLED.sub(r"\1", text)


def match_key(name, birth_date):
    """The name's normalised form and the ISO date of birth ("sitinuraini 1990-05-17"),
    or "" when either is missing."""
    name = normalise_name(name)
    if not name or not birth_date:
        return ""
    return f"{name} {birth_date}"


# Near matches ------------------------------------------------------------------------
# Spellings the match key leaves apart ("Moh. Rizki" and "Muhammad Rizky") are
# scored with rapidfuzz among members born on the same day: never across the
# whole table, so the cost follows the size of one birth date's group.

# Muhammad as written on ID cards and forms; after normalise_name's rules.
MUHAMMAD = "muhamad"
MUHAMMAD_SPELLINGS = {
    "m",
    "mh",
    "mhd",
    "mhmd",
    "moh",
    "mohd",
    "mokh",
    "muh",
    "mukh",
    "mohamad",
    "mokhamad",
    "mukhamad",
}
NEAR_MATCH_SCORE = 85  # of 100: "Siti Aminah"/"Siti Aisyah" score 80, "Rizki"/"Rizky" 92


def comparable_name(name):
    """The name as near matches compare it: each word reduced like the match
    key, the abbreviations of Muhammad written out."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    words = (normalise_name(word) for word in re.split(r"[^a-z]+", text))
    return "".join(MUHAMMAD if word in MUHAMMAD_SPELLINGS else word for word in words if word)


def near_match_pairs(names):
    """Index pairs (i, j), i < j, of the names similar enough to be one
    person's, with their score; names that are equal once compared are pairs too."""
    from rapidfuzz import fuzz, process

    compared = [comparable_name(name) for name in names]
    pairs = []
    for i, name in enumerate(compared):
        if not name:
            continue
        found = process.extract(
            name, compared[i + 1 :], scorer=fuzz.ratio, score_cutoff=NEAR_MATCH_SCORE, limit=None
        )
        pairs.extend((i, i + 1 + j, score) for _match, score, j in found)
    return pairs
