from django import template

register = template.Library()


@register.inclusion_tag("_sort_header.html")
def sort_header(sort, key, label, css_class=""):
    """A column header that sorts the list by ``key`` (desmigratif.paging.Sort)."""
    active = sort.key == key
    return {
        "label": label,
        "query": sort.link_query(key),
        "active": active,
        "descending": active and sort.descending,
        "css_class": css_class,
    }
