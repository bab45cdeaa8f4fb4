"""The reviewer pages over HTTP: access, lookups, feedback, exports, the log."""

import io

import openpyxl
import pytest
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.measures.models import Feedback, Lookup, Match, Measure, Scenario
from portal.measures.reader import InputRow
from portal.measures.services import run_lookup
from tests.factories import OrganisationFactory
from tests.measures.conftest import court_dishonest

pytestmark = pytest.mark.django_db

LOOKUP = reverse("measures:lookup")
LOG = reverse("measures:log")


def post_lookup(client, **fields):
    data = {
        "scenario": Scenario.objects.get(code="PROCUREMENT").pk,
        "purpose": "某采购项目供应商资格审查",
    }
    data.update(fields)
    return client.post(LOOKUP, data)


def a_lookup(user, subject, scenario_code="PROCUREMENT"):
    lookup, _ = run_lookup(
        user=user,
        scenario=Scenario.objects.get(code=scenario_code),
        purpose="评审",
        rows=[InputRow(1, subject.name, subject.code)],
        channel="single",
    )
    return lookup


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(LOOKUP)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_department_officers_cannot_use_the_lookup_at_all(client, officer, reviewer, blacklisted):
    client.force_login(officer)
    assert client.get(LOOKUP).status_code == 403
    assert post_lookup(client, query=blacklisted.code).status_code == 403
    assert client.get(LOG).status_code == 403
    lookup = a_lookup(reviewer, blacklisted)
    assert client.get(reverse("measures:detail", args=[lookup.pk])).status_code == 403
    assert Lookup.objects.count() == 1


def test_single_lookup_is_run_logged_and_audited(client, reviewer, blacklisted):
    client.force_login(reviewer)
    assert client.get(LOOKUP).status_code == 200
    response = post_lookup(client, query=blacklisted.code, reference="HZCG-2026-001")
    lookup = Lookup.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("measures:detail", args=[lookup.pk])
    assert (lookup.user, lookup.scenario.code, lookup.purpose, lookup.reference) == (
        reviewer,
        "PROCUREMENT",
        "某采购项目供应商资格审查",
        "HZCG-2026-001",
    )
    row = lookup.rows.get()
    assert row.match == Match.EXACT and row.subject_code == blacklisted.code
    assert row.input == {"row": 1, "name": "", "code": blacklisted.code}
    assert [e["list"] for e in row.lists] == ["COURT_DISHONEST"]
    assert "BLACK_PROCUREMENT_BAN" in [m["code"] for m in row.measures]
    event = AuditEvent.objects.get(action="measures.lookup")
    assert event.actor == reviewer
    assert event.target_id == str(lookup.pk)
    assert event.data["purpose"] == lookup.purpose
    assert event.data["subjects"] == [blacklisted.code]
    page = client.get(response.url)
    assert page.status_code == 200
    content = page.content.decode()
    assert blacklisted.name in content
    assert "限制参加政府采购活动" in content


def test_scenario_and_purpose_are_required(client, reviewer, blacklisted):
    client.force_login(reviewer)
    response = post_lookup(client, query=blacklisted.code, purpose="  ")
    assert response.status_code == 200
    assert "purpose" in response.context["form"].errors
    response = client.post(LOOKUP, {"purpose": "审查", "query": blacklisted.code})
    assert "scenario" in response.context["form"].errors
    assert not Lookup.objects.exists()


def test_list_upload_screens_every_row(client, reviewer, blacklisted):
    client.force_login(reviewer)
    csv = (
        "名称,统一社会信用代码\n"
        f"{blacklisted.name},{blacklisted.code}\n"
        "鼎盛建筑工程有限公司（惠州）,\n"
        "不存在的单位,\n"
    ).encode("gbk")
    upload = io.BytesIO(csv)
    upload.name = "suppliers.csv"
    response = post_lookup(client, file=upload)
    lookup = Lookup.objects.get()
    assert response.status_code == 302
    assert (lookup.channel, lookup.file_name, lookup.row_count) == ("file", "suppliers.csv", 3)
    assert (lookup.exact_count, lookup.candidate_count, lookup.none_count) == (1, 1, 1)
    assert lookup.black_count == 1
    rows = list(lookup.rows.order_by("position"))
    assert [r.input["row"] for r in rows] == [2, 3, 4]
    assert rows[1].candidates[0]["subject"] == blacklisted.code
    assert rows[1].candidates[0]["explanation"]


def test_a_bad_file_gets_a_clear_message_and_no_lookup(client, reviewer):
    client.force_login(reviewer)
    upload = io.BytesIO(b"PK\x03\x04 broken")
    upload.name = "list.xlsx"
    response = post_lookup(client, file=upload)
    assert response.status_code == 200
    assert "XLSX" in " ".join(response.context["form"].errors["file"])
    assert not Lookup.objects.exists()


