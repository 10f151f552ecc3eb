"""The server's NIK, No. KK and date rules against the cases the device's
rules (static/js/id-rules.js) are tested with too: tests/data/id_number_vectors.json,
also read by tests/js/id_rules.test.mjs. A rule changed on one side only fails
one of the two.

Each case goes through villages/identity.py and through the form an officer
uses (MemberForm, HouseholdForm: Member.clean's date rules live there), and
the server's message must be the one villages/id_rule_messages.py gives the
device for the case's code, in English and in Indonesian."""

import datetime
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from villages.forms import HouseholdForm, MemberForm
from villages.id_rule_messages import id_rule_messages
from villages.identity import birth_date_from_nik, clean_kk, clean_nik, kk_serial_warning

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "id_number_vectors.json").read_text("utf-8"))
TODAY = datetime.date.fromisoformat(VECTORS["today"])
RULE_FIELDS = ("nik", "birth_date", "sex", "departure_date", "return_date")
LANGUAGES = ("en", "id")


def cases(kind, where=lambda vector: True, **only):
    chosen = [
        (index, vector)
        for index, vector in enumerate(VECTORS[kind])
        if all(vector.get(key) == value for key, value in only.items()) and where(vector)
    ]
    return pytest.mark.parametrize(
        "vector",
        [vector for _i, vector in chosen],
        ids=[f"{index}-{vector['why']}" for index, vector in chosen],
    )


@pytest.fixture(autouse=True)
def on_the_cases_day():
    noon = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(noon, tick=False):
        yield


def message(field, code, params=None):
    """The message the device shows: id-rules.js's formatMessage, in Python."""
    template = id_rule_messages()[field][code]
    return re.sub(r"%\((\w+)\)s", lambda match: str((params or {})[match[1]]), template)


def refusal(clean, value):
    with pytest.raises(ValidationError) as error:
        clean(value)
    return error.value.code, error.value.messages


def typed_in_a_form(vector):
    """A form gets text; an empty field is the form's own "required" (the
    page marks the field required), not identity.py's."""
    return isinstance(vector["input"], str) and vector.get("code") != "required"


# NIK


@cases("nik", valid=True)
def test_a_valid_nik_gives_its_16_digits_date_of_birth_and_sex(vector):
    nik = clean_nik(vector["input"])

    assert nik == vector["value"]
    born, sex = birth_date_from_nik(nik)
    assert (born.isoformat(), sex) == (vector["birth_date"], vector["sex"])


@cases("nik", valid=False)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_nik_is_refused_with_the_code_and_message_of_the_case(vector, language):
    with translation.override(language):
        code, messages = refusal(clean_nik, vector["input"])

        assert code == vector["code"]
        assert messages == [message("nik", code, vector.get("params"))]


@pytest.mark.django_db
@cases("nik", where=typed_in_a_form)
def test_the_member_form_says_what_the_case_says_about_the_nik(vector):
    with translation.override("id"):
        form = MemberForm(data={"nik": vector["input"]})
        form.is_valid()

        if vector["valid"]:
            assert "nik" not in form.errors
            assert form.cleaned_data["nik"] == vector["value"]
        else:
            assert form.errors["nik"] == [message("nik", vector["code"], vector.get("params"))]


# No. KK


@cases("no_kk", valid=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_valid_no_kk_gives_its_16_digits_and_warnings(vector, language):
    kk = clean_kk(vector["input"])

    assert kk == vector["value"]
    with translation.override(language):
        warning = kk_serial_warning(kk)
        assert ([str(warning)] if warning else []) == [message("no_kk", code) for code in vector["warnings"]]


@cases("no_kk", valid=False)
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_no_kk_is_refused_with_the_code_and_message_of_the_case(vector, language):
    with translation.override(language):
        code, messages = refusal(clean_kk, vector["input"])

        assert code == vector["code"]
        assert messages == [message("no_kk", code, vector.get("params"))]


@pytest.mark.django_db
@cases("no_kk", where=typed_in_a_form)
def test_the_household_form_says_what_the_case_says_about_the_no_kk(vector):
    with translation.override("id"):
        form = HouseholdForm(data={"no_kk": vector["input"]})
        form.is_valid()

        if vector["valid"]:
            assert "no_kk" not in form.errors
            assert form.cleaned_data["no_kk"] == vector["value"]
        else:
            assert form.errors["no_kk"] == [message("no_kk", vector["code"], vector.get("params"))]


# A member's NIK, date of birth, sex and dates together


def member_form_data(member):
    """The case's fields, and a status that keeps its dates (Member.STATUS_FIELDS)."""
    data = {"name": "Siti Aminah", "relation": "head", "migration_status": "family", **member}
    if member.get("return_date"):
        data.update(migration_status="returnee", destination_country="MY", sector="informal")
    elif member.get("departure_date"):
        data.update(migration_status="pmi", destination_country="MY", sector="informal")
    return data


@pytest.mark.django_db
@cases("member")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_member_form_gives_the_cases_errors(vector, language):
    with translation.override(language):
        form = MemberForm(data=member_form_data(vector["input"]))
        form.is_valid()

        errors = {field: form.errors[field] for field in RULE_FIELDS if field in form.errors}
        assert errors == {
            field: [message(field, error["code"], error.get("params"))]
            for field, error in vector["errors"].items()
        }


# The codes


def test_the_device_has_a_message_for_every_code_and_no_other():
    messages = id_rule_messages()

    assert {field: set(codes) for field, codes in messages.items()} == {
        field: set(codes) for field, codes in VECTORS["codes"].items()
    }
    json.dumps(messages)  # rendered into the page with json_script


def test_every_code_is_given_by_at_least_one_case():
    given = {field: set() for field in VECTORS["codes"]}
    for kind in ("nik", "no_kk"):
        for vector in VECTORS[kind]:
            given[kind].update([vector["code"]] if not vector["valid"] else vector.get("warnings", []))
    for vector in VECTORS["member"]:
        for field, error in vector["errors"].items():
            given[field].add(error["code"])

    assert given == {field: set(codes) for field, codes in VECTORS["codes"].items()}


def test_the_device_messages_are_in_the_users_language():
    with translation.override("en"):
        english = id_rule_messages()
    with translation.override("id"):
        indonesian = id_rule_messages()

    assert english["birth_date"]["future"] == "The date of birth cannot be in the future."
    assert indonesian["birth_date"]["future"] != english["birth_date"]["future"]
    assert "%(count)s" in indonesian["nik"]["length"]
