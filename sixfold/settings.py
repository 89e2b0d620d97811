"""Sixfold settings: one module, configured by environment variables (see `.env.example`).

The embedded default needs nothing but Python: SQLite (WAL) under `var/`, a local-memory cache,
background tasks run inline, and secrets generated once into `var/`. `SIXFOLD_ENV=production`
requires every secret from the environment and turns on secure cookies and HSTS.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("SIXFOLD_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SIXFOLD_ENV = os.environ.get("SIXFOLD_ENV", "embedded")
PRODUCTION = SIXFOLD_ENV == "production"


def secret_from_env_or_var(name: str, generate) -> str:
    """Read a secret from the environment; in the embedded default, generate it once into var/."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when SIXFOLD_ENV=production")
    path = VAR_DIR / name.lower()
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = secret_from_env_or_var("SECRET_KEY", lambda: secrets.token_urlsafe(50))
SIXFOLD_PII_KEY = secret_from_env_or_var("SIXFOLD_PII_KEY", lambda: secrets.token_urlsafe(32))

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "sixfold.core",
    "sixfold.accounts",
    "sixfold.api",
    "sixfold.points",
    "sixfold.orders",
    "sixfold.services",
    "sixfold.party",
    "sixfold.party.checkup",
    "sixfold.party.dualreport",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sixfold.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "sixfold.orders.tasks.InProcessTimers",
]

ROOT_URLCONF = "sixfold.urls"
WSGI_APPLICATION = "sixfold.wsgi.application"

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
                "sixfold.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'sixfold.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and the writer work at once; IMMEDIATE avoids lock upgrades failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions, background work ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL or None
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Task modules not named tasks.py, which autodiscovery would not import on a worker.
CELERY_IMPORTS = ("sixfold.party.imports",)

# --- accounts and security ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- language and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("SIXFOLD_MANIFEST_STATIC", PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from the app folders without collectstatic in the embedded default.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "sixfold.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sixfold.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sixfold API",
    "DESCRIPTION": "REST API of the Sixfold community-governance platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # Several apps grade things; each grade enum keeps its own name.
    "ENUM_NAME_OVERRIDES": {
        "CheckupGradeEnum": "sixfold.party.checkup.models.Grade",
        "DualReportGradeEnum": "sixfold.party.dualreport.models.QuarterlyAssessment.Grade",
    },
}

# Filter drop-downs read 全部 / "All" when nothing is chosen, as the region filter does.
FILTERS_EMPTY_CHOICE_LABEL = _("All")

# --- logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "filters": {"request_id": {"()": "sixfold.core.middleware.RequestIdLogFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Sixfold --------------------------------------------------------------------------------------
SIXFOLD_GRID_HOUSEHOLDS = (500, 800)  # S26: a grid holds 500–800 households
# S2: the coverage audit lists members who contact more households than this (党员联系户).
_households = os.environ.get("SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER", "15").strip()
if not _households.isdigit() or int(_households) < 1:
    raise ImproperlyConfigured("SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER must be a whole number ≥ 1")
SIXFOLD_PARTY_HOUSEHOLDS_PER_MEMBER = int(_households)
# S22: ledger points credited per confirmed hour of a dual-reported member's service.
_per_hour = os.environ.get("SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR", "1").strip()
try:
    SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR = float(_per_hour)
except ValueError:
    SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR = -1.0
if not 0 <= SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR <= 100:
    raise ImproperlyConfigured("SIXFOLD_DUAL_REPORT_POINTS_PER_HOUR must be a number from 0 to 100")
# S8: the airing board's red list (at least this many stars) and yellow list (at most this many).
_red = os.environ.get("SIXFOLD_AIRING_RED_MIN_STARS", "8").strip()
_yellow = os.environ.get("SIXFOLD_AIRING_YELLOW_MAX_STARS", "3").strip()
if not (_red.isdigit() and _yellow.isdigit() and int(_yellow) < int(_red)):
    raise ImproperlyConfigured(
        "SIXFOLD_AIRING_RED_MIN_STARS and SIXFOLD_AIRING_YELLOW_MAX_STARS must be whole numbers, "
        "the yellow one below the red one"
    )
SIXFOLD_AIRING_RED_MIN_STARS, SIXFOLD_AIRING_YELLOW_MAX_STARS = int(_red), int(_yellow)
SIXFOLD_DEMO_PASSWORD = "sixfold-demo"

# --- work orders (sixfold.orders; see docs/operators.md) -----------------------------------------
SIXFOLD_ORDER_MAX_OPEN_CLAIMS = int(os.environ.get("SIXFOLD_ORDER_MAX_OPEN_CLAIMS", "5"))
SIXFOLD_ORDER_AUTO_CLOSE_DAYS = int(os.environ.get("SIXFOLD_ORDER_AUTO_CLOSE_DAYS", "7"))
SIXFOLD_ORDER_REOPEN_DAYS = int(os.environ.get("SIXFOLD_ORDER_REOPEN_DAYS", "15"))
SIXFOLD_ORDER_AUTO_PUBLISH = env_bool("SIXFOLD_ORDER_AUTO_PUBLISH", True)
SIXFOLD_ORDER_PHOTO_MAX_BYTES = int(os.environ.get("SIXFOLD_ORDER_PHOTO_MAX_BYTES", "5242880"))
# Points credited to (or, negative, debited from) the claimant's ledger.
SIXFOLD_ORDER_POINTS = {
    "resolved": 5,
    "on_time": 2,
    "good_rating": 3,
    "bad_rating": -3,
    "rework": -2,
}
# The timers run every five minutes under Celery beat; without a broker, `sixfold run_timers`
# from cron, or the web processes of the embedded default (see below), does the same.
# Without a broker there is no beat: the web processes run the timers themselves (not in tests).
SIXFOLD_ORDER_TIMERS_IN_PROCESS = env_bool(
    "SIXFOLD_ORDER_TIMERS_IN_PROCESS", not CELERY_BROKER_URL and "pytest" not in sys.modules
)
# Open311 (/open311/v2/) API keys of outside systems (a 12345 hotline …), each naming the login
# holding `orders.submit` that files their requests: "key1=username1,key2=username2". A user's
# API token works as a key too.
SIXFOLD_OPEN311_API_KEYS = {
    key.strip(): user.strip()
    for key, _sep, user in (
        item.partition("=") for item in env_list("SIXFOLD_OPEN311_API_KEYS", "") if "=" in item
    )
    if key.strip() and user.strip()
}
CELERY_BEAT_SCHEDULE = {
    "orders-run-timers": {"task": "sixfold.orders.run_timers", "schedule": 300.0},
}
