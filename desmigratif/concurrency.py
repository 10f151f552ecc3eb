"""Two people, one record: edits that notice each other, creates that happen once.

Optimistic locking. A record two roles can change (a household with its
members, a village profile, a problem, a progress report) has a ``version``.
Its edit form sends the version it showed (a hidden field ``version``); the
service moves the version on with ``UPDATE ... WHERE pk = ... AND version =
<seen>`` in its transaction, and when no row matches someone else saved in
between: it raises EditConflict and writes nothing. Callers that pass no
version (imports, the admin, commands) are not checked but still move the
version on, so a form opened before them notices.

Idempotent creates. A create form carries a random token (``form_token``,
made when the form is shown). create_once() claims the token and creates the
record in one transaction; the same form sent again (a double click) finds the
token and is sent to the first record instead of creating a second one.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

VERSION_FIELD = "version"
TOKEN_FIELD = "form_token"
TOKEN_LIFETIME = datetime.timedelta(days=1)


class EditConflict(ValidationError):
    """The record was saved by someone else after the form was opened."""

    def __init__(self, current_version=None):
        super().__init__(
            _("Someone else saved this record after you opened the form: nothing has been saved."),
            code="edit_conflict",
        )
        self.current_version = current_version


def seen_version(data):
    """The version a submitted form was opened at, or None when it sent none."""
    try:
        value = int(data.get(VERSION_FIELD, ""))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def claim_version(model, pk, seen=None) -> int:
    """Move the record's version on by one and return the new one; with ``seen``
    only if the record is still at that version, else raise EditConflict.

    One UPDATE: on PostgreSQL it locks the row until the transaction ends, so a
    second save of the same version waits, then matches no row and is refused."""
    rows = model._base_manager.filter(pk=pk)
    if seen is None:
        rows.update(**{VERSION_FIELD: F(VERSION_FIELD) + 1})
        return rows.values_list(VERSION_FIELD, flat=True).get()
    if not rows.filter(**{VERSION_FIELD: seen}).update(**{VERSION_FIELD: seen + 1}):
        raise EditConflict(rows.values_list(VERSION_FIELD, flat=True).first())
    return seen + 1


# Telling the user what is different -------------------------------------------------


def display_value(form, name):
    """The value a form field had when the form was built (the record as saved
    now), as a person reads it."""
    field = form.fields[name]
    value = form.get_initial_for_field(field, name)
    if isinstance(field, forms.ModelMultipleChoiceField):
        value = [str(obj) for obj in field.queryset.filter(pk__in=value or [])]
    elif isinstance(field, forms.ModelChoiceField):
        value = str(field.queryset.filter(pk=value).first() or "") if value is not None else None
    elif getattr(field, "choices", None) and not isinstance(value, list | tuple):
        labels = {str(key): label for key, label in field.choices}
        value = labels.get(str(value if value is not None else ""), value)
    if value is None or value == "" or value == []:
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return formats.date_format(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(formats.localize(value))


def differences(form, *, show_values=True, hidden=()):
    """The fields of a form bound to the user's input whose saved value (the
    form's initial, read now) is different: "label: saved value" texts. Fields
    in ``hidden`` (ID numbers) are named without their value."""
    texts = []
    for name in form.changed_data:
        if name not in form.fields or form.fields[name].widget.is_hidden:
            continue
        label = str(form.fields[name].label or name)
        if show_values and name not in hidden:
            texts.append(_("%(field)s: “%(value)s”") % {"field": label, "value": display_value(form, name)})
        else:
            texts.append(label)
    return texts


def conflict_message(what, details=()):
    """The message shown above a refused form: whose save won, what it changed,
    and how to go on."""
    text = _("%(what)s was saved by someone else after you opened this form, so nothing has been saved.") % {
        "what": what
    }
    if details:
        text += " " + _("The saved record now differs from your form here: %(details)s.") % {
            "details": "; ".join(details)
        }
    return (
        text
        + " "
        + _(
            "Your entries are still in the form: check them against the saved record, then save again "
            "to replace it, or cancel."
        )
    )


# Creating once -----------------------------------------------------------------------


def form_token(data=None):
    """The token a create form carries: the one it was sent with (the form shown
    again after an error keeps it) or a new one."""
    token = _token_in(data or {})
    return str(token or uuid.uuid4())


def _token_in(data):
    try:
        return uuid.UUID(str(data.get(TOKEN_FIELD, "")))
    except (TypeError, ValueError, AttributeError):
        return None


def sent_before(request):
    """Where the record of this create form is, if the form was sent before
    (checked before the form is validated: its record may make it invalid now,
    e.g. its NIKs are registered)."""
    from desmigratif.models import FormSubmission

    token = _token_in(request.POST)
    if token is None:
        return None
    sent = FormSubmission.objects.filter(token=token, user=request.user).exclude(url="").first()
    return sent.url if sent is not None else None


def create_once(request, create, url_of):
    """Run ``create()`` once per form token; returns ``(record, url)``, where
    record is None when this form had already been sent and ``url`` is where its
    record is. Without a token (an old page, a script) it simply creates.

    The token is claimed first, in the same transaction as the record: a second
    request with the same token waits on the unique index (PostgreSQL) until
    the first commits, then finds it; if the first failed (a form error),
    nothing of it stays and the form can be sent again."""
    from desmigratif.models import FormSubmission

    token = _token_in(request.POST)
    if token is None:
        record = create()
        return record, url_of(record)
    url = sent_before(request)
    if url is not None:
        return None, url
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(token=token, user=request.user)
        except IntegrityError:
            submission = None
        if submission is not None:
            record = create()
            submission.url = url_of(record)
            submission.save(update_fields=["url"])
            # Old tokens are worth nothing after a day: a cheap indexed delete.
            FormSubmission.objects.filter(created_at__lt=timezone.now() - TOKEN_LIFETIME).delete()
            return record, submission.url
    url = sent_before(request)
    if url is None:
        raise ValidationError(
            _("This form is being saved already. Please wait a moment and reload the page.")
        )
    return None, url


class VersionedAdminMixin:
    """The admin saves records itself, without a version: not checked, but the
    version moves on, so an edit form opened before the admin's change notices."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = claim_version(type(obj), obj.pk)
        super().save_model(request, obj, form, change)
