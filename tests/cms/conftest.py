import io

import pytest
from django.core.management import call_command


@pytest.fixture
def home(db):
    """The home page the cms migration installs (it carries the dynamic routes)."""
    from cms.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def site(home):
    """The whole public site as `make setup` builds it: pages, menus, featured lists."""
    call_command("setup_site", stdout=io.StringIO())
    home.refresh_from_db()
    return home


@pytest.fixture
def list_page(home):
    """A disclosure list page of the given kind under the home page (cheaper than `site`)."""
    from cms.models import DisclosureListPage

    def make(kind: str, slug: str):
        page = DisclosureListPage(title=slug, slug=slug, list_kind=kind, live=True)
        home.add_child(instance=page)
        return page

    return make


@pytest.fixture
def lists(list_page):
    return {
        "penalties": list_page("penalties", "penalties"),
        "black": list_page("black", "black-list"),
    }


def page_text(response) -> str:
    return response.content.decode()
