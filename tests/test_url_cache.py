"""{% url %} (desmigratif.templatetags.url_cache, a template builtin) gives the
same URLs as Django's own tag, and remembers them only as long as they hold:
a new URL configuration or script prefix gives the new URLs."""

import pytest
from django.template import Context, Template, engines
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix

from desmigratif.templatetags import url_cache


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def django_render(source, **context):
    """The same template through Django's own {% url %} tag."""
    return Template(source).render(Context(context))


@pytest.fixture(autouse=True)
def fresh_cache():
    url_cache._reverse.cache_clear()
    yield
    url_cache._reverse.cache_clear()


def test_the_portals_templates_use_the_remembering_tag():
    template = engines["django"].from_string("{% url 'villages:list' %}")
    nodes = template.template.nodelist.get_nodes_by_type(URLNode)
    assert [type(node) for node in nodes] == [url_cache.CachedURLNode]


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'villages:list' %}",
        "{% url 'villages:households' code=code %}",
        "{% url 'villages:households' code %}",
        "{% url 'villages:household' code=code pk=pk %}",
        "{% url 'villages:households' code=code as link %}[{{ link }}]",
        "{% url 'no:such' as link %}[{{ link }}]",
        "{% url name code=code %}",
        "{% url 'villages:households' code=weird %}",
        "{% autoescape off %}{% url 'villages:households' code=weird %}{% endautoescape %}",
    ],
)
def test_urls_are_those_of_djangos_tag(source):
    values = {"code": "35.24.07.2004", "pk": 12, "name": "villages:households", "weird": "a&b'<c>"}

    assert render(source, **values) == django_render(source, **values)
    assert render(source, **values) == django_render(source, **values)  # remembered


def test_a_name_that_does_not_reverse_raises_as_djangos_tag_does():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no:such' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'villages:households' %}")  # the code is missing


def test_the_same_url_is_reversed_once(monkeypatch):
    calls = []
    reverse = url_cache.reverse
    monkeypatch.setattr(url_cache, "reverse", lambda *a, **k: calls.append(a) or reverse(*a, **k))

    for code in ("35.24.07.2004", "35.24.07.2004", "35.24.07.2005"):
        render("{% url 'villages:households' code=code %}", code=code)

    assert len(calls) == 2


def test_an_argument_that_is_not_a_string_or_number_is_reversed_every_time(monkeypatch):
    class Code:
        def __str__(self):
            return "35.24.07.2004"

    calls = []
    monkeypatch.setattr(url_cache, "reverse", lambda *a, **k: calls.append(a))

    html = [render("{% url 'villages:households' code=code %}", code=Code()) for _ in range(2)]

    assert html == ["/desa/35.24.07.2004/rumah-tangga/"] * 2
    assert calls == []  # Django's own tag did it


def test_another_url_configuration_gives_its_own_urls():
    source = "{% url 'villages:list' %} {% url 'villages:households' code='35.24.07.2004' %}"
    assert render(source) == "/desa/ /desa/35.24.07.2004/rumah-tangga/"

    with override_settings(ROOT_URLCONF="tests.url_cache_urls"):
        assert render(source) == "/other/elsewhere/ /other/elsewhere/35.24.07.2004/households/"

    assert render(source) == "/desa/ /desa/35.24.07.2004/rumah-tangga/"


def test_a_script_prefix_is_part_of_the_url():
    assert render("{% url 'villages:list' %}") == "/desa/"
    set_script_prefix("/portal/")
    try:
        assert render("{% url 'villages:list' %}") == "/portal/desa/"
    finally:
        clear_script_prefix()
    assert render("{% url 'villages:list' %}") == "/desa/"
