"""The editors' pages, the site chrome and the setup command."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from cms.models import (
    DisclosureListPage,
    HomePage,
    NewsPage,
    PolicyPage,
    SiteChrome,
    StandardPage,
)
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db


def test_setup_site_builds_the_tree_once_and_keeps_editors_changes(site):
    chinese, english = (
        Locale.objects.get(language_code="zh-hans"),
        Locale.objects.get(language_code="en"),
    )
    lists = {p.slug: p.list_kind for p in DisclosureListPage.objects.filter(locale=chinese)}
    assert lists == {
        "licences": "licences",
        "penalties": "penalties",
        "red-list": "red",
        "black-list": "black",
    }
    for model, count in [(NewsPage, 3), (PolicyPage, 4), (DisclosureListPage, 4)]:
        assert model.objects.live().filter(locale=chinese).count() == count
        # Every starter page ships translated: the same page in the English tree.
        assert model.objects.live().filter(locale=english).count() == count
    about = StandardPage.objects.get(slug="about", locale=chinese)
    about.title = "关于我们（编辑修改）"
    about.save_revision().publish()
    about_en = about.get_translation(english)
    about_en.title = "About us (edited)"
    about_en.save_revision().publish()
    chrome = SiteChrome.objects.get()
    menu_before = list(chrome.main_menu_items.values_list("title", flat=True))

    call_command("setup_site", stdout=io.StringIO())

    assert HomePage.objects.filter(locale=chinese).count() == 1
    assert HomePage.objects.filter(locale=english).count() == 1
    assert DisclosureListPage.objects.count() == 8
    assert NewsPage.objects.count() == 6
    assert StandardPage.objects.get(pk=about.pk).title == "关于我们（编辑修改）"
    assert StandardPage.objects.get(pk=about_en.pk).title == "About us (edited)"
    assert list(chrome.main_menu_items.values_list("title", flat=True)) == menu_before
    assert site.featured_lists.count() == 4
    assert site.get_translation(english).specific.featured_lists.count() == 4


def test_home_page_shows_search_counters_latest_and_news(client, site):
    subject = OrganisationFactory(name="惠州市首页展示科技有限公司")
    make_record(subject)
    response = client.get("/")
    body = page_text(response)
    assert response.status_code == 200
    assert 'role="search"' in body and 'name="q"' in body
    assert "惠州市首页展示科技有限公司" in body
    assert "惠州市公共信用信息公示平台正式上线" in body  # news
    assert "行政处罚公示" in body  # featured list
    assert "公示记录" in body


def test_header_menus_and_footer_come_from_the_editors_settings(client, site):
    chrome = SiteChrome.objects.get()
    chrome.organiser = "惠州市发展和改革局（测试主办）"
    chrome.save()
    item = chrome.main_menu_items.first()
    item.title = "信用查询（编辑）"
    item.save()
    body = page_text(client.get("/about/"))
    assert "惠州市发展和改革局（测试主办）" in body
    assert "信用查询（编辑）" in body
    assert 'class="skip-link" href="#main"' in body
    assert '<main id="main"' in body


def test_news_policy_and_standard_pages_render(client, site):
    assert "行政处罚信息公示期限新规" in page_text(client.get("/news/"))
    assert client.get("/news/platform-launch/").status_code == 200
    policies = page_text(client.get("/policies/?level=national"))
    assert "国发〔2016〕33号" in policies
    assert "演示文本" not in policies  # municipal one filtered out
    policy = page_text(client.get("/policies/ndrc-order-58/"))
    assert "国家发展改革委令2023年第58号" in policy and "2023-05-01" in policy
    assert "个人信息保护" in page_text(client.get("/about/"))


def test_headings_are_in_order_on_every_kind_of_page(client, site):
    """One h1 per page and no level skipped (h1 → h3 without h2)."""
    import re

    record = make_record()
    for url in [
        "/",
        "/penalties/",
        "/news/",
        "/news/platform-launch/",
        "/policies/",
        "/about/",
        f"/subjects/{record.subject.code}/",
        f"/records/{record.pk}/",
        "/reports/verify/",
    ]:
        body = page_text(client.get(url))
        levels = [int(level) for level in re.findall(r"<h([1-6])", body)]
        assert levels.count(1) == 1, url
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (url, levels)


def test_form_fields_have_labels(client, site):
    import re

    for url in ["/", "/penalties/", "/reports/verify/", "/search/?q=测试"]:
        body = page_text(client.get(url))
        controls = re.findall(r"<(?:input|select|textarea)[^>]*>", body)
        visible = [c for c in controls if 'type="hidden"' not in c]
        for field_id in [re.search(r'\bid="([^"]+)"', c).group(1) for c in visible if " id=" in c]:
            assert f'for="{field_id}"' in body, (url, field_id)


def test_english_is_switchable_without_cookies(client, site):
    chinese = page_text(client.get("/"))
    assert '<html lang="zh-Hans">' in chinese
    assert 'href="/en/"' in chinese
    response = client.get("/en/")
    english = page_text(response)
    assert '<html lang="en">' in english
    assert "Search public credit information" in english
    assert "Credit Huizhou" in english  # the editors' English site name
    assert 'href="/en/penalties/"' in english  # menus stay in English
    assert not response.cookies


def test_sitemap_lists_the_editors_pages(client, site):
    body = page_text(client.get("/sitemap.xml"))
    for path in ["/penalties/", "/news/platform-launch/", "/policies/", "/about/"]:
        assert path in body
    assert "/subjects/" not in body  # profiles are reached by search, not crawled in bulk


def test_unknown_page_answers_404_with_the_site_template(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in page_text(response)


def test_robots_keeps_crawlers_off_search_reports_and_exports(client):
    body = page_text(client.get("/robots.txt"))
    for line in ["Disallow: /search/", "Disallow: /reports/", "Disallow: /*/export/", "Sitemap: "]:
        assert line in body


def test_editors_can_open_the_site_chrome_and_page_forms_in_wagtail(client, site):
    from portal.accounts.models import User

    editor = User.objects.create_superuser("editor", "editor@example.gov.cn", "a-long-test-pass-1")
    client.force_login(editor)
    chrome = SiteChrome.objects.get()
    response = client.get(f"/admin/settings/cms/sitechrome/{chrome.site_id}/")
    assert response.status_code == 200
    assert "main_menu_items" in page_text(response)
    for model in ["disclosurelistpage", "newsindexpage", "policyindexpage", "standardpage"]:
        assert client.get(f"/admin/pages/add/cms/{model}/{site.pk}/").status_code == 200, model
    news_index = NewsPage.objects.first().get_parent()
    assert client.get(f"/admin/pages/add/cms/newspage/{news_index.pk}/").status_code == 200


@pytest.mark.django_db
def test_pages_outside_wagtail_render_even_without_a_site(client):
    from wagtail.models import Site

    Site.objects.all().delete()
    response = client.get("/accounts/second-factor/")  # a plain Django page using base.html
    assert response.status_code in (200, 302)
    assert client.get("/objections/new/").status_code == 200
