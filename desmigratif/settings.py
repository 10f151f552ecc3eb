"""Settings for the Desmigratif portal, read from the environment.

Every variable is listed in the README. Without any, the portal runs in
development mode (DEBUG on, a SQLite file). A production server sets DEBUG=0
and SECRET_KEY; then every default is the production one and
``manage.py check --deploy`` reports nothing.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-development-only-never-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    # A production server must never start with a guessable key.
    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, opening only after the second factor (desmigratif/two_factor.py).
    "desmigratif.apps.VerifiedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_q",
    # Two-factor sign-in (desmigratif/two_factor.py): authenticator apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "desmigratif",
    "villages",
    # Survey imports: after villages, which it depends on (never the other way).
    "surveys",
    # Offline entry on officers' phones: the sync endpoint (after villages, which it writes through).
    "offline",
    "pillars",
    "coordination",
    # The pages that combine all three apps: they read, never write records.
    "dashboards",
    "reports",
    # The read-only JSON API for other ministries' systems (dashboards/api.py).
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
]

MIDDLEWARE = [
    # First: one log line per request, static files and redirects included.
    "desmigratif.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy.
    "csp.middleware.CSPMiddleware",
    "desmigratif.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read-only pages read from the replica (DATABASE_REPLICA_URL), unless the browser just wrote.
    "desmigratif.db_router.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "desmigratif.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL byte in the address (404) or a parameter (400) never reaches a view.
    "desmigratif.middleware.RefuseNulBytesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: it tells the user why they were signed out.
    "desmigratif.middleware.SessionLimitsMiddleware",
    # The code after the password (or its setup) before anything else, the
    # password change included: an account is changed only by whoever proved both.
    "desmigratif.two_factor.SecondFactorMiddleware",
    # After the session limits: a password an administrator set is changed before anything else.
    "desmigratif.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "desmigratif.urls"
WSGI_APPLICATION = "desmigratif.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} remembering the URLs it reverses (the menu and tabs of every page).
            "builtins": ["desmigratif.templatetags.url_cache"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "desmigratif.context_processors.access",
                "reports.context_processors.review_queue",
                "offline.context_processors.device",
            ],
        },
    },
]

# Database: a SQLite file beside the code unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; IMMEDIATE avoids
    # "database is locked" when two writers start a transaction together.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Behind PgBouncer in transaction pooling (DB_PGBOUNCER=1) a server-side
# cursor cannot live across transactions: .iterator() then reads in chunks on
# the client instead (README, "Database connections").
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)
if DB_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# A streaming read replica (README, "Read replica"): the read-only pages read
# from it (desmigratif/db_router.py). A replica that does not answer within
# connect_timeout is left alone for 30 s and the primary answers instead.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2, **DATABASES["replica"].get("OPTIONS", {})}
    if DB_PGBOUNCER:
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Tests run against the primary's test database, never a real replica.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["desmigratif.db_router.ReplicaRouter"]
REPLICA_READS = bool(DATABASE_REPLICA_URL)
# After a POST the browser reads from the primary this long (its own writes).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
# A replica further behind than this is not read (0: lag not measured).
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)

# The cache: per process without Redis (development, one server); with
# REDIS_URL shared by every web process and server (the overview's counts,
# the API's rate limit). A Redis fault is a cache miss, never an error page
# (desmigratif/cache.py): short timeouts, and no retries.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "desmigratif.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "desmigratif"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions stay in the database (not cached_db): a sign-out while Redis is
# down could not delete the cached copy, which would come back with Redis
# (README, "Shared state on Redis").
# desmigratif/sessions.py is Django's database backend with a cheaper save:
# every signed-in request writes its session (the exact idle timeout).
SESSION_ENGINE = "desmigratif.sessions"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "desmigratif.User"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username+address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The portal's own address, for links in e-mails (reports.notices), which are
# read outside any request.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Reset links (desmigratif/accounts.py): an e-mailed link is valid
# PASSWORD_RESET_TIMEOUT (Django's 3 days), one an administrator hands over by
# phone 24 hours; either is spent once the password changed.
ADMIN_RESET_LINK_TIMEOUT = 24 * 60 * 60

# Mail (password reset links, review notices) over SMTP when EMAIL_HOST is
# set. Without it, development prints mail to the console; production sends
# none, rather than write reset links into the server log.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Desmigratif <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# Login throttling (django-axes): the lock is on the pair username + address,
# so a stranger guessing one officer's name cannot lock a whole village office
# (which shares one address) out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock lasts the cool-off from the last failure before it, as the
# lock-out page says; trying again while locked does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "desmigratif.views.locked_out"
# The client address (desmigratif.net.client_ip): behind TRUSTED_PROXY_COUNT
# reverse proxies, each appending the address it was contacted from to
# X-Forwarded-For, the client is that many addresses from the right; anything
# further left was sent by the client and may be forged. With 0 the header is
# ignored. (The variable keeps its old name; the setting may not: django-axes
# reads a setting AXES_PROXY_COUNT itself, with other rules.)
TRUSTED_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "desmigratif.net.client_ip"
AXES_VERBOSE = False

# Two-factor sign-in (desmigratif/two_factor.py): the roles that must use it.
# Administrators and ministry staff by default; an administrator switches
# province and regency staff on in the admin (desmigratif.SecondFactorPolicy),
# or the deployment requires them always with OTP_REQUIRED_ROLES.
# Everyone else may turn it on from the account menu. "none" only for the load
# test's throwaway servers (deploy/loopback/run); `check --deploy` warns when
# administrators or ministry staff are left out. Wrong codes count with
# django-axes like wrong passwords; anyone with the Django admin needs it too.
OTP_REQUIRED_ROLES = {
    role for role in env_list("OTP_REQUIRED_ROLES", ["administrator", "ministry"]) if role != "none"
}
OTP_TOTP_ISSUER = "Desmigratif"

# Sessions end after SESSION_IDLE_MINUTES without a request, and at the latest
# SESSION_MAX_HOURS after sign-in (desmigratif.middleware.SessionLimitsMiddleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
# The session stores the time of a request at most once a step (not a write on
# every page), so it ends between the idle timeout and one step later.
SESSION_ACTIVITY_STEP = timedelta(seconds=60)
SESSION_MAX_AGE = timedelta(hours=env_int("SESSION_MAX_HOURS", 8))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Indonesian first; English on request (language switch in the page header).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True
# One date and number style per language (desmigratif/formats/<lang>/formats.py):
# "2 Des 2026", "2 Des 2026 14.05", "100,0%". Numbers are not grouped by default
# (USE_THOUSAND_SEPARATOR stays off): years, ids and page numbers are printed
# into links and text all over the templates and must never read "2.026";
# counts and amounts are grouped on purpose (desmigratif/templatetags/numbers.py).
FORMAT_MODULE_PATH = ["desmigratif.formats"]
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Uploads, error reports and MOU PDFs: in S3-compatible object storage when
# S3_BUCKET is set (every app server and worker sees them), else in
# MEDIA_ROOT, which must then be one shared volume (NFS) for several servers.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            # The bucket must be private (block public access): files are
            # served only through the portal's own views, after the access
            # check, never by a bucket URL. No ACL is sent: buckets with ACLs
            # disabled (the default on AWS) refuse uploads that carry one.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        # Hashed, compressed files in production (run collectstatic); plain
        # files from the source folders while developing.
        # (desmigratif.static_storage: whitenoise's and Django's, remembering each file's URL.)
        "BACKEND": "desmigratif.static_storage.ManifestStaticStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "desmigratif.static_storage.PlainStaticStorage",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Inputs and selects written in Python, the same HTML as Django's templates at
# a fraction of the CPU (the household form repeats them for every member).
FORM_RENDERER = "desmigratif.form_renderer.FormRenderer"

# Production safety: each can be relaxed by its environment variable (README).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: page scripts are static files, data for
# them travels in json_script blocks or data- attributes (README, "Security headers").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe the health checks over plain HTTP (desmigratif/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

PAGE_SIZE = env_int("PAGE_SIZE", 25)
# Searches by a full NIK or No. KK per user and hour, for the roles that see
# numbers masked: enough for reviewing, far too few to try a 4-digit serial.
NIK_LOOKUP_PER_HOUR = env_int("NIK_LOOKUP_PER_HOUR", 30)

# The JSON API (/api/v1/): read-only, token-authenticated (tokens are made by
# administrators in /admin/ or with `manage.py drf_create_token`), scoped like
# the pages, and throttled per user (per address for requests without a token).
REST_FRAMEWORK = {
    # The API's views name dashboards.api.TokenAuthentication (the same check,
    # with a clear message for a deactivated user); it cannot be the default
    # here, because DRF imports the default before any view module exists.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},
    # Throttling without a token keys on the client address, read as for sign-ins.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Desmigratif API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Read-only JSON API of the Desmigratif portal: the overview of the enrolled villages and "
        "each village's indicators, for other ministries' systems. Every request but the schema "
        "needs a token (header `Authorization: Token <key>`); the answer holds only the villages "
        "in the scope of the token's user, as the portal's pages do."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# Survey imports (surveys/import_jobs.py). An upload larger than this is
# refused with a message; uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go to a
# temporary file (FILE_UPLOAD_TEMP_DIR, the system's by default) instead of
# memory, so a 50 MB survey never sits in the web process's memory.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 50)
# What an upload may hold once unpacked: a small .xlsx can unpack to hundreds
# of MB ("zip bomb"). Our own export of a 100,000-member survey unpacks to
# about 82 MB (openpyxl writes every text inline; Excel's files are smaller)
# and has 2,000,000 cells, so a real survey of 150,000 rows passes.
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 150)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 150_000)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 4_000_000)
# The admin's import (surveys/admin.py) checks and writes within the request:
# files of up to this many rows (about a second of checking); larger ones go
# to the import page, a background job.
IMPORT_ADMIN_MAX_ROWS = env_int("IMPORT_ADMIN_MAX_ROWS", 5_000)
# A running import whose worker has not been heard of for this long has died
# (the worker beats every sixth of it): it is marked failed, never re-run.
IMPORT_WORKER_TIMEOUT_SECONDS = env_int("IMPORT_WORKER_TIMEOUT_SECONDS", 180)
# Error reports hold rejected rows with full NIKs; uploads checked but never
# confirmed are deleted after IMPORT_UNCONFIRMED_RETENTION_HOURS
# (surveys.import_jobs.purge_import_files, hourly).
IMPORT_REPORT_RETENTION_DAYS = env_int("IMPORT_REPORT_RETENTION_DAYS", 7)
IMPORT_UNCONFIRMED_RETENTION_HOURS = env_int("IMPORT_UNCONFIRMED_RETENTION_HOURS", 24)
# Exports of more rows than this (or of the whole country) are prepared by
# the worker instead of inside the request (desmigratif.exports); ~1 s of
# writing. Their files are deleted EXPORT_RETENTION_HOURS after they are ready.
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 5_000)
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 24)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB, Django's default, stated on purpose
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
# Form fields other than files (uploaded files do not count here).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Background jobs (django-q2) on the database: no extra server. `make run`
# starts the worker (`manage.py qcluster`) next to the web server; a
# production server runs it as its own service. One worker: imports run one
# at a time. An import may take up to an hour (timeout); retry is longer than
# the timeout so a slow import is never started twice, and a failed one is
# not retried (max_attempts 1): the user sees the failure and uploads again.
# django-q2 counts an attempt only when the worker reports back, so a task
# whose worker was killed would be delivered again after `retry`: the import
# tasks claim their job first and do nothing when it is not theirs to run.
Q_CLUSTER = {
    "name": "desmigratif",
    "orm": "default",
    # Two workers where the database takes concurrent writers, so a long
    # export does not hold back the imports and the minutely dashboard count;
    # one on SQLite, which locks the whole file for each writer.
    "workers": env_int("QUEUE_WORKERS", 1 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 2),
    "timeout": 3600,
    "retry": 3700,
    "max_attempts": 1,
    "catch_up": False,
}
if REDIS_URL:
    # With Redis the queue is on its broker (shared by every server), not the
    # database; a Redis that does not answer makes the upload fail at once with
    # a message (surveys.import_jobs.enqueue), not hang.
    from redis.connection import parse_url

    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = {**parse_url(REDIS_URL), "socket_connect_timeout": 2}
# The queue's records of finished jobs are deleted after this many days, and
# expired sessions every night (desmigratif/schedules.py).
TASK_RETENTION_DAYS = env_int("TASK_RETENTION_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One key=value line per request (desmigratif.middleware.RequestLogMiddleware):
        # LOG_REQUESTS=0 silences it (e.g. when the proxy's access log is enough).
        "desmigratif.requests": {"level": "INFO" if env_bool("LOG_REQUESTS", True) else "WARNING"},
    },
}
