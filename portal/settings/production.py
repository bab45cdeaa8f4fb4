"""The production stack (docker-compose.yml): PostgreSQL, Redis, Celery, Elasticsearch.

Everything secret or site-specific must come from the environment; a missing
secret stops start-up rather than falling back to something guessable.
"""

from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import PORTAL_AUDIT_KEY, PORTAL_REPORT_SIGNING_KEY, SECRET_KEY

DEBUG = False

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
PORTAL_IDENTITY_HASH_KEY = env_str("PORTAL_IDENTITY_HASH_KEY", "")
if not PORTAL_IDENTITY_HASH_KEY:
    raise ImproperlyConfigured("PORTAL_IDENTITY_HASH_KEY must be set in production.")
if not PORTAL_REPORT_SIGNING_KEY:
    raise ImproperlyConfigured("PORTAL_REPORT_SIGNING_KEY must be set in production.")
if not PORTAL_AUDIT_KEY:
    raise ImproperlyConfigured("PORTAL_AUDIT_KEY must be set in production.")

PORTAL_REQUIRE_SECOND_FACTOR = env_bool("PORTAL_REQUIRE_SECOND_FACTOR", True)
PORTAL_REQUIRE_OWN_PASSWORD = env_bool("PORTAL_REQUIRE_OWN_PASSWORD", True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
