"""A URL configuration for tests/test_url_cache.py: the same names at other paths."""

from django.http import HttpResponse
from django.urls import include, path


def _view(request, **kwargs):
    return HttpResponse()


villages = (
    [
        path("elsewhere/", _view, name="list"),
        path("elsewhere/<str:code>/households/", _view, name="households"),
    ],
    "villages",
)

urlpatterns = [path("other/", include(villages))]
