"""Form fields with Bootstrap's classes, for templates/_field.html: the pages
an officer uses all day render their fields through it instead of
crispy-forms, whose per-field templates cost several times more (see
desmigratif/form_renderer.py and bench/officer_pages.py)."""

from django import forms, template
from django.utils.safestring import mark_safe

from desmigratif.form_renderer import _text

register = template.Library()


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def bootstrap_widget(field):
    """The field's widget with the classes crispy-bootstrap5 gives it (so the
    page looks the same): the widget's kind (``textinput``, ``select``...),
    Bootstrap's control class and ``is-invalid`` when the field has errors.
    Django adds ``aria-invalid`` and ``aria-describedby`` (help text, errors)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "checkboxinput form-check-input"
    elif isinstance(widget, forms.Select):
        css = "select form-select"
    else:
        css = f"{type(widget).__name__.lower()} form-control"
    if field.errors:
        css += " is-invalid"
    if widget.attrs.get("class"):
        css = f"{widget.attrs['class']} {css}"
    return field.as_widget(attrs={"class": css})


def _errors(field, tag):
    if not field.errors:
        return ""
    spans = "".join(
        f'<{tag} id="error_{number}_{_text(field.auto_id)}"><strong>{_text(error)}</strong></{tag}>'
        for number, error in enumerate(field.errors, 1)
    )
    return f'<div id="{_text(field.auto_id)}_error" class="invalid-feedback">{spans}</div>'


def _help_text(field):
    if not field.help_text:
        return ""
    return f'<div id="{_text(field.auto_id)}_helptext" class="form-text">{_text(field.help_text)}</div>'


@register.filter
def bootstrap_field(field, error_tag="span"):
    """templates/_field.html written in Python, to the byte (tests/test_form_fields.py
    compares the two): the household form repeats it for some twenty fields of
    every member, and an include per field was most of what was left of that
    page's template time. ``|bootstrap_field:"p"`` writes the errors in a <p>,
    as crispy-forms' ``|as_crispy_field`` does (the same HTML but for its
    whitespace, at a small part of its cost: the staff's filter forms)."""
    if error_tag not in ("span", "p"):
        raise ValueError(f"bootstrap_field writes errors in a span or a p, not {error_tag!r}")
    if field.is_hidden:
        return mark_safe(f"{_text(field)}\n")  # noqa: S308 (escaped by _text)
    required = field.field.required
    star = '<span class="asteriskField">*</span>' if required else ""
    label_class = " requiredField" if required else ""
    auto_id = _text(field.auto_id)
    label_for = _text(field.id_for_label)
    label = _text(field.label)
    widget = _text(bootstrap_widget(field))
    if is_checkbox(field):
        html = (
            f'<div class="mb-3"><div id="div_{auto_id}" class="form-check">\n'
            f'{widget} <label for="{label_for}" class="form-check-label{label_class}">{label}{star}</label>\n'
            f"{_errors(field, error_tag)}\n{_help_text(field)}\n</div></div>\n"
        )
    else:
        html = (
            f'<div id="div_{auto_id}" class="mb-3">\n'
            f'<label for="{label_for}" class="form-label{label_class}">{label}{star}</label>\n'
            f"{widget}\n{_errors(field, error_tag)}\n{_help_text(field)}\n</div>\n"
        )
    return mark_safe(html)  # noqa: S308 (every value above is escaped by _text)
