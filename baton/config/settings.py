"""Baton settings, all from the environment.

Defaults are safe for production except where noted: DEBUG is off unless ``BATON_DEBUG=1``;
without ``SECRET_KEY`` a development key is used only when DEBUG is on (``baton run`` in the
trial set-up generates and stores one under ``var/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from baton.config.schedule import SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BATON_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("BATON_DEBUG")
TESTING = _env_bool("BATON_TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (VAR_DIR / "secret_key").exists():
    SECRET_KEY = (VAR_DIR / "secret_key").read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set (or BATON_DEBUG=1 for development).")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "baton.core",
    "baton.accounts",
    "baton.customers",
    "baton.assets",
    "baton.workflows",
    "baton.sla",
    "baton.notifications",
    "baton.tickets",
    "baton.web",
    "baton.automation",
    "baton.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "baton.core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "baton.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "baton.config.urls"
WSGI_APPLICATION = "baton.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "baton.web.context.baton",
            ],
        },
    }
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'baton.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (per server thread), as for PostgreSQL: opening one runs the PRAGMAs below
    # and closing the last one checkpoints the WAL. Per request that cost 3.5 ms of the 8.4 ms an API
    # creation took through gunicorn (bench/server.py: 118 -> 201 tickets/s).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "todo"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "baton" / "locale"]
TIME_ZONE = os.environ.get("BATON_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIR = BASE_DIR / "frontend" / "node_modules"
# Each front-end library is served from its own npm dist/ folder (see frontend/package.json).
_VENDOR = {
    "tabler": "@tabler/core/dist",
    "htmx": "htmx.org/dist",
    "alpinejs": "alpinejs/dist",
    "bpmn-js": "bpmn-js/dist",
    "camunda-moddle": "camunda-bpmn-moddle/resources",
}
STATICFILES_DIRS = [
    (f"vendor/{name}", FRONTEND_DIR / path)
    for name, path in _VENDOR.items()
    if (FRONTEND_DIR / path).exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("BATON_MEDIA_ROOT", VAR_DIR / "media"))

# Upload limits: the request body cap protects the server; attachments have their own cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
BATON_ATTACHMENT_MAX_BYTES = int(os.environ.get("BATON_ATTACHMENT_MAX_BYTES", 15 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("BATON_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

LOG_LEVEL = os.environ.get("BATON_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "spiff": {"level": "WARNING"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# Celery (production workers). `baton run` needs none of this: its embedded worker runs the same
# schedule in-process without a broker.
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = _env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"


CELERY_BEAT_SCHEDULE = {
    name: {"task": entry["task"], "schedule": entry["every"]} for name, entry in SCHEDULE.items()
}

BATON_TICKET_PREFIX = os.environ.get("BATON_TICKET_PREFIX", "WO")
# Rejections/returns that send a ticket back (reject → redo) allowed per ticket before it escalates
# to the department manager; a flow may set its own with the process property ``max_loops``.
BATON_MAX_LOOPS = int(os.environ.get("BATON_MAX_LOOPS", "5"))

# Notifications (baton.notifications; defaults and meaning in baton/notifications/conf.py).
# E-mail and SMS default to "log" backends so a trial sends nothing; set BATON_SMTP_HOST and/or
# BATON_SMS_PROVIDER (aliyun or tencent) with their keys for production.
_SMTP_HOST = os.environ.get("BATON_SMTP_HOST", "")
NOTIFICATIONS = {
    "BASE_URL": os.environ.get("BATON_BASE_URL", "http://127.0.0.1:8000"),
    "MAX_ATTEMPTS": int(os.environ.get("BATON_NOTIFY_MAX_ATTEMPTS", "8")),
    "EMAIL": {
        "BACKEND": os.environ.get("BATON_EMAIL_BACKEND", "smtp" if _SMTP_HOST else "log"),
        "HOST": _SMTP_HOST or "localhost",
        "PORT": int(os.environ.get("BATON_SMTP_PORT", "25")),
        "USER": os.environ.get("BATON_SMTP_USER", ""),
        "PASSWORD": os.environ.get("BATON_SMTP_PASSWORD", ""),
        "USE_TLS": _env_bool("BATON_SMTP_TLS"),
        "USE_SSL": _env_bool("BATON_SMTP_SSL"),
        "FROM": os.environ.get("BATON_EMAIL_FROM", "Baton <baton@localhost>"),
    },
    "SMS": {
        "PROVIDER": os.environ.get("BATON_SMS_PROVIDER", "log"),
        "SIGN_NAME": os.environ.get("BATON_SMS_SIGN_NAME", ""),
        # JSON, per event: {"sla_breach": {"id": "SMS_123", "params": ["ticket_number", "step_name"]}}
        "TEMPLATES": os.environ.get("BATON_SMS_TEMPLATES", ""),
        "ALIYUN": {
            "ACCESS_KEY_ID": os.environ.get("BATON_ALIYUN_ACCESS_KEY_ID", ""),
            "ACCESS_KEY_SECRET": os.environ.get("BATON_ALIYUN_ACCESS_KEY_SECRET", ""),
            "REGION": os.environ.get("BATON_ALIYUN_SMS_REGION", "cn-hangzhou"),
        },
        "TENCENT": {
            "SECRET_ID": os.environ.get("BATON_TENCENT_SECRET_ID", ""),
            "SECRET_KEY": os.environ.get("BATON_TENCENT_SECRET_KEY", ""),
            "SDK_APP_ID": os.environ.get("BATON_TENCENT_SMS_SDK_APP_ID", ""),
            "REGION": os.environ.get("BATON_TENCENT_SMS_REGION", "ap-guangzhou"),
        },
    },
}
