"""The search results page on the search service (embedded backend): facets, highlight."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(home):
    a = OrganisationFactory(name="惠州市蓝海湾物流有限公司", district="441302")
    b = OrganisationFactory(name="惠州市蓝海湾食品有限公司", district="441322")
    make_record(a)
    make_record(b, item_code="COURT_DISHONEST", department_code="COURT", data={})
    call_command("search_index", rebuild=True, stdout=io.StringIO())
    return a, b


def test_search_by_name_fragment_with_highlight_and_facets(client, indexed):
    a, b = indexed
    response = client.get("/search/?q=蓝海湾")
    body = page_text(response)
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", body)  # a matched name is highlighted in its heading
    assert "惠州市蓝海湾物流有限公司" in text and "惠州市蓝海湾食品有限公司" in text
    assert "<mark>" in body
    assert f'href="/subjects/{a.code}/"' in body
    assert 'id="facet-district"' in body
    assert "惠城区" in body and "博罗县" in body


def test_a_facet_link_narrows_the_results_and_can_be_removed(client, indexed):
    _a, b = indexed
    body = page_text(client.get("/search/?q=蓝海湾&district=441322"))
    text = re.sub(r"<[^>]+>", "", body)
    assert "惠州市蓝海湾食品有限公司" in text
    assert "惠州市蓝海湾物流有限公司" not in text
    assert "已选条件" in body and 'href="/search/?q=' in body


def test_a_full_code_goes_straight_to_the_profile(client, indexed):
    a, _b = indexed
    response = client.get(f"/search/?q={a.uscc}")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/subjects/{a.code}/")


def test_empty_query_shows_the_form_and_no_results(client, home):
    body = page_text(client.get("/search/"))
    assert 'name="q"' in body and "找到" not in body


def test_search_is_rate_limited(client, indexed):
    with override_settings(PORTAL_RATE_LIMITS={"public_search": (2, 60)}):
        codes = [client.get("/search/?q=蓝海湾").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_highlight_keeps_only_mark_tags():
    from cms.templatetags.portal_tags import highlight_html

    html = highlight_html("<mark>蓝海</mark><script>alert(1)</script><img src=x onerror=y>")
    assert html == "<mark>蓝海</mark>alert(1)"


def test_near_names_say_why_and_nothing_found_offers_did_you_mean(client, indexed):
    a, _ = indexed
    body = page_text(client.get("/search/?q=惠州市蓝海弯物流有限公司"))
    assert "惠州市蓝海湾物流有限公司" in body
    assert "相近名称：同音字" in body
    body = page_text(client.get("/search/?q=惠州市蓝海弯物留园有限公司"))
    assert "未找到符合条件的公示信息" in body
    assert "您是不是要找：" in body and "惠州市蓝海湾物流有限公司" in body
    data = client.get("/api/v1/search", {"q": "惠州市蓝海弯物留园有限公司"}).json()
    assert data["total"] == 0
    assert [near["code"] for near in data["did_you_mean"]] == [a.code]
    data = client.get("/api/v1/search", {"q": "蓝海弯物流"}).json()
    assert data["hits"][0]["subject_code"] == a.code
    assert data["hits"][0]["match_reasons"] == ["同音字"]
