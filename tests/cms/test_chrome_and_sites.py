"""What every public page shows around its content (cms.chrome) and which site answers a
host (cms.sites) are built once per process, and an editor's change shows at once."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, Site

from cms.models import HomePage, SiteChrome, StandardPage
from tests.cms.conftest import page_text

pytestmark = pytest.mark.django_db


def render(client, url):
    """A rendered answer (a fresh query string, so the page cache cannot answer), with the
    SQL it ran."""
    render.counter = getattr(render, "counter", 0) + 1
    separator = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}{separator}fresh={render.counter}")
    assert response.status_code == 200, url
    return page_text(response), " ".join(q["sql"] for q in queries.captured_queries)


def test_the_chrome_and_site_are_read_once_then_every_page_reuses_them(client, site):
    body, _sql = render(client, "/about/")
    assert "信用惠州" in body
    for url in ("/about/", "/search/?q=惠州", "/penalties/"):
        body, sql = render(client, url)
        assert "信用惠州" in body and 'class="site-footer"' in body, url
        for table in ("cms_sitechrome", "cms_mainmenuitem", "cms_footerlink", "wagtailcore_site"):
            assert table not in sql, (url, table)


def test_a_menu_change_shows_at_once_on_every_page(client, site):
    render(client, "/about/")
    render(client, "/search/?q=惠州")
    chrome = SiteChrome.objects.get()
    item = chrome.main_menu_items.first()
    item.title = "改过的导航"
    item.save()
    link = chrome.footer_links.first()
    link.title = "改过的页脚链接"
    link.save()
    chrome.organiser = "改过的主办单位"
    chrome.save()
    for url in ("/about/", "/search/?q=惠州"):
        body, _sql = render(client, url)
        assert "改过的导航" in body and "改过的页脚链接" in body and "改过的主办单位" in body, url


def test_a_page_the_menu_links_to_moving_changes_the_menus_address(client, site):
    about = StandardPage.objects.get(slug="about", locale=Locale.get_default())
    linked = SiteChrome.objects.get().main_menu_items.filter(link_page=about).exists()
    footer_linked = SiteChrome.objects.get().footer_links.filter(link_page=about).exists()
    assert linked or footer_linked  # setup_site links the about page
    body, _sql = render(client, "/penalties/")
    assert 'href="/about/"' in body
    about.slug = "about-us"
    about.save_revision().publish()
    body, _sql = render(client, "/penalties/")
    assert 'href="/about-us/"' in body and 'href="/about/"' not in body


def test_each_language_has_its_own_chrome(client, site):
    chrome = SiteChrome.objects.get()
    chrome.organiser = "惠州市信用办"
    chrome.save()
    chinese, _sql = render(client, "/about/")
    english, _sql = render(client, "/en/about/")
    chinese_again, _sql = render(client, "/penalties/")
    english_again, _sql = render(client, "/en/penalties/")
    for body in (english, english_again):
        assert "Credit Huizhou" in body and 'href="/en/penalties/"' in body
        assert "Sponsor" in body  # the footer's own words, in English
    for body in (chinese, chinese_again):
        assert "信用惠州" in body and 'href="/penalties/"' in body and "Credit Huizhou" not in body
        assert "主办单位" in body


def test_the_home_page_published_or_a_site_edited_shows_at_once(client, site):
    render(client, "/")
    home = HomePage.objects.get(locale=Locale.get_default())
    home.intro = "新的首页导语"
    home.save_revision().publish()
    body, _sql = render(client, "/")
    assert "新的首页导语" in body

    # A second host served by its own site with another home page.
    other_home = (
        HomePage.objects.get(locale=Locale.get_default())
        .get_parent()
        .add_child(instance=StandardPage(title="另一站点首页", slug="other-root"))
    )
    with override_settings(ALLOWED_HOSTS=["*"]):
        body, _sql = render(client.__class__(HTTP_HOST="other.example"), "/")
        assert "新的首页导语" in body  # the default site answers an unknown host
        Site.objects.create(hostname="other.example", port=80, root_page=other_home)
        body, _sql = render(client.__class__(HTTP_HOST="other.example"), "/")
        assert "另一站点首页" in body


def test_a_view_restriction_applies_at_once_and_unrestricted_pages_ask_no_more(client, site):
    from wagtail.models import PageViewRestriction

    about = StandardPage.objects.get(slug="about", locale=Locale.get_default())
    render(client, "/about/")
    _body, sql = render(client, "/about/")
    assert "wagtailcore_pageviewrestriction" not in sql
    assert client.get("/about/").status_code == 200  # now kept by the page cache

    restriction = PageViewRestriction.objects.create(
        page=about, restriction_type=PageViewRestriction.LOGIN
    )
    for url in ("/about/", "/about/?other=1"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    restriction.delete()
    assert client.get("/about/").status_code == 200
