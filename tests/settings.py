"""Test settings: production settings with a throwaway key, a fast hasher and
plain static files (no collectstatic needed)."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-key-0123456789-abcdefghijklmnop")

from desmigratif.settings import *  # noqa: E402,F403
from desmigratif.settings import Q_CLUSTER, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False

# No collectstatic in tests: serve from the source folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Background jobs run at once, inside the request or command that queues them.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}

# A stand-in for the read replica: the same test database through a second
# connection. Reads go to it only in the router tests (tests/test_replica.py
# turns REPLICA_READS on); everywhere else every query is on "default".
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}  # noqa: F405
REPLICA_READS = False
