"""Fast, deterministic settings for the test suite."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105  # nosec B105  # test settings only
PORTAL_IDENTITY_HASH_KEY = "test-identity-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Local memory unless the integration run points REDIS_URL at a real Redis.
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "counters": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "counters",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
        },
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared",
        },
    }
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = ""
PORTAL_EAGER_TASKS_IN_THREAD = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
ALLOWED_HOSTS = ["*"]
# Tests use their own media and private roots under a temporary folder.
_tmp = os.environ.get("PORTAL_TEST_TMP") or tempfile.mkdtemp(prefix="portal-tests-")
MEDIA_ROOT = f"{_tmp}/media"
PORTAL_PRIVATE_STORAGE_ROOT = f"{_tmp}/private"
STORAGES["private"]["OPTIONS"]["location"] = PORTAL_PRIVATE_STORAGE_ROOT  # noqa: F405
PORTAL_BACKUP_DIR = Path(f"{_tmp}/backups")
STATIC_ROOT = f"{_tmp}/static"
os.makedirs(STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing root
