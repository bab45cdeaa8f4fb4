"""The embedded single-machine mode used by `make run`: nothing to configure."""

from portal.env import env_bool, load_or_create_secret

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = env_bool("DJANGO_DEBUG", True)

# A per-checkout key kept in var/ (never committed) unless the environment gives one.
SECRET_KEY = SECRET_KEY or load_or_create_secret(VAR_DIR / "secret_key")  # noqa: F405
PORTAL_IDENTITY_HASH_KEY = PORTAL_IDENTITY_HASH_KEY or SECRET_KEY  # noqa: F405
