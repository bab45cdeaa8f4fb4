"""The search page as a citizen reads it: past-the-end pages, one name per result,
labelled dates, a full-width no-results box."""

import io
import re

import pytest
from django.core.management import call_command

from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db

TRADES = "物流 食品 电子 建材 纺织 家具 印刷 五金 服装 玩具 包装 陶瓷 塑料 照明 化工 机械 医药 光电 汽配 茶业 酒店 旅游"


@pytest.fixture
def many(home):
    """22 companies whose names share 蓝鲸湾: two result pages of 20."""
    subjects = [
        OrganisationFactory(name=f"惠州市蓝鲸湾{trade}有限公司") for trade in TRADES.split()
    ]
    for subject in subjects:
        make_record(subject)
    call_command("search_index", rebuild=True, stdout=io.StringIO())
    return subjects


def hits(body: str) -> list[str]:
    return re.findall(r'<li class="hit hit-[a-z]+">(.*?)</li>', body, re.S)


def test_a_page_past_the_end_shows_the_last_page(client, many):
    response = client.get("/search/?q=蓝鲸湾&page=999")
    body = page_text(response)
    assert response.status_code == 200
    assert "第 2 页，共 2 页" in body
    assert hits(body), "the last page lists its results, not 未找到"
    assert "未找到符合条件的公示信息" not in body
    assert 'rel="prev"' in body and 'rel="next"' not in body


def test_each_result_names_the_subject_once_and_labels_its_date(client, many):
    body = page_text(client.get("/search/?q=蓝鲸湾物流"))
    subject_hits = [h for h in hits(body) if "蓝鲸湾" in h and "hit-subject" in h]
    assert subject_hits
    for hit in subject_hits:
        text = re.sub(r"<[^>]+>", "", hit)
        assert text.count("惠州市蓝鲸湾物流有限公司") <= 1, text
    for hit in hits(body):
        if "<time" in hit:
            assert re.search(r"决定日期：</span><time", hit), hit


def test_no_results_box_takes_the_full_width(client, many):
    body = page_text(client.get("/search/?q=完全不存在的名称"))
    assert 'class="search-layout search-layout-single"' in body
    assert "未找到符合条件的公示信息" in body
