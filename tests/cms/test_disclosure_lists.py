"""Disclosure list pages: filters, pagination, CSV export of public data only."""

import csv
import datetime as dt
import io

import pytest
from django.test import override_settings
from django.utils import timezone

from portal.records.disclosure import RecordStatus
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, PersonFactory, make_record, next_resident_id

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def penalty(subject=None, days_ago=30, department_code="MARKET", **kwargs):
    return make_record(
        subject,
        department_code=department_code,
        decision_date=TODAY - dt.timedelta(days=days_ago),
        **kwargs,
    )


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_penalty_list_shows_public_records_only(client, lists):
    shown = penalty(OrganisationFactory(name="惠州市公示甲有限公司"))
    revoked = penalty(
        OrganisationFactory(name="惠州市已撤销乙有限公司"), status=RecordStatus.REVOKED
    )
    expired = penalty(OrganisationFactory(name="惠州市已过期丙有限公司"), days_ago=500)
    body = page_text(client.get("/penalties/"))
    assert shown.decision_no in body
    assert "惠州市公示甲有限公司" in body
    assert "惠州市已撤销乙有限公司" not in body and revoked.decision_no not in body
    assert "惠州市已过期丙有限公司" not in body and expired.decision_no not in body


def test_filters_by_department_district_date_and_name(client, lists):
    a = penalty(OrganisationFactory(name="惠州市甲建材有限公司", district="441302"), days_ago=10)
    b = penalty(
        OrganisationFactory(name="惠州市乙物流有限公司", district="441322"),
        days_ago=60,
        department_code="ENV",
    )
    by_department = page_text(client.get("/penalties/?department=ENV"))
    assert b.decision_no in by_department and a.decision_no not in by_department
    by_district = page_text(client.get("/penalties/?district=441302"))
    assert a.decision_no in by_district and b.decision_no not in by_district
    since = (TODAY - dt.timedelta(days=30)).isoformat()
    by_date = page_text(client.get(f"/penalties/?date_from={since}"))
    assert a.decision_no in by_date and b.decision_no not in by_date
    until = (TODAY - dt.timedelta(days=30)).isoformat()
    by_end = page_text(client.get(f"/penalties/?date_to={until}"))
    assert b.decision_no in by_end and a.decision_no not in by_end
    by_name = page_text(client.get("/penalties/?q=乙物流"))
    assert b.decision_no in by_name and a.decision_no not in by_name


def test_a_reversed_date_range_is_reported_not_crashed(client, lists):
    response = client.get("/penalties/?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in page_text(response)


def test_black_list_filters_by_item_and_shows_only_black_items(client, lists):
    dishonest = make_record(item_code="COURT_DISHONEST", department_code="COURT", data={})
    serious = make_record(item_code="SERIOUS_ILLEGAL_DISHONEST", data={})
    ordinary = penalty()
    body = page_text(client.get("/black-list/"))
    assert dishonest.decision_no in body and serious.decision_no in body
    assert ordinary.decision_no not in body
    only_court = page_text(client.get("/black-list/?item=COURT_DISHONEST"))
    assert dishonest.decision_no in only_court and serious.decision_no not in only_court


def test_list_is_paginated(client, lists):
    subject = OrganisationFactory()
    records = [penalty(subject, days_ago=day) for day in range(1, 26)]
    first = page_text(client.get("/penalties/"))
    second = page_text(client.get("/penalties/?page=2"))
    assert records[0].decision_no in first and records[24].decision_no not in first
    assert records[24].decision_no in second
    assert "第 2 页，共 2 页" in second


def test_person_appears_masked_in_the_list(client, lists):
    number = next_resident_id()
    person = PersonFactory(name="李四", identity_number=number)
    penalty(person)
    body = page_text(client.get("/penalties/"))
    assert "李四" in body
    assert person.identity_masked in body
    assert number not in body


def test_csv_export_has_public_organisation_rows_only_and_safe_cells(client, lists):
    organisation = OrganisationFactory(name='=HYPERLINK("http://evil")有限公司')
    penalty(organisation)
    person = PersonFactory(name="王五")
    penalty(person)
    penalty(OrganisationFactory(name="惠州市撤销丁有限公司"), status=RecordStatus.REVOKED)
    response = client.get("/penalties/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    rows = read_csv(response)
    assert rows[0][:2] == ["主体名称", "统一社会信用代码/证件号码"]
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil")有限公司']  # neutralised, person left out
    assert "王五" not in response.content.decode("utf-8-sig")


def test_csv_export_follows_the_filters_and_the_row_cap(client, lists):
    market = penalty(OrganisationFactory(), department_code="MARKET")
    env = penalty(OrganisationFactory(), department_code="ENV")
    rows = read_csv(client.get("/penalties/export/?department=ENV"))
    numbers = [row[2] for row in rows[1:]]
    assert numbers == [env.decision_no]
    assert market.decision_no not in numbers
    for _ in range(3):
        penalty(OrganisationFactory())
    with override_settings(PORTAL_LIST_EXPORT_MAX_ROWS=2):
        assert len(read_csv(client.get("/penalties/export/"))) == 3  # header + 2


def test_csv_export_is_rate_limited(client, lists):
    with override_settings(PORTAL_RATE_LIMITS={"public_list_export": (2, 600)}):
        assert client.get("/penalties/export/").status_code == 200
        assert client.get("/penalties/export/").status_code == 200
        response = client.get("/penalties/export/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_public_pages_are_cacheable_and_set_no_cookie(client, lists):
    record = penalty()
    for url in ["/", "/penalties/", f"/subjects/{record.subject.code}/", f"/records/{record.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "max-age=" in cache_control, url
        assert not response.cookies, url
