from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# How an agency covers a pillar in a village (selectors.coverage_matrix):
# the badge's colour, with its meaning also in words (title and legend).
BADGE_CLASSES = {
    "commitment": "text-bg-primary",
    "programme": "text-bg-info",
    "both": "text-bg-success",
}


def coverage_labels():
    return {
        "commitment": _("MOU commitment realised"),
        "programme": _("programme with realised budget"),
        "both": _("MOU commitment realised and programme with realised budget"),
    }


# A page of 500 villages has a few thousand badges but only a few dozen
# different ones: each is escaped and formatted once. The label is part of
# the key, so each language has its own.
@lru_cache(maxsize=2048)
def _badge(short_name, how, label):
    return format_html(
        '<span class="badge {} me-1" title="{}">{}</span>', BADGE_CLASSES[how], label, short_name
    )


@lru_cache(maxsize=16)
def _nobody(label):
    return format_html('<td class="table-warning"><span class="badge text-bg-warning">{}</span></td>', label)


@register.filter
def coverage_cells(cells):
    """The pillar cells of one coverage row as table cells. One call per row,
    not a template loop per agency, keeps a page of 500 villages fast."""
    labels = coverage_labels()
    nobody = _nobody(_("no one"))
    html = []
    for cell in cells:
        if cell:
            html.append("<td>")
            html.extend(_badge(short_name, how, labels[how]) for short_name, how in cell)
            html.append("</td>")
        else:
            html.append(nobody)
    # Every part is either fixed markup or came escaped from format_html.
    return mark_safe("".join(html))


@register.simple_tag
def coverage_legend():
    labels = coverage_labels()
    return format_html_join(
        "",
        '<li class="list-inline-item me-3"><span class="badge {}">&nbsp;</span> {}</li>',
        ((BADGE_CLASSES[how], labels[how]) for how in ("commitment", "programme", "both")),
    )
