"""Settings for the metrology plan portal: one module, every knob from the environment.

Defaults run locally with nothing installed (SQLite under var/, Celery tasks executed eagerly in
process); production is configured by environment variables only (see README.md, which lists
every variable read here — a test keeps the two in step).
"""

from datetime import timedelta
from pathlib import Path
import os

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Every environment variable this module reads, with its meaning; README.md and
# docker-compose.yml are checked against it by tests/unit/test_settings_env.py.
ENVIRONMENT_VARIABLES: dict[str, str] = {}


def env(name: str, default: str | None = None, *, help: str) -> str | None:
    """Return the environment variable `name` (or `default`) and record that it is a setting."""
    ENVIRONMENT_VARIABLES[name] = help
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, *, help: str) -> bool:
    value = env(name, "1" if default else "0", help=help)
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False, help="1 for development: detailed errors, a default SECRET_KEY.")

SECRET_KEY = env("SECRET_KEY", help="Django secret key; required unless DEBUG=1.")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

def env_list(name: str, default: str, *, help: str) -> list[str]:
    return [part.strip() for part in env(name, default, help=help).split(",") if part.strip()]


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost", help="Comma-separated host names the portal answers to.")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "", help="Comma-separated origins (scheme://host) trusted for HTTPS posts."
)

DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var"), help="Directory for the SQLite file and uploads."))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "csp",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by the app itself (offline)
    "targets",
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "metrology_portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Refuses NUL characters with a clear 400, gives bare 405s the portal's page (targets.views.errors).
    "metrology_portal.middleware.ErrorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Every page needs a login; this middleware is what enforces it for views.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Lockout after repeated failed logins; must come last (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "metrology_portal.urls"
WSGI_APPLICATION = "metrology_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "targets.context_processors.portal",
            ],
        },
    },
]

# --- Content Security Policy (django-csp) ----------------------------------------------------------
# Everything the portal runs comes from itself: no inline script or style, no eval, no frames, no
# outside address. plotly.js draws its charts with SVG and the style object (allowed); the app's own
# scripts replace what inline handlers and style attributes did (static/js/portal.js).
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

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env(
    "DATABASE_URL",
    f"sqlite:///{DATA_DIR / 'portal.sqlite3'}",
    help="Database URL, e.g. postgres://user:pass@host:5432/portal (default: SQLite under var/).",
)
# Health checks: a kept connection is tested before a request or task reuses it, so a database
# restart costs no request that comes after it (the web processes and workers need no restart).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`'s SQLite serves several requests at once too: a writer waits for the lock (busy
    # timeout) instead of failing with "database is locked", takes it when its transaction begins
    # (IMMEDIATE: no deadlock between two transactions that both read, then write), and WAL lets
    # readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "targets.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "targets:home"  # each role's own page (targets.views.home); ?next= wins
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out username + address pairs first
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: 5 failures for one username from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5", help="Failed logins (per username and address) before a lockout."))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15", help="Minutes a lockout lasts.")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle sessions end after 30 minutes: every request renews the cookie, silence lets it expire.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_MINUTES", "30", help="Minutes of inactivity after which a session ends.")) * 60
SESSION_SAVE_EVERY_REQUEST = True

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024  # evidence up to 20 MB plus the form around it

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"  # Chinese first: what a visitor sees before choosing
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: everything served by the app itself (offline intranet, no CDN) -----------
STATIC_URL = "static/"
# plotly.js comes from the plotly package itself (served at /static/plotly/plotly.min.js): no CDN.
import plotly as _plotly  # noqa: E402

STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", Path(_plotly.__file__).parent / "package_data")]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles"), help="Where collectstatic puts files."))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", help="Redis URL for the Celery broker and results; unset: tasks run eagerly.")
# memory://localhost/ rather than memory://: kombu warns "No hostname was supplied" on every task sent.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the portal still works: tasks run in-process at the call.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic jobs (run by `celery beat`). Times are Asia/Shanghai.
CELERY_BEAT_SCHEDULE = {
    "report-reminders": {
        # Emails reporters of units with missing reports 5 days before the due date and the day after.
        "task": "tasks.reminders.send_report_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "outbox-relay": {
        # Safety net for recompute requests the after-commit relay could not hand over.
        "task": "tasks.progress.relay_outbox",
        "schedule": 60.0,
    },
    "progress-nightly": {
        "task": "tasks.progress.recompute_all",
        "schedule": crontab(hour=2, minute=0),
    },
    "exports-expire": {
        # Deletes the files of expired exports (and gives up exports whose job was lost).
        "task": "tasks.exports.exports_expire",
        "schedule": crontab(hour=3, minute=30),
    },
    "briefings-build-due": {
        # Asks once for the quarterly briefing, BRIEFING_AFTER_DUE_DAYS days after the due date.
        "task": "tasks.exports.briefings_build_due",
        "schedule": crontab(hour=6, minute=0),
    },
}

