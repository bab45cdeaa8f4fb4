"""A reviewer's decisions on name candidates and the totals every output shows."""

import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from portal.audit.models import AuditEvent
from portal.measures.models import Lookup, Match, Scenario
from portal.measures.reader import InputRow
from portal.measures.services import confirm_candidate, reject_candidate, run_lookup
from portal.measures.totals import compute_totals, totals_of
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VARIANT = "鼎盛建筑工程有限公司（惠州）"  # a name variant of the `blacklisted` fixture


def candidate_lookup(user, names):
    lookup, _ = run_lookup(
        user=user,
        scenario=Scenario.objects.get(code="PROCUREMENT"),
        purpose="供应商资格审查",
        rows=[InputRow(n, name, "") for n, name in enumerate(names, start=2)],
        channel="file",
    )
    return lookup


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(
        "\n", ""
    )


def summary_of(workbook) -> dict:
    return {label: value for label, value in workbook.worksheets[0].iter_rows(values_only=True)}


def test_confirming_a_candidate_updates_page_log_xlsx_and_pdf(client, reviewer, blacklisted):
    lookup = candidate_lookup(reviewer, [VARIANT, "不存在的单位"])
    assert (lookup.exact_count, lookup.confirmed_count, lookup.candidate_count) == (0, 0, 1)
    assert (lookup.none_count, lookup.black_count) == (1, 0)
    row = lookup.rows.get(position=1)
    client.force_login(reviewer)
    client.post(
        reverse("measures:confirm", args=[lookup.pk, row.pk]), {"subject": blacklisted.code}
    )
    lookup.refresh_from_db()
    assert totals_of(lookup) == compute_totals(lookup.rows.all())
    assert (lookup.confirmed_count, lookup.candidate_count, lookup.none_count) == (1, 0, 1)
    assert lookup.black_count == 1

    page = client.get(reverse("measures:detail", args=[lookup.pk]))
    content = page.content.decode()
    assert '<dd class="totals-match">0 / 1 / 0 / 1</dd>' in content
    assert '<dd class="totals-lists">1 / 0</dd>' in content

    log = client.get(reverse("measures:log")).content.decode()
    assert '<td class="totals-match">0 / 1 / 0 / 1</td>' in log
    assert '<td class="totals-lists">1 / 0</td>' in log

    log_book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("measures:log"), {"export": "xlsx"}).content)
    )
    header, values = list(log_book.worksheets[0].iter_rows(values_only=True))
    by_label = dict(zip(header, values, strict=True))
    assert (by_label["人工确认"], by_label["待确认"], by_label["黑名单"]) == (1, 0, 1)

    xlsx = client.get(reverse("measures:export", args=[lookup.pk, "xlsx"]))
    summary = summary_of(openpyxl.load_workbook(io.BytesIO(xlsx.content)))["结果概况"]
    assert "人工确认1，待确认0，未匹配1；黑名单1" in summary

    pdf = pdf_text(client.get(reverse("measures:export", args=[lookup.pk, "pdf"])).content)
    assert "人工确认1，待确认0，未匹配1；黑名单1" in pdf


def test_rejecting_candidates_one_by_one_ends_as_not_matched(client, reviewer, blacklisted):
    near = OrganisationFactory(name="惠州市鼎盛建筑工程设计有限公司")
    lookup = candidate_lookup(reviewer, [VARIANT])
    row = lookup.rows.get()
    assert {c["subject"] for c in row.candidates} == {blacklisted.code, near.code}
    client.force_login(reviewer)
    url = reverse("measures:reject", args=[lookup.pk, row.pk])
    client.post(url, {"subject": near.code})
    row.refresh_from_db()
    lookup.refresh_from_db()
    assert row.rejected_codes == [near.code] and row.rejected_at is None
    assert lookup.candidate_count == 1  # still waiting: one candidate is left
    client.post(url, {"subject": blacklisted.code})
    row.refresh_from_db()
    lookup.refresh_from_db()
    assert row.rejected_at is not None and row.rejected_by == reviewer
    assert (lookup.candidate_count, lookup.none_count, lookup.black_count) == (0, 1, 0)
    assert AuditEvent.objects.filter(action="measures.candidate_rejected").count() == 2
    content = client.get(reverse("measures:detail", args=[lookup.pk])).content.decode()
    assert '<dd class="totals-match">0 / 0 / 0 / 1</dd>' in content
    xlsx = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("measures:export", args=[lookup.pk, "xlsx"])).content)
    )
    assert "待确认0，未匹配1" in summary_of(xlsx)["结果概况"]
    # A decided row takes no further decision.
    client.post(reverse("measures:confirm", args=[lookup.pk, row.pk]), {"subject": near.code})
    row.refresh_from_db()
    assert not row.subject_code


