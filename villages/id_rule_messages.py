"""The messages behind the error codes of the device's NIK, No. KK and date
rules (static/js/id-rules.js), in the active language.

The device checks what an officer types without a connection, but holds no
message texts: it gives codes, and the page that loads it renders these
messages with json_script. They are the server's own texts (the same msgids
as villages/identity.py and Member.clean, so the same translations), with
%(name)s left where the device fills in a value (the number of digits, the
date a NIK holds). tests/villages/test_id_number_vectors.py proves that for
every case of tests/data/id_number_vectors.json the server says exactly the
message its code stands for here.
"""

from django.utils.translation import gettext as _


def _id_number_messages(label):
    return {
        "damaged": _(
            "%(label)s looks damaged by a spreadsheet (it was stored as a number, which keeps "
            "only 15 digits). Format the column as Text and type the number again."
        )
        % {"label": label},
        "required": _("%(label)s is required.") % {"label": label},
        "not_digits": _("%(label)s may contain digits only.") % {"label": label},
        "length": _("%(label)s must have 16 digits; this one has %(count)s.")
        % {"label": label, "count": "%(count)s"},
    }


def id_rule_messages():
    """{field: {code: message}} for every code static/js/id-rules.js gives."""
    return {
        "nik": {
            **_id_number_messages(_("NIK")),
            "serial": _(
                "The last four digits of a NIK cannot be 0000. If the number came from a "
                "spreadsheet, it was probably damaged: format the column as Text and type it again."
            ),
            "nik_date": _(
                "The NIK does not contain a real date of birth (digits 7 to 12 must be DDMMYY, "
                "with 40 added to the day for women)."
            ),
        },
        "no_kk": {
            **_id_number_messages(_("Family card number (No. KK)")),
            # A warning: the number is accepted.
            "kk_serial": _(
                "The No. KK ends in 0000. Check it against the family card: a number a spreadsheet "
                "stored as a number can end in zeros."
            ),
        },
        "birth_date": {
            "nik_birth_date": _("The date of birth does not match the NIK, which says %(date)s.")
            % {"date": "%(date)s"},
            "future": _("The date of birth cannot be in the future."),
        },
        "sex": {
            "nik_sex": _("The sex does not match the NIK (for women, 40 is added to the day of birth)."),
        },
        "departure_date": {
            "future": _("The departure date cannot be in the future."),
            "before_birth": _("The departure date cannot be before the date of birth."),
        },
        "return_date": {
            "future": _("The return date cannot be in the future."),
            "before_departure": _("The return date cannot be before the departure date."),
        },
    }
