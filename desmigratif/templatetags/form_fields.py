"""Form fields with Bootstrap's classes, for templates/_field.html: the pages
an officer uses all day render their fields through it instead of
crispy-forms, whose per-field templates cost several times more (see
desmigratif/form_renderer.py and bench/officer_pages.py)."""

from django import forms, template

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
