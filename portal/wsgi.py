import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

application = get_wsgi_application()

# What is loaded by now (Django, Wagtail, every app's models and URL patterns: ~220,000
# objects) lives as long as the worker. Frozen, the collector's full collections stop
# walking it on every pass: each took hundreds of ms on a busy machine, a search page's
# p95, and about a tenth of the CPU of rendered pages (docs/benchmarks.md).
gc.freeze()
