"""Django's form renderer with the commonest widget templates written in Python.

Django renders every widget through templates: a text input through three
(text.html, input.html, attrs.html), a <select> through two plus two for each
<option>. The household form repeats about twenty fields and seventy options
for every member (and once more for the empty row the "add member" button
copies), so these small templates were most of that page's CPU time: about
1,000 template renders for a household of four (bench/officer_pages.py).

FORM_RENDERER points here. The widgets whose template is one of Django's own
input, select or textarea templates are written out below as those templates
write them, to the byte (tests/test_form_renderer.py compares the two for
every kind of value); everything else (other templates, a widget with a
template of its own, forms, labels, error lists) goes through the templates as
before. These templates are not overridden anywhere in the project or its
apps; a project template of the same name would be ignored for these widgets.
"""

from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "checkbox",
        "search",
        "tel",
        "color",
    )
)
SELECT_TEMPLATE = f"{WIDGETS}select.html"
OPTION_TEMPLATE = f"{WIDGETS}select_option.html"
TEXTAREA_TEMPLATE = f"{WIDGETS}textarea.html"


def _text(value):
    """{{ value }} in a template: localised, then escaped unless safe."""
    return conditional_escape(localize(template_localtime(value)))


def _string(value):
    """{{ value|stringformat:'s' }}: a safe value stays safe (an is_safe filter)."""
    text = stringformat(value, "s")
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget):
    value = "" if widget["value"] is None else f' value="{_string(widget["value"])}"'
    attrs = _attrs(widget["attrs"])
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{attrs}>'


def _select(widget):
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"  # the option template's last line break
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget):
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return mark_safe(_input(widget))
            if template_name == SELECT_TEMPLATE and all(
                option["template_name"] == OPTION_TEMPLATE
                for _name, options, _index in widget["optgroups"]
                for option in options
            ):
                return mark_safe(_select(widget))
            if template_name == TEXTAREA_TEMPLATE:
                return mark_safe(_textarea(widget))
        return super().render(template_name, context, request)
