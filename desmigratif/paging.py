"""Paging and sorting of list pages, done the same way on every page.

A page number that is not a number, or below 1, shows the first page, one
past the end the last page ("last" asks for it by name), never an error:
these numbers come from links people bookmark while the list changes under
them. A sort that is not offered is ignored: the default order."""

from django.conf import settings
from django.core.paginator import Paginator


def query_without(request, *names):
    """The request's query string minus ``names``: what links on the page
    must carry along (filters, sort) when they change one thing."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def paginate(request, object_list, *, per_page=None, count=None):
    """The requested page of ``object_list`` and the query string its page
    links start from (templates/_pagination.html). ``count``: the number of
    rows when the caller knows it already (spares the COUNT query)."""
    paginator = Paginator(object_list, per_page or settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count
    number = (request.GET.get("page") or "").strip()
    if number == "last":
        number = paginator.num_pages
    try:
        number = int(number)
    except ValueError:
        number = 1
    number = max(1, min(number, paginator.num_pages))
    return paginator.page(number), query_without(request, "page")


def _descending(field):
    return field[1:] if field.startswith("-") else f"-{field}"


class Sort:
    """The order a user chose with ``?sort=<column>`` or ``?sort=-<column>``.

    ``columns`` maps each sortable column to the fields it orders by; the
    last field should be unique so that paging is stable. ``default`` is a
    key of ``columns``, with "-" for descending."""

    def __init__(self, request, columns, *, default):
        value = (request.GET.get("sort") or "").strip()
        if value.removeprefix("-") not in columns:
            value = default
        self.value = value
        self.key = value.removeprefix("-")
        self.descending = value.startswith("-")
        fields = columns[self.key]
        self.order_by = tuple(_descending(f) for f in fields) if self.descending else tuple(fields)
        # A new order starts again at page 1, with the filters kept.
        self.base_query = query_without(request, "sort", "page")

    def link_query(self, key):
        """The query string of a column header: this column ascending, or
        descending when it is already the ascending sort."""
        value = f"-{key}" if key == self.key and not self.descending else key
        return f"{self.base_query}&sort={value}" if self.base_query else f"sort={value}"