def test_reviewers_cannot_read_each_others_lookups(client, reviewer, other_reviewer, blacklisted):
    mine = a_lookup(reviewer, blacklisted)
    theirs = a_lookup(other_reviewer, blacklisted)
    client.force_login(reviewer)
    assert client.get(reverse("measures:detail", args=[mine.pk])).status_code == 200
    for name, args in [
        ("measures:detail", [theirs.pk]),
        ("measures:export", [theirs.pk, "xlsx"]),
        ("measures:export", [theirs.pk, "pdf"]),
    ]:
        # Another reviewer's lookup answers exactly as a missing one.
        assert client.get(reverse(name, args=args)).status_code == 404
    missing = theirs.pk + 1000
    assert client.get(reverse("measures:detail", args=[missing])).status_code == 404
    row = theirs.rows.get()
    response = client.post(
        reverse("measures:feedback", args=[theirs.pk, row.pk]), {"outcome": "applied"}
    )
    assert response.status_code == 404
    assert not Feedback.objects.exists()
    log = client.get(LOG)
    assert list(log.context["page"].object_list) == [mine]
    # Not even through the log's export.
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(LOG, {"export": "xlsx"}).content))
    assert [r[0] for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        mine.pk
    ]


def test_feedback_is_recorded_and_audited(client, reviewer, blacklisted):
    lookup = a_lookup(reviewer, blacklisted)
    row = lookup.rows.get()
    client.force_login(reviewer)
    url = reverse("measures:feedback", args=[lookup.pk, row.pk])
    # Not applied needs a reason.
    client.post(url, {"outcome": "not_applied", "measure": "BLACK_PROCUREMENT_BAN"})
    assert not Feedback.objects.exists()
    response = client.post(
        url, {"outcome": "applied", "measure": "BLACK_PROCUREMENT_BAN", "reason": "取消投标资格"}
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.row, feedback.user, feedback.outcome) == (row, reviewer, "applied")
    assert feedback.measure.code == "BLACK_PROCUREMENT_BAN"
    assert feedback.reason == "取消投标资格"
    event = AuditEvent.objects.get(action="measures.feedback")
    assert event.data["subject"] == blacklisted.code
    assert event.data["outcome"] == "applied"
    page = client.get(reverse("measures:detail", args=[lookup.pk])).content.decode()
    assert "取消投标资格" in page
    # A measure that does not apply to this subject in this scenario is refused.
    client.post(url, {"outcome": "applied", "measure": "BLACK_HONOUR_EXCLUDE"})
    assert Feedback.objects.count() == 1


def test_reviewer_confirms_a_candidate(client, reviewer, blacklisted):
    lookup, _ = run_lookup(
        user=reviewer,
        scenario=Scenario.objects.get(code="PROCUREMENT"),
        purpose="评审",
        rows=[InputRow(2, "鼎盛建筑工程有限公司（惠州）", "")],
        channel="file",
    )
    row = lookup.rows.get()
    assert row.match == Match.CANDIDATES and not row.subject_code and row.lists == []
    client.force_login(reviewer)
    client.post(
        reverse("measures:confirm", args=[lookup.pk, row.pk]), {"subject": blacklisted.code}
    )
    row.refresh_from_db()
    assert row.subject_code == blacklisted.code
    assert row.confirmed_by == reviewer
    assert [e["list"] for e in row.lists] == ["COURT_DISHONEST"]
    assert "BLACK_PROCUREMENT_BAN" in [m["code"] for m in row.measures]
    assert AuditEvent.objects.filter(action="measures.candidate_confirmed").exists()


