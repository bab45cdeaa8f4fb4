"""Personal numbers typed into free text never reach the public: masked on the way in,
reported to the department, and a crawl of the public site and API finds none."""

import functools
import re
from collections import deque
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command

from exchange.models import MaskedCell
from portal.accounts import roles
from portal.core.codes import make_resident_id
from portal.core.pii import IDENTITY, mask_personal_numbers
from portal.records.models import CreditRecord
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import UserFactory, department

pytestmark = pytest.mark.django_db

PLANTED_ID = make_resident_id("441302", "19800101", "123")
PLANTED_OLD_ID = "441302800101123"
PLANTED_MOBILE = "13812345678"
PLANTED_CARD = "6222020000000000000"  # a Luhn-valid UnionPay number


@functools.cache
def planted_rows():
    return [
        penalty_row(
            subject_name="惠州市隐私测试有限公司",
            facts=f"当事人（身份证号{PLANTED_ID}，旧证号{PLANTED_OLD_ID}）未取得许可经营。",
            remarks=f"联系人电话 {PLANTED_MOBILE}，收款账户 {PLANTED_CARD}",
        )
    ]


def test_an_import_masks_free_text_and_tells_the_department(client):
    batch = load(penalty_csv(planted_rows()))
    assert batch.accepted == 1 and batch.masked_count == 2
    record = CreditRecord.objects.get(decision_no=planted_rows()[0]["decision_no"])
    text = record.data["facts"] + record.data["remarks"]
    for number in (PLANTED_ID, PLANTED_OLD_ID, PLANTED_MOBILE, PLANTED_CARD):
        assert number not in text
    assert f"4413**********{PLANTED_ID[-4:]}" in record.data["facts"]
    cells = {c.field: c.kinds for c in MaskedCell.objects.filter(batch=batch)}
    assert cells == {
        "facts": ["identity_number", "identity_number"],
        "remarks": ["bank_card", "mobile"],
    }
    # Every version keeps the masked text only.
    assert all(PLANTED_ID not in str(v.snapshot) for v in record.versions.all())

    officer = UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("MARKET"))
    client.force_login(officer)
    page = client.get(f"/workspace/batches/{batch.pk}/").content.decode()
    assert "已遮蔽的个人信息" in page and "身份证号码、身份证号码" in page


LINK = re.compile(r'href="([^"#]+)"')
SKIP = (
    "/admin",
    "/django-admin",
    "/workspace",
    "/review",
    "/staff",
    "/accounts",
    "/static",
    "/media",
    "/documents",
    "/i18n",
    "/api/v1/docs",
    "/api/v1/schema",
    "/api/v1/exchange",
)


def crawl(client, starts, limit=400):
    seen, queue, pages = set(), deque(starts), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.content.decode("utf-8", "replace")
        pages[url] = body
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in LINK.findall(body):
            href = urljoin(url, href.replace("&amp;", "&"))
            parsed = urlparse(href)
            if parsed.netloc and parsed.netloc != "testserver":
                continue
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if path.startswith(SKIP) or "export=" in path or "/reports/" in path:
                continue
            queue.append(path)
    return pages


def test_a_crawl_of_the_public_site_and_api_finds_no_personal_number(client):
    call_command("seed_demo", subjects=80, records=500, seed=7)
    load(penalty_csv(planted_rows()))
    call_command("search_index", "--rebuild")
    subject_code = CreditRecord.objects.get(
        decision_no=planted_rows()[0]["decision_no"]
    ).subject.code
    starts = [
        "/",
        "/en/",
        "/search/?q=惠州市隐私测试有限公司",
        f"/search/?q={PLANTED_ID}",
        f"/api/v1/search?q={PLANTED_ID}",
        f"/api/v1/search?q={PLANTED_MOBILE}",
        "/api/v1/search?q=惠州市隐私测试",
        f"/api/v1/subjects/{subject_code}",
        f"/subjects/{subject_code}/",
        f"/en/subjects/{subject_code}/",
        "/penalties/",
    ]
    pages = crawl(client, starts)
    assert len(pages) > 40, sorted(pages)
    assert any("4413**********" in body for body in pages.values())  # the planted record shown
    for url, body in pages.items():
        # A search page repeats what its visitor typed; that is theirs, not ours.
        body = body.replace(PLANTED_ID, "") if PLANTED_ID in url else body
        body = body.replace(PLANTED_MOBILE, "") if PLANTED_MOBILE in url else body
        for number in (PLANTED_ID, PLANTED_OLD_ID, PLANTED_MOBILE, PLANTED_CARD):
            assert number not in body, (url, number)
        assert IDENTITY not in mask_personal_numbers(body).kinds, url
    # Searching for a full identity number finds nothing.
    assert '"total": 0' in pages[f"/api/v1/search?q={PLANTED_ID}"].replace(
        '"total":0', '"total": 0'
    )
