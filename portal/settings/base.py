"""Settings shared by every mode.

Every value that differs between the embedded single-machine default and the
production stack comes from an environment variable, read here once. The
defaults are the embedded mode: SQLite, in-process background work, the
embedded search backend and local file storage. Nothing secret lives here.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Writable state of the embedded mode (SQLite file, uploads, generated secret).
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

# The secret key comes from the environment; production refuses to start without one.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Domain core
    "portal.core",
    "portal.accounts",
    "portal.audit",
    "portal.catalog",
    "portal.subjects",
    "portal.records",
    "portal.reports",
    "portal.measures",
    "portal.objections",
    "portal.operations",
    # Data exchange, imports, search, public site
    "exchange",
    "importers",
    "search",
    "cms",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "portal.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# Database: DATABASE_URL selects PostgreSQL in production or another SQLite
# file; without it the embedded SQLite file under VAR_DIR serves.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while background work writes; IMMEDIATE
    # transactions make writers queue instead of failing with "database is locked".
    # A new database gets 16 KiB pages (the page size is fixed once the file has
    # content): records carry their fields as JSON of ~0.5-1 KiB, and a department's
    # million-row import writes a fifth less with them (docs/benchmarks.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            f"PRAGMA page_size={env_int('SQLITE_PAGE_SIZE', 16384)}; "
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Refuses locked-out accounts before the password is even checked.
    "portal.accounts.backends.LockoutModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins before a staff account is locked, and for how long.
PORTAL_LOGIN_MAX_FAILURES = env_int("PORTAL_LOGIN_MAX_FAILURES", 5)
PORTAL_LOGIN_LOCKOUT_MINUTES = env_int("PORTAL_LOGIN_LOCKOUT_MINUTES", 15)

LOGIN_URL = "/admin/login/"

# Staff must enrol an authenticator (TOTP) before using staff pages; on in production.
PORTAL_REQUIRE_SECOND_FACTOR = env_bool("PORTAL_REQUIRE_SECOND_FACTOR", False)
OTP_TOTP_ISSUER = "联合征信平台"

# Internationalisation: Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("PORTAL_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Evidence files and uploaded batches live outside the web root and are never served.
PORTAL_PRIVATE_STORAGE_ROOT = Path(env_str("PORTAL_PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PORTAL_PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": env_str(
            "DJANGO_STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Cache: local memory in the embedded mode, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal",
        }
    }

# Celery: with no broker configured, tasks run in-process (eagerly) so the
# embedded mode needs no Redis. The production stack sets CELERY_BROKER_URL.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True  # a worker lost mid-task leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic work; apps append their entries in their own AppConfig.ready().
CELERY_BEAT_SCHEDULE = {
    "refresh-public-states": {
        "task": "portal.records.tasks.refresh_public_states",
        "schedule": 60 * 60,
    },
    # Overdue objection and repair cases: one reminder a day per case (idempotent).
    "remind-overdue-cases": {
        "task": "portal.objections.tasks.remind_overdue_cases",
        "schedule": 60 * 60,
    },
    # Case emails whose first attempt failed (mail server down): tried again.
    "resend-case-notifications": {
        "task": "portal.objections.tasks.resend_pending_notifications",
        "schedule": 15 * 60,
    },
    # Search index outbox: retry changes a search-engine outage held back.
    "search-catch-up": {
        "task": "search.tasks.catch_up",
        "schedule": 60,
    },
    # Import batches a lost worker left half-done: their (idempotent) work sent again.
    "exchange-resume-stalled-batches": {
        "task": "exchange.tasks.resume_stalled_batches",
        "schedule": 10 * 60,
    },
}
# In the embedded mode, run enqueued tasks on a background thread after commit
# so web requests return at once; tests set this off to run them inline.
PORTAL_EAGER_TASKS_IN_THREAD = env_bool("PORTAL_EAGER_TASKS_IN_THREAD", True)

# Backups (docs/operations.md): the directory the daily archives are written to.
PORTAL_BACKUP_DIR = Path(env_str("PORTAL_BACKUP_DIR", str(VAR_DIR / "backups")))
# How many daily archives are kept there; older ones are deleted.
PORTAL_BACKUP_KEEP = env_int("PORTAL_BACKUP_KEEP", 14)
# Checked hourly, written once a local day, so a machine off at night still gets its backup.
CELERY_BEAT_SCHEDULE["daily-backup"] = {
    "task": "portal.operations.tasks.daily_backup",
    "schedule": 60 * 60,
}

# Search: "embedded" (SQLite FTS / database) by default, "elasticsearch" in production.
PORTAL_SEARCH_BACKEND = env_str("PORTAL_SEARCH_BACKEND", "embedded")
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "")
PORTAL_SEARCH_INDEX_PREFIX = env_str("PORTAL_SEARCH_INDEX_PREFIX", "portal")

# Wagtail's own admin search (snippet listings) uses the database.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_SITE_NAME = "联合征信平台"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt"]

# Identity numbers are kept only as a keyed hash and a masked form; this key
# makes the hash unguessable. Production must set it; the embedded mode
# derives one from the secret key.
PORTAL_IDENTITY_HASH_KEY = env_str("PORTAL_IDENTITY_HASH_KEY", "")

# Behind the production TLS proxy, per-client rate limits key on X-Forwarded-For.
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", False)

# The demo city: its name prefix matters for name matching.
PORTAL_CITY_NAME = env_str("PORTAL_CITY_NAME", "惠州")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Joint Credit Portal API",
    "VERSION": "1.0.0",
    "PREPROCESSING_HOOKS": ["portal.core.openapi.only_portal_api"],
}

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "noreply@credit.example.gov.cn")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PORTAL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's own housekeeping tasks log every run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

PORTAL_SITE_TITLE = _("联合征信平台")
