"""An item an operator adds in the admin means what its attributes say, everywhere."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cms.lists import ListKind, list_records
from portal.accounts import roles
from portal.catalog.models import CatalogItem, Category, RepairRule, ReportSection
from portal.measures.models import Scenario
from portal.measures.screening import screen_subject
from portal.objections.services import repair_problems
from portal.reports import services as reports
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, UserFactory, department, make_record

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
TODAY = timezone.localdate()


def field(key, label, required=False):
    return {"key": key, "label": label, "label_en": "", "field_type": "text", "required": required}


def new_penalty_item(client) -> CatalogItem:
    operator = UserFactory(role=roles.OPERATORS, is_superuser=True)
    assert client.login(username=operator.username, password=PASSWORD)
    form = nested_form_data(
        {
            "code": "ENV_PENALTY",
            "name": "生态环境行政处罚",
            "name_en": "Environmental penalty",
            "departments": [department("ENV").pk],
            "sort_order": "15",
            "is_active": "on",
            "for_organisations": "on",
            "for_individual_businesses": "on",
            "for_natural_persons": "on",
            "category": Category.PENALTY,
            "is_adverse": "on",
            "repair_rule": RepairRule.AFTER_MINIMUM,
            "report_section": ReportSection.LICENCE_PENALTY,
            "openness": "public",
            "list_type": "",
            "double_publicity": "on",
            "disclosure_basis": "period",
            "natural_key": "decision_no,subject_code",
            "title_field": "violation_type",
            "disclosure_periods": inline_formset(
                [{"severity": "", "min_months": "3", "max_months": "12", "published": "on"}]
            ),
            "fields": inline_formset(
                [
                    field("subject_name", "行政相对人名称", required=True),
                    field("decision_no", "行政处罚决定书文号", required=True),
                    field("violation_type", "违法行为类型", required=True),
                ]
            ),
        }
    )
    form["departments"] = [department("ENV").pk]
    response = client.post("/admin/snippets/catalog/catalogitem/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    return CatalogItem.objects.get(code="ENV_PENALTY")


def test_a_penalty_item_added_in_the_admin_is_listed_repairable_adverse_and_screened(client, lists):
    item = new_penalty_item(client)
    assert item.category == Category.PENALTY and item.is_adverse and item.repairable
    subject = OrganisationFactory(name="惠州市新目录测试有限公司")
    record = make_record(
        subject,
        item_code="ENV_PENALTY",
        department_code="ENV",
        decision_date=TODAY - dt.timedelta(days=150),
        severity="",
        data={"subject_name": subject.name, "violation_type": "超标排放"},
    )
    assert record.is_public

    # Listed on the double-publicity penalty page, beside ADM_PENALTY.
    assert record in list_records(ListKind.PENALTIES)
    client.logout()
    assert record.decision_no in page_text(client.get("/penalties/"))

    # Repairable: its minimum period (3 months) has passed.
    assert repair_problems(record) == []

    # Adverse in the report: the licence-and-penalty section, a repair note, and a
    # penalty finding in the specialised report.
    content = reports.collect(subject)
    section = {s.key: entries for s, entries in content.sections}[ReportSection.LICENCE_PENALTY]
    assert [e.decision_no for e in section] == [record.decision_no]
    assert content.repair_suggestions
    specialised = reports.collect(subject, kind="specialised")
    assert any(f.key == "penalty" and f.count == 1 for f in specialised.findings)

    # Screened: a reviewer sees it beside the lists.
    _lists, _measures, adverse = screen_subject(subject, Scenario.objects.get(code="PROCUREMENT"))
    assert [entry["record_id"] for entry in adverse] == [record.pk]


def test_an_item_that_is_not_repairable_is_refused_by_its_attribute_not_its_code():
    record = make_record(decision_date=TODAY - dt.timedelta(days=150))
    assert repair_problems(record) == []
    CatalogItem.objects.filter(pk=record.catalog_item_id).update(repair_rule=RepairRule.NONE)
    record.refresh_from_db()
    assert "该类信息不适用信用修复。" in repair_problems(record)


def test_the_starter_catalog_carries_its_meaning():
    meanings = {
        item.code: (item.category, item.is_adverse, item.repair_rule, item.report_section)
        for item in CatalogItem.objects.all()
    }
    assert meanings["ADM_PENALTY"] == ("penalty", True, "after_minimum", "licence_penalty")
    assert meanings["ADM_LICENSE"] == ("licence", False, "none", "licence_penalty")
    assert meanings["COURT_DISHONEST"] == ("list_entry", True, "none", "serious_dishonesty")
    assert meanings["HONOUR"] == ("honour", False, "none", "honour_red")


def test_a_black_list_must_be_adverse_and_only_adverse_items_are_repairable():
    from django.core.exceptions import ValidationError

    item = CatalogItem(code="X_LIST", name="某黑名单", natural_key="decision_no", list_type="black")
    item.repair_rule = RepairRule.AFTER_MINIMUM
    with pytest.raises(ValidationError) as error:
        item.clean()
    assert set(error.value.message_dict) == {"is_adverse", "repair_rule"}