def test_reject_all_then_confirm_is_refused(reviewer, blacklisted):
    lookup = candidate_lookup(reviewer, [VARIANT])
    row = lookup.rows.get()
    reject_candidate(user=reviewer, row=row)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        confirm_candidate(user=reviewer, row=row, subject_code=blacklisted.code)
    lookup.refresh_from_db()
    assert (lookup.none_count, lookup.confirmed_count) == (1, 0)


def test_the_pending_queue_pages_and_decides_in_bulk(client, reviewer, blacklisted):
    other = OrganisationFactory(name="惠州市宏达建材有限公司")
    names = [VARIANT, "宏达建材有限责任公司", VARIANT] + [f"不存在的单位{n}" for n in range(22)]
    lookup = candidate_lookup(reviewer, names)
    assert (lookup.row_count, lookup.candidate_count) == (25, 3)
    client.force_login(reviewer)
    detail = reverse("measures:detail", args=[lookup.pk])
    everything = client.get(detail)
    assert everything.context["page"].paginator.num_pages == 2
    queue = client.get(detail, {"show": "pending"})
    rows = list(queue.context["page"].object_list)
    assert [r.position for r in rows] == [1, 2, 3]
    content = queue.content.decode()
    assert "疑似，待确认（3）" in content
    assert f'name="decision-{rows[0].pk}"' in content
    assert reverse("measures:decide", args=[lookup.pk]) in content

    first, second, third = rows
    response = client.post(
        reverse("measures:decide", args=[lookup.pk]),
        {
            f"decision-{first.pk}": f"confirm:{blacklisted.code}",
            f"decision-{second.pk}": "reject",
            f"decision-{third.pk}": "",  # left for later
        },
    )
    assert response.status_code == 302
    lookup.refresh_from_db()
    assert (lookup.confirmed_count, lookup.candidate_count, lookup.none_count) == (1, 1, 23)
    assert lookup.black_count == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.subject_code == blacklisted.code and first.confirmed_by == reviewer
    assert second.rejected_at and other.code in second.rejected_codes
    queue = client.get(detail, {"show": "pending"})
    assert [r.position for r in queue.context["page"].object_list] == [3]


def test_a_bulk_decision_with_one_bad_row_saves_nothing(client, reviewer, blacklisted):
    lookup = candidate_lookup(reviewer, [VARIANT, VARIANT])
    first, second = lookup.rows.order_by("position")
    client.force_login(reviewer)
    response = client.post(
        reverse("measures:decide", args=[lookup.pk]),
        {
            f"decision-{first.pk}": f"confirm:{blacklisted.code}",
            f"decision-{second.pk}": "confirm:91441302XXXXXXXXXX",
        },
        follow=True,
    )
    assert "未保存任何决定" in response.content.decode()
    first.refresh_from_db()
    lookup.refresh_from_db()
    assert not first.subject_code and first.confirmed_at is None
    assert (lookup.confirmed_count, lookup.candidate_count) == (0, 2)
    assert not AuditEvent.objects.filter(action="measures.candidate_confirmed").exists()


def test_only_the_owner_decides(client, reviewer, other_reviewer, blacklisted):
    lookup = candidate_lookup(reviewer, [VARIANT])
    row = lookup.rows.get()
    client.force_login(other_reviewer)
    response = client.post(
        reverse("measures:decide", args=[lookup.pk]),
        {f"decision-{row.pk}": f"confirm:{blacklisted.code}"},
    )
    assert response.status_code == 404  # another reviewer's lookup does not exist for them
    assert client.post(reverse("measures:reject", args=[lookup.pk, row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.confirmed_at is None and row.rejected_codes == []
    assert Lookup.objects.get().candidate_count == 1
    assert row.match == Match.CANDIDATES
