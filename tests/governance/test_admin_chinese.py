"""The Wagtail admin in Chinese: strings Wagtail's own zh_Hans catalog leaves in English
(the dashboard's search box, the editor guide link, page counts) are filled in by the
project's locale/zh_Hans catalogs."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from portal.accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Names that stay as they are in a Chinese admin.
ALLOWED = {"Wagtail", "JavaScript"}


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        self.parts += [v for n, v in attrs if n in ("placeholder", "aria-label", "title") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, allowed) -> set[str]:
    parser = _Visible()
    parser.feed(html)
    return set(re.findall(r"[A-Za-z]{3,}", " ".join(parser.parts))) - ALLOWED - set(allowed)


@pytest.fixture
def operator(client):
    user = UserFactory(role=roles.OPERATORS, username="czy")
    client.force_login(user)
    return user


def test_the_dashboard_search_box_and_guide_link_are_chinese(client, operator):
    body = client.get("/admin/").content.decode()
    assert 'placeholder="搜索全部页面…"' in body
    assert re.search(r"Wagtail [\d.]+ 编辑指南", body)
    assert "Search all pages" not in body and "editor guide" not in body
    assert english_words(body, {operator.username}) == set()


def test_the_page_explorer_and_account_page_are_chinese(client, operator):
    explorer = client.get("/admin/pages/").content.decode()
    assert "更新日期" in explorer and "Date updated" not in explorer
    account = client.get("/admin/account/").content.decode()
    assert "主题偏好" in account and "Theme preferences" not in account


def test_admin_script_strings_are_chinese(client, operator):
    catalog = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode(
        "unicode_escape"
    )
    assert "正在自动保存" in catalog