# Exports (targets.exports) are built by the worker under MEDIA_ROOT/exports/ and kept this many
# days; the quarterly briefing is built automatically this many days after a period's due date.
EXPORT_KEEP_DAYS = max(1, int(env("EXPORT_KEEP_DAYS", "7", help="Days a finished export's file is kept for download.")))
BRIEFING_AFTER_DUE_DAYS = max(0, int(
    env("BRIEFING_AFTER_DUE_DAYS", "3", help="Days after a period's due date when its briefing is built automatically.")
))

# A full recompute (nightly, `recompute_progress`) splits the indicators over this many database
# connections working side by side, each indicator still swapped in one transaction.
PROGRESS_RECOMPUTE_CONNECTIONS = max(1, int(
    env("PROGRESS_RECOMPUTE_CONNECTIONS", "2", help="Database connections a full progress recompute uses side by side.")
))

# A shared cache where there is Redis (e.g. the once-a-day guard of reminder emails across
# worker processes); in-process memory otherwise.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    help="Email backend class; use django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST.",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost", help="SMTP host for reminders.")
EMAIL_PORT = int(env("EMAIL_PORT", "25", help="SMTP port."))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "", help="SMTP user.")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "", help="SMTP password.")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False, help="1 to use STARTTLS for SMTP.")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "portal@localhost", help="Sender address of emails.")

# --- Security -------------------------------------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES", False, help="1 behind HTTPS: cookies only over TLS.")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS (README "Behind a TLS proxy"): production's TLS ends at a proxy in front of gunicorn, which
# must say so in a header it sets itself (a client's own copy removed); the portal then redirects
# plain HTTP to HTTPS and tells browsers to keep to HTTPS (HSTS). docker-compose.yml turns all of
# it on; `manage.py check --deploy` with that environment gives no warning (a test runs it).
_PROXY_HEADER = env(
    "SECURE_PROXY_SSL_HEADER", "",
    help="Header the TLS proxy sets to 'https' on requests it received over TLS, e.g. X-Forwarded-Proto; empty: none.",
)
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_HEADER.strip().upper().replace("-", "_"), "https") if _PROXY_HEADER.strip() else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False, help="1 behind HTTPS: plain HTTP requests are redirected to HTTPS.")
# The container's health check asks gunicorn directly, over plain HTTP on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0", help="Seconds browsers keep to HTTPS for the portal's host (HSTS); 0: no HSTS header."))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", False, help="1: HSTS covers the host's subdomains too (includeSubDomains)."
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False, help="1: the HSTS header carries `preload` (consent to browsers' preload lists).")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so that an anonymous API call answers 401 (with WWW-Authenticate), not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,
    # Errors as {"errors": {field: [messages]}}; bad input is a 400, never a 500.
    "EXCEPTION_HANDLER": "targets.views.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wenzhou metrology plan portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets whose field names other endpoints use too ("kind", "status"): named, not numbered.
    "ENUM_NAME_OVERRIDES": {
        "ExportKindEnum": "targets.exports.KIND_CHOICES",
        "ExportStatusEnum": "targets.models.exports.Export.Status",
        "IndicatorKindEnum": "targets.models.plan.Indicator.Kind",
        "SubmissionStatusEnum": "targets.models.reporting.Submission.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", help="Log level (DEBUG, INFO, WARNING…).")},
    # One line per task run is noise in commands that run tasks eagerly; failures still show.
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}

# The plan file `make run` and the compose services load.
PLAN_FILE = Path(env("PLAN_FILE", str(BASE_DIR / "plans" / "wenzhou.yaml"), help="The plan file loaded at start."))

