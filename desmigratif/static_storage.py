"""The static files storages of STORAGES["staticfiles"], remembering the URL
of each file: every page asks for the same eight or so ({% static %} in
base.html: the stylesheets, scripts and icons), and working one out (the
hashed name from the manifest, quoting, joining to STATIC_URL) costs more
than looking it up. A file's URL cannot change while the process runs: the
manifest is read once when the storage starts, and without one the URL is
the name under STATIC_URL. A name that has no URL (not in the manifest)
raises every time, as before.
"""

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedURLsMixin:
    def url(self, name, force=False):
        urls = self.__dict__.setdefault("_remembered_urls", {})
        key = (name, force)
        try:
            return urls[key]
        except KeyError:
            url = urls[key] = super().url(name, force=force) if force else super().url(name)
            return url


class ManifestStaticStorage(RememberedURLsMixin, CompressedManifestStaticFilesStorage):
    """Production: hashed, compressed files (collectstatic)."""


class PlainStaticStorage(RememberedURLsMixin, StaticFilesStorage):
    """Development: the files from the source folders."""
