"""The embedded single-machine mode used by `make run`: nothing to configure."""

from portal.env import env_bool, load_or_create_secret

from .base import *  # noqa: F403
from .base import VAR_DIR

# `make run` serves like a deployment (DEBUG off: branded error pages, no URL
# listing); `make dev` turns it on for the development server.
DEBUG = env_bool("DJANGO_DEBUG", False)
# No web server in front in the embedded mode: Django serves uploaded media itself.
PORTAL_SERVE_MEDIA = True

# A per-checkout key kept in var/ (never committed) unless the environment gives one.
SECRET_KEY = SECRET_KEY or load_or_create_secret(VAR_DIR / "secret_key")  # noqa: F405
PORTAL_IDENTITY_HASH_KEY = PORTAL_IDENTITY_HASH_KEY or SECRET_KEY  # noqa: F405
