"""Scenario conditions beyond the lists: data on the scenario, checked by screening."""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.catalog.models import CatalogItem
from portal.measures.models import Scenario, ScreeningCondition
from portal.measures.reader import InputRow
from portal.measures.screening import screen
from portal.measures.services import confirm_candidate, run_lookup
from portal.records.disclosure import RecordStatus
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days):
    return TODAY - dt.timedelta(days=days)


def penalty(subject, severity, days, **fields):
    return make_record(subject, severity=severity, decision_date=ago(days), **fields)


def findings_of(subject, scenario_code="PROCUREMENT"):
    (result,) = screen([InputRow(2, "", subject.code)], Scenario.objects.get(code=scenario_code))
    return result.findings


def test_procurement_checks_serious_penalties_of_the_last_three_years(procurement):
    condition = procurement.conditions.get()
    assert (condition.code, condition.category, condition.severity, condition.years) == (
        "SERIOUS_PENALTY_3Y",
        "penalty",
        "serious",
        3,
    )
    assert "政府采购法" in condition.legal_basis
    subject = OrganisationFactory()
    serious = penalty(subject, "serious", 200)
    penalty(subject, "general", 100)  # in force, but not serious
    penalty(subject, "serious", 300, status=RecordStatus.REPAIRED)  # repair lifts it
    found = findings_of(subject)
    assert [(f["record_id"], f["condition"]) for f in found] == [(serious.pk, "SERIOUS_PENALTY_3Y")]
    assert found[0]["name"] == "行政处罚"
    assert found[0]["condition_name"] == condition.name
    assert found[0]["decision_no"] == serious.decision_no
    # Other scenarios name no such condition.
    assert findings_of(subject, "HONOUR") == []


def test_the_look_back_window_is_data(procurement):
    subject = OrganisationFactory()
    old = penalty(subject, "serious", 500)  # still disclosed (36 months), older than a year
    assert [f["record_id"] for f in findings_of(subject)] == [old.pk]
    procurement.conditions.update(years=1)
    assert findings_of(subject) == []
    procurement.conditions.update(years=None)
    assert [f["record_id"] for f in findings_of(subject)] == [old.pk]
    procurement.conditions.update(is_active=False)
    assert findings_of(subject) == []


def test_operators_can_name_an_item_and_a_field_value():
    honour = Scenario.objects.get(code="HONOUR")
    ScreeningCondition.objects.create(
        scenario=honour,
        code="FALSE_ADVERTISING",
        name="虚假宣传处罚",
        catalog_item=CatalogItem.objects.get(code="ADM_PENALTY"),
        field_key="violation_type",
        field_value="虚假宣传",
    )
    subject = OrganisationFactory()
    hit = penalty(subject, "general", 30)  # the factory's violation_type is 虚假宣传
    penalty(
        subject,
        "general",
        40,
        data={"subject_name": subject.name, "violation_type": "无照经营", "penalty_types": []},
    )
    assert [f["record_id"] for f in findings_of(subject, "HONOUR")] == [hit.pk]


def test_a_condition_must_say_which_records():
    condition = ScreeningCondition(
        scenario=Scenario.objects.get(code="BIDDING"), code="X", name="无目录项", field_key="a"
    )
    with pytest.raises(ValidationError) as caught:
        condition.full_clean()
    assert {"catalog_item", "field_value"} <= set(caught.value.message_dict)


def test_findings_are_kept_shown_counted_and_exported(client, reviewer, procurement):
    subject = OrganisationFactory(name="惠州市广达工程有限公司")
    record = penalty(subject, "serious", 60)
    lookup, _ = run_lookup(
        user=reviewer,
        scenario=procurement,
        purpose="供应商资格审查",
        rows=[InputRow(2, subject.name, subject.code), InputRow(3, "不存在的单位", "")],
        channel="file",
    )
    assert lookup.condition_count == 1
    row = lookup.rows.get(position=1)
    assert row.findings[0]["record_id"] == record.pk
    client.force_login(reviewer)
    content = client.get(reverse("measures:detail", args=[lookup.pk])).content.decode()
    assert "符合本场景核查条件" in content
    assert "近三年内失信程度为严重的行政处罚" in content
    assert record.decision_no in content
    assert '<dd class="totals-conditions">1</dd>' in content
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("measures:export", args=[lookup.pk, "xlsx"])).content)
    )
    header, first, *_rest = workbook.worksheets[1].iter_rows(values_only=True)
    cell = dict(zip(header, first, strict=True))["符合场景核查条件"]
    assert "近三年内失信程度为严重的行政处罚" in cell and record.decision_no in cell


def test_confirming_a_candidate_brings_its_findings(reviewer, procurement):
    subject = OrganisationFactory(name="惠州市广达工程有限公司")
    penalty(subject, "serious", 60)
    lookup, _ = run_lookup(
        user=reviewer,
        scenario=procurement,
        purpose="供应商资格审查",
        rows=[InputRow(2, "广达工程有限责任公司", "")],
        channel="file",
    )
    assert lookup.condition_count == 0
    row = lookup.rows.get()
    confirm_candidate(user=reviewer, row=row, subject_code=subject.code)
    row.refresh_from_db()
    lookup.refresh_from_db()
    assert [f["condition"] for f in row.findings] == ["SERIOUS_PENALTY_3Y"]
    assert lookup.condition_count == 1


def test_operators_edit_conditions_on_the_scenario_in_the_admin(client, operator, procurement):
    operator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(operator)
    page = client.get(f"/admin/snippets/measures/scenario/edit/{procurement.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "核查条件" in content
    assert "近三年内失信程度为严重的行政处罚" in content


def test_an_operator_changes_the_look_back_in_the_admin(client, operator, procurement):
    operator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(operator)
    url = f"/admin/snippets/measures/scenario/edit/{procurement.pk}/"
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is not None and not isinstance(value, list):
            data[name] = value
    data["is_active"] = "on"
    formset = form.formsets["conditions"]
    data.update({f"conditions-{k}": v for k, v in formset.management_form.initial.items()})
    for index, inner in enumerate(formset.forms):
        for name in inner.fields:
            value = inner.initial.get(name)
            if value is None or value is False:
                continue
            data[f"conditions-{index}-{name}"] = "on" if value is True else value
        data[f"conditions-{index}-id"] = inner.instance.pk
        data[f"conditions-{index}-years"] = 5
        data[f"conditions-{index}-ORDER"] = index + 1
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert procurement.conditions.get().years == 5