def test_results_export_as_xlsx_and_pdf(client, reviewer, blacklisted):
    lookup = a_lookup(reviewer, blacklisted)
    client.force_login(reviewer)
    response = client.get(reverse("measures:export", args=[lookup.pk, "xlsx"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    results = workbook.worksheets[1]
    values = [c for r in results.iter_rows(values_only=True) for c in r]
    assert blacklisted.code in values
    assert any("限制参加政府采购活动" in str(v) for v in values)
    pdf = client.get(reverse("measures:export", args=[lookup.pk, "pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="measures.lookup_exported").count() == 2


def test_operators_search_and_export_the_whole_log(client, operator, reviewer, other_reviewer):
    first, second = OrganisationFactory(), OrganisationFactory(name="惠州市银河物流有限公司")
    a_lookup(reviewer, first)
    theirs = a_lookup(other_reviewer, second, "HONOUR")
    Feedback.objects.create(
        row=theirs.rows.get(), outcome="not_applied", reason="未列入名单", user=other_reviewer
    )
    client.force_login(operator)
    assert client.get(LOG).context["page"].paginator.count == 2
    assert list(client.get(LOG, {"text": "银河物流"}).context["page"].object_list) == [theirs]
    assert list(client.get(LOG, {"scenario": "HONOUR"}).context["page"].object_list) == [theirs]
    assert list(
        client.get(LOG, {"username": other_reviewer.username}).context["page"].object_list
    ) == [theirs]
    assert client.get(reverse("measures:detail", args=[theirs.pk])).status_code == 200
    response = client.get(LOG, {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    lookups, rows = workbook.worksheets
    assert {r[2] for r in lookups.iter_rows(min_row=2, values_only=True)} == {
        reviewer.username,
        other_reviewer.username,
    }
    detail = {r[5]: r for r in rows.iter_rows(min_row=2, values_only=True)}
    assert "未列入名单" in detail[second.code][9]
    assert AuditEvent.objects.filter(action="measures.log_exported", actor=operator).exists()
    # Operators read the log; the lookup itself is for reviewers.
    assert client.get(LOOKUP).status_code == 403


def test_operators_edit_the_measures_list_in_the_admin(client):
    from django.contrib.auth.models import Permission

    from portal.accounts import roles
    from tests.factories import UserFactory

    operator = UserFactory(role=roles.OPERATORS)
    operator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(operator)
    listing = client.get("/admin/snippets/measures/measure/")
    assert listing.status_code == 200
    assert "限制参加政府采购活动" in listing.content.decode()
    assert client.get("/admin/snippets/measures/measure/add/").status_code == 200
    assert client.get("/admin/snippets/measures/scenario/").status_code == 200
    menu = client.get("/admin/").content.decode()
    assert reverse("measures:log") in menu


def test_feedback_on_a_suspended_measure_warns(client, reviewer, honoured):
    court_dishonest(honoured)  # on a black list too: the reward is suspended
    lookup = a_lookup(reviewer, honoured)
    row = lookup.rows.get()
    assert {m["code"]: m["suspended"] for m in row.measures}["RED_PROCUREMENT_BIDDING_CREDIT"]
    client.force_login(reviewer)
    url = reverse("measures:feedback", args=[lookup.pk, row.pk])
    page = client.get(reverse("measures:detail", args=[lookup.pk])).content.decode()
    assert "政府采购和招标投标中予以信用加分或优先考虑（暂停适用）</option>" in page
    response = client.post(
        url, {"outcome": "applied", "measure": "RED_PROCUREMENT_BIDDING_CREDIT"}, follow=True
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and "暂停适用" in warnings[0]
    assert Feedback.objects.get().measure.code == "RED_PROCUREMENT_BIDDING_CREDIT"
    event = AuditEvent.objects.get(action="measures.feedback")
    assert event.data["warnings"] == warnings
    # Applying the whole set (no measure chosen) includes the suspended one: warned too.
    response = client.post(url, {"outcome": "applied"}, follow=True)
    assert any(m.level_tag == "warning" for m in response.context["messages"])
    # The penalty in force is not suspended: no warning.
    response = client.post(
        url, {"outcome": "applied", "measure": "BLACK_PROCUREMENT_BAN"}, follow=True
    )
    assert not any(m.level_tag == "warning" for m in response.context["messages"])
    # Not applying a suspended measure needs no warning either.
    response = client.post(
        url,
        {"outcome": "not_applied", "measure": "RED_PROCUREMENT_BIDDING_CREDIT", "reason": "暂停"},
        follow=True,
    )
    assert not any(m.level_tag == "warning" for m in response.context["messages"])


def test_feedback_on_a_measure_retired_since_the_lookup_warns(client, reviewer, blacklisted):
    lookup = a_lookup(reviewer, blacklisted)
    row = lookup.rows.get()
    Measure.objects.filter(code="BLACK_PROCUREMENT_BAN").update(is_active=False)
    client.force_login(reviewer)
    response = client.post(
        reverse("measures:feedback", args=[lookup.pk, row.pk]),
        {"outcome": "applied", "measure": "BLACK_PROCUREMENT_BAN"},
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and "已停用" in warnings[0]


def test_reviewer_screens_show_item_and_measure_names_grouped(client, reviewer, operator):
    prolific = OrganisationFactory(name="惠州市多案被执行有限公司")
    for _ in range(35):
        court_dishonest(prolific)
    lookup, _ = run_lookup(
        user=reviewer,
        scenario=Scenario.objects.get(code="PROCUREMENT"),
        purpose="评审",
        rows=[InputRow(2, "多案被执行有限责任公司", ""), InputRow(3, prolific.name, prolific.code)],
        channel="file",
    )
    client.force_login(reviewer)
    content = client.get(reverse("measures:detail", args=[lookup.pk])).content.decode()
    assert "COURT_DISHONEST" not in content
    assert "BLACK_PROCUREMENT_BAN" not in content.replace('value="BLACK_PROCUREMENT_BAN"', "")
    assert "失信被执行人 ×35" in content  # the candidate's lists, once, with the count
    assert "35 条" in content  # the matched row's records, grouped under the item
    assert content.count('<details class="item-group">') == 1
    assert "触发名单：失信被执行人" in content
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("measures:export", args=[lookup.pk, "xlsx"])).content)
    )
    candidates = list(workbook.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert candidates[0][6] == "失信被执行人（35条）"
    measures = list(workbook.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert measures[0][2] == "限制参加政府采购活动" and measures[0][5] == "失信被执行人"
    client.force_login(operator)
    log = openpyxl.load_workbook(
        io.BytesIO(client.get(LOG, {"export": "xlsx"}).content)
    ).worksheets[1]
    detail = {r[1]: r for r in log.iter_rows(min_row=2, values_only=True)}
    assert detail[2][7] == "失信被执行人（35条）"
    assert "限制参加政府采购活动" in detail[2][8] and "BLACK_" not in detail[2][8]
