"""Django's {% url %} tag with the URLs it reverses remembered.

Installed as a template builtin (TEMPLATES OPTIONS "builtins"), so it takes
the place of Django's own tag in every template without a {% load %}. Django's
reverse() walks the URL resolver's namespaces and patterns on every call; a
page with its menu and tabs reverses fifteen to thirty URLs that are the same
on every request (about a twentieth of an officer page's CPU,
bench/load_mix.py). The URL for the same name and arguments is the same until
the URL configuration changes, so it is remembered, keyed by everything
reverse() reads: the resolver (a new one after clear_url_caches(), e.g. a test
that changes ROOT_URLCONF), the script prefix, the language, the namespace of
the current app, the name and the arguments. Only names and arguments that
are plain strings and integers are remembered (a record id, a village code);
anything else (a model instance, a lazy string) is reversed every time, as by
Django's tag. A name that does not reverse raises or gives "" exactly as
Django's tag does.
"""

import functools

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()

# Enough for the menus and tabs of a few thousand villages' pages; links with
# record ids beyond that are evicted oldest first.
CACHE_SIZE = 8192


@functools.lru_cache(maxsize=CACHE_SIZE)
def _reverse(resolver, urlconf, prefix, language, current_app, view_name, args, kwargs):
    # resolver, prefix and language are part of the key only: reverse() finds
    # the same ones itself.
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def _plain(value):
    # A name written in the template arrives as a SafeString.
    return type(value) in (str, SafeString, int)


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((name, value.resolve(context)) for name, value in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        if not (
            _plain(view_name)
            and (current_app is None or _plain(current_app))
            and all(map(_plain, args))
            and all(_plain(value) for _name, value in kwargs)
        ):
            return super().render(context)
        urlconf = get_urlconf()
        url = ""
        try:
            url = _reverse(
                get_resolver(urlconf),
                urlconf,
                get_script_prefix(),
                translation.get_language(),
                current_app,
                view_name,
                args,
                kwargs,
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
