"""Settings shared by every mode.

Every value that differs between the embedded single-machine default and the
production stack comes from an environment variable, read here once. The
defaults are the embedded mode: SQLite, in-process background work, the
embedded search backend and local file storage. Nothing secret lives here.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.utils.translation import gettext_lazy as _

from portal.env import (
    env_bool,
    env_int,
    env_list,
    env_optional_int,
    env_rate_limits,
    env_str,
)

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
    "portal.departments",
    "portal.catalog",
    "portal.subjects",
    "portal.records",
    "portal.reports",
    "portal.measures",
    "portal.objections",
    "portal.incidents",
    "portal.operations",
    "portal.queries",
    "portal.assessment",
    "portal.statistics",
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
    # Editors translate pages into English (a page tree per locale); replaces wagtail.locales.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.embeds",
    "wagtail.sites",
    # wagtail.users, its group editor audited (portal/accounts/role_audit.py).
    "portal.accounts.wagtail_users.AuditedWagtailUsersConfig",
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
    "drf_spectacular_sidecar",  # Swagger UI served by the app: /api/v1/docs/ works offline
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
    # The public page cache (cms.pagecache): keeps and validates answers out here, where the
    # cookies and Vary headers every inner middleware adds are visible ...
    "cms.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.audit.acting.ActingUserMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.accounts.policy.IdleTimeoutMiddleware",
    "portal.accounts.second_factor.SecondFactorMiddleware",
    "portal.accounts.policy.PasswordPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # ... and serves them last, once the language is known, before any URL or page lookup.
    "cms.pagecache.CachedPageMiddleware",
    # Pages the cache did not answer: the Wagtail site from the process's memo (cms.sites).
    "cms.sites.KnownSiteMiddleware",
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
# Opening an SQLite connection reads the whole schema (about 400 entries with the search
# index's tables: ~11 ms, a fifth of a rendered search page), so the embedded mode keeps
# each worker thread's connection; PostgreSQL's are opened per request unless configured.
_DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=env_int(
            "DATABASE_CONN_MAX_AGE", 600 if _DATABASE_URL.startswith("sqlite") else 0
        ),
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
# A password an operator set (new account, reset) must be replaced by its holder at first
# use; on in production. The demo accounts' printed passwords are exempt.
PORTAL_REQUIRE_OWN_PASSWORD = env_bool("PORTAL_REQUIRE_OWN_PASSWORD", False)
# Days a staff password is good for before its holder must choose a new one (0: no limit).
PORTAL_PASSWORD_MAX_AGE_DAYS = env_int("PORTAL_PASSWORD_MAX_AGE_DAYS", 90)
# Minutes without a staff request after which a staff session is logged out (0: never).
PORTAL_STAFF_IDLE_MINUTES = env_int("PORTAL_STAFF_IDLE_MINUTES", 30)

# Internationalisation: Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("PORTAL_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Every form field: labels without an added ":", required fields marked (portal.core.forms).
FORM_RENDERER = "portal.core.forms.PortalFormRenderer"

# The editors' pages exist once per language (Chinese tree, English tree under /en/).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Evidence files and uploaded batches live outside the web root and are never served.
PORTAL_PRIVATE_STORAGE_ROOT = Path(env_str("PORTAL_PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
# Evidence an applicant attaches to an objection or repair case: size of one file, files a case.
PORTAL_EVIDENCE_MAX_BYTES = env_int("PORTAL_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
PORTAL_EVIDENCE_MAX_FILES = env_int("PORTAL_EVIDENCE_MAX_FILES", 5)
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

# Caches: Redis when REDIS_URL is set. Otherwise local memory for "default" (small
# per-process memos such as the home counters) and SQLite files under VAR_DIR for
# "counters", "pages" and "shared" (portal.core.caching.SQLiteCache): rate limits, one-time
# human checks, the public page cache (a page invalidated in one worker must be gone in
# all) and an import's progress and heartbeat must be seen by every worker process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "counters": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "counters",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pages",
        },
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shared",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal",
        },
        "counters": {
            "BACKEND": "portal.core.caching.SQLiteCache",
            "LOCATION": str(VAR_DIR / "cache" / "counters"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "pages": {
            "BACKEND": "portal.core.caching.SQLiteCache",
            "LOCATION": str(VAR_DIR / "cache" / "pages"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        # Its own file, so the counters' culling never drops a running import's heartbeat.
        "shared": {
            "BACKEND": "portal.core.caching.SQLiteCache",
            "LOCATION": str(VAR_DIR / "cache" / "shared"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
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
    # Withdrawals not yet on the public feed (their writer stopped between commit and
    # numbering): numbered, so the feed never waits long for them (idempotent).
    "withdrawal-feed-positions": {
        "task": "portal.records.tasks.assign_feed_positions",
        "schedule": 60,
    },
    # Records past their catalog item's retention: content purged, tombstone audited (idempotent).
    "purge-records": {
        "task": "portal.records.tasks.purge_records",
        "schedule": 24 * 60 * 60,
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
    # Raw uploaded files past their retention (idempotent).
    "exchange-purge-uploaded-files": {
        "task": "exchange.tasks.purge_uploaded_files",
        "schedule": 60 * 60,
    },
    # The audit chain's head, appended to the operations log (idempotent per day).
    "audit-export-head": {
        "task": "portal.audit.tasks.export_chain_head",
        "schedule": 60 * 60,
    },
    # Health checks that open incidents by themselves (idempotent: one incident per failure).
    "incidents-health-checks": {
        "task": "portal.incidents.tasks.run_health_checks",
        "schedule": 5 * 60,
    },
    # Assessment figures of committed batches the commit hook missed, and the dashboard's
    # search drift check (idempotent).
    "assessment-refresh-figures": {
        "task": "portal.assessment.tasks.refresh_figures",
        "schedule": 60 * 60,
    },
}
# The statistics' daily and monthly figures, recomputed (idempotent); committed batches also refresh them.
CELERY_BEAT_SCHEDULE["statistics-refresh"] = {
    "task": "portal.statistics.tasks.refresh_statistics",
    "schedule": 60 * 60,
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
# Embedded backend's text index: None picks FTS5 on SQLite and a token table elsewhere.
PORTAL_SEARCH_EMBEDDED_FTS = None
# Search and screening find near spellings of organisations' names (portal.subjects.name_keys);
# off only to measure what they add (benchmarks/bench_recall.py).
PORTAL_SEARCH_NEAR_NAMES = True
# Seconds one Elasticsearch request may take (each is tried three times).
PORTAL_ELASTICSEARCH_TIMEOUT = env_int("PORTAL_ELASTICSEARCH_TIMEOUT", 10)
# Only for Elasticsearch test servers that refuse the client's compatibility media types.
PORTAL_ELASTICSEARCH_PLAIN_JSON = False

# Days a committed batch's raw file is kept (for its row-error report), and a
# refused or abandoned one's; the records themselves are in the database.
PORTAL_UPLOAD_RETENTION_DAYS = env_int("PORTAL_UPLOAD_RETENTION_DAYS", 30)
PORTAL_REJECTED_UPLOAD_RETENTION_DAYS = env_int("PORTAL_REJECTED_UPLOAD_RETENTION_DAYS", 7)

# Department imports (docs/benchmarks.md has the figures these were tuned on).
# Largest upload a department may send, in bytes, and most data rows one file may hold.
PORTAL_IMPORT_MAX_UPLOAD_BYTES = env_int("PORTAL_IMPORT_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
PORTAL_IMPORT_MAX_ROWS = env_int("PORTAL_IMPORT_MAX_ROWS", 2_000_000)
# Rows of a batch whose outcome is kept row by row (the counts cover every row).
PORTAL_IMPORT_ROW_OUTCOMES = env_int("PORTAL_IMPORT_ROW_OUTCOMES", 100_000)
# Files from this size on are read in separate processes while the loader writes.
PORTAL_IMPORT_PARALLEL_MIN_BYTES = env_int("PORTAL_IMPORT_PARALLEL_MIN_BYTES", 8 * 1024 * 1024)
# Reader processes for a big CSV file; unset: one, or two with more than two cores.
PORTAL_IMPORT_READERS = env_optional_int("PORTAL_IMPORT_READERS")
# Seconds without a heartbeat from the worker processing a batch after which the batch is
# called silent: its page says so and offers retrying or discarding it.
PORTAL_IMPORT_SILENT_SECONDS = env_int("PORTAL_IMPORT_SILENT_SECONDS", 60)
# A batch in progress with no sign of life for this long is sent again by the scheduled
# recovery, at most so many times in all; after that it is marked failed.
PORTAL_IMPORT_STALLED_MINUTES = env_int("PORTAL_IMPORT_STALLED_MINUTES", 30)
PORTAL_IMPORT_MAX_ATTEMPTS = env_int("PORTAL_IMPORT_MAX_ATTEMPTS", 5)
# SQLite loads: from this many rows the WAL is copied into the database after the commit.
PORTAL_IMPORT_DEFER_CHECKPOINT_ROWS = env_int("PORTAL_IMPORT_DEFER_CHECKPOINT_ROWS", 50_000)
# SQLite loads: page cache of the loading connection, in KiB.
PORTAL_IMPORT_SQLITE_CACHE_KIB = env_int("PORTAL_IMPORT_SQLITE_CACHE_KIB", 131072)
# SQLite loads: from this many rows the record indexes are dropped and rebuilt at the end.
PORTAL_IMPORT_REINDEX_MIN_ROWS = env_int("PORTAL_IMPORT_REINDEX_MIN_ROWS", 100_000)
# SQLite loads: threads SQLite may use to sort while rebuilding those indexes.
PORTAL_IMPORT_SQLITE_THREADS = env_int("PORTAL_IMPORT_SQLITE_THREADS", 2)
# An XLSX upload is refused past this many zip entries or uncompressed bytes (zip bombs).
PORTAL_XLSX_MAX_ENTRIES = env_int("PORTAL_XLSX_MAX_ENTRIES", 2000)
PORTAL_XLSX_MAX_UNCOMPRESSED = env_int("PORTAL_XLSX_MAX_UNCOMPRESSED", 1 << 30)
# The first sheet may declare or hold cells up to this column and row (the widest template
# has well under 100 columns; Excel's own last row); past them the file is refused.
PORTAL_XLSX_MAX_COLUMNS = env_int("PORTAL_XLSX_MAX_COLUMNS", 128)
PORTAL_XLSX_MAX_ROWS = env_int("PORTAL_XLSX_MAX_ROWS", 1_048_576)
# The shared-strings table is held in memory whole: at most this many entries and bytes.
PORTAL_XLSX_MAX_SHARED_STRINGS = env_int("PORTAL_XLSX_MAX_SHARED_STRINGS", 2_000_000)
PORTAL_XLSX_MAX_SHARED_STRINGS_BYTES = env_int(
    "PORTAL_XLSX_MAX_SHARED_STRINGS_BYTES", 128 * 1024 * 1024
)
# No CSV line or row, and no XLSX row, may hold more characters than this.
PORTAL_IMPORT_MAX_ROW_CHARS = env_int("PORTAL_IMPORT_MAX_ROW_CHARS", 1_000_000)

# Name lists uploaded for screening (joint measures): largest file, most names.
PORTAL_SCREEN_MAX_BYTES = env_int("PORTAL_SCREEN_MAX_BYTES", 5 * 1024 * 1024)
PORTAL_SCREEN_MAX_ROWS = env_int("PORTAL_SCREEN_MAX_ROWS", 20000)

# Wagtail's own admin search (snippet listings) uses the database.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_SITE_NAME = "联合征信平台"
WAGTAILADMIN_USER_LOGIN_FORM = "portal.accounts.forms.StaffLoginForm"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The public site's address, for links in emails; unset, the admin's base URL.
PORTAL_SITE_URL = env_str("PORTAL_SITE_URL", "") or WAGTAILADMIN_BASE_URL
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt"]

# Identity numbers are kept only as a keyed hash and a masked form; this key
# makes the hash unguessable. Production must set it; the embedded mode
# derives one from the secret key.
PORTAL_IDENTITY_HASH_KEY = env_str("PORTAL_IDENTITY_HASH_KEY", "")

# Key of the checksums printed on credit reports, which their verification page
# checks. Kept apart from the secret key so rotating that leaves issued reports
# verifiable. Production must set it; unset, the secret key signs (embedded mode).
PORTAL_REPORT_SIGNING_KEY = env_str("PORTAL_REPORT_SIGNING_KEY", "")

# Serve MEDIA_ROOT from Django (the embedded mode has no web server in front).
PORTAL_SERVE_MEDIA = env_bool("PORTAL_SERVE_MEDIA", False)

# Key of the audit trail's HMAC chain, kept outside the database so that whoever
# can rewrite the table cannot recompute the chain. Production must set it;
# unset, a key derived from the secret key serves (embedded mode).
PORTAL_AUDIT_KEY = env_str("PORTAL_AUDIT_KEY", "")
# Where the daily export of the audit chain's head is appended (an operations log
# kept apart from the database, so a rewrite of the trail shows against it).
PORTAL_LOG_DIR = Path(env_str("PORTAL_LOG_DIR", str(VAR_DIR / "log")))

# Behind the production TLS proxy, per-client rate limits key on X-Forwarded-For:
# the right-most address that is not one of our proxies (the client writes the
# rest). With only this set, the direct peer is the one trusted proxy.
PORTAL_TRUST_X_FORWARDED_FOR = env_bool("PORTAL_TRUST_X_FORWARDED_FOR", False)
# Further proxy addresses or networks to skip in X-Forwarded-For ("10.0.0.0/8,…").
PORTAL_TRUSTED_PROXIES = env_list("PORTAL_TRUSTED_PROXIES", [])
# Per-client rate limits overriding a scope's own default, as
# {"public_search": (requests, seconds)}; the environment writes "public_search=30/60,...".
PORTAL_RATE_LIMITS = env_rate_limits("PORTAL_RATE_LIMITS")
# Seconds shared caches (proxy, CDN) may keep a public page; short, so a repaired record leaves quickly.
PORTAL_PUBLIC_CACHE_SECONDS = env_int("PORTAL_PUBLIC_CACHE_SECONDS", 60)
# Seconds the portal's own page cache (cms.pagecache) keeps an anonymous public page; a
# publish or a record change invalidates the pages concerned at once, this only bounds what
# no signal announces. 0 turns the page cache off.
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 600)
# Most rows a double-publicity list's CSV export gives.
PORTAL_LIST_EXPORT_MAX_ROWS = env_int("PORTAL_LIST_EXPORT_MAX_ROWS", 5000)

# Incident health checks (portal/incidents/health.py); each failing check opens one incident.
# Search outbox backlog: more entries waiting than this opens an incident.
PORTAL_INCIDENT_OUTBOX_MAX_ENTRIES = env_int("PORTAL_INCIDENT_OUTBOX_MAX_ENTRIES", 1000)
# Search outbox backlog: the oldest entry waiting longer than this many minutes opens one.
PORTAL_INCIDENT_OUTBOX_MAX_AGE_MINUTES = env_int("PORTAL_INCIDENT_OUTBOX_MAX_AGE_MINUTES", 30)
# Failed import batches within one hour from which batches count as failing repeatedly.
PORTAL_INCIDENT_FAILED_BATCHES_PER_HOUR = env_int("PORTAL_INCIDENT_FAILED_BATCHES_PER_HOUR", 5)
# Hours since the newest archive in PORTAL_BACKUP_DIR after which the backup counts as missed.
PORTAL_INCIDENT_BACKUP_MAX_AGE_HOURS = env_int("PORTAL_INCIDENT_BACKUP_MAX_AGE_HOURS", 26)

# Query registration (portal/queries): one user's registered queries in a local day, and
# different natural persons among them, past which an abnormal-query alert is raised.
PORTAL_QUERY_ALERT_PER_DAY = env_int("PORTAL_QUERY_ALERT_PER_DAY", 200)
PORTAL_QUERY_ALERT_PERSONS_PER_DAY = env_int("PORTAL_QUERY_ALERT_PERSONS_PER_DAY", 50)
# Working hours, local time, on working days of the statutory calendar
# (portal/core/workdays.py): a query outside them raises an alert.
PORTAL_QUERY_WORK_START_HOUR = env_int("PORTAL_QUERY_WORK_START_HOUR", 8)
PORTAL_QUERY_WORK_END_HOUR = env_int("PORTAL_QUERY_WORK_END_HOUR", 19)
# A page opened again by the same user for the same purpose within this many seconds is
# one query (a reload or a page of the same listing), registered once.
PORTAL_QUERY_REPEAT_SECONDS = env_int("PORTAL_QUERY_REPEAT_SECONDS", 600)
# Last month's security statistics, made from the 1st (checked hourly, idempotent).
CELERY_BEAT_SCHEDULE["queries-monthly-security-report"] = {
    "task": "portal.queries.tasks.monthly_security_report",
    "schedule": 60 * 60,
}

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
    # The Swagger UI files come from drf-spectacular-sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
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

# Content-Security-Policy of every page but the Wagtail and Django admins and the
# API browser, whose own inline scripts need more: the public site loads only
# its own scripts, styles and images, and no one may frame it.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/", "/api/v1/docs/"],
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
