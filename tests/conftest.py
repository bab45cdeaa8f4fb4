import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium for the whole run, shared by every browser test (Playwright's
    sync API allows one running instance per thread)."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make system-packages)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls (setup and assertions) are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """English pages need compiled catalogs; compile them once per run, as `make setup` does."""
    from django.core.management import call_command
    from django.test.signals import language_changed

    call_command("compilemessages", ignore_patterns=[".venv/*", "var/*"], verbosity=0)
    # A catalogue read before its .mo existed (a fresh checkout) stays cached without it.
    language_changed(setting="LOCALE_PATHS")


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English must not leave English active for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _engine_not_resting():
    """A search outage simulated by one test does not make the next one defer its indexing."""
    from search.indexing import engine

    engine.succeeded()
    yield
    engine.succeeded()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and cached pages never leak from one test to the next."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _starter_catalog(request):
    """Transactional tests flush the database, including what data migrations installed;
    put the starter catalog, roles and home page back for them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or "transaction" in marker.args):
        yield
        return
    request.getfixturevalue("transactional_db")
    from portal.catalog.models import CatalogItem

    if not CatalogItem.objects.exists():
        from django.contrib.auth.models import Group
        from django.core.management import call_command

        call_command("install_catalog", verbosity=0, stdout=io.StringIO())
        call_command("install_measures", verbosity=0, stdout=io.StringIO())
        from exchange.models import SharingGrant
        from exchange.sharing import install_starter_grants
        from portal.departments.models import Department

        install_starter_grants(SharingGrant, Department, CatalogItem)
        for name in ("operators", "department_officers", "reviewers", "government_users"):
            Group.objects.get_or_create(name=name)
    yield
