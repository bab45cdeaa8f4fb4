"""Building small worlds of subjects and records for search tests."""

import datetime as dt

from django.utils import timezone

from portal.core.codes import make_resident_id
from portal.records.disclosure import RecordStatus
from portal.subjects.models import Subject, SubjectName
from search.indexing import index_subjects
from search.service import SearchQuery, search_public
from tests.factories import OrganisationFactory, PersonFactory, make_record, next_uscc

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def reindex() -> int:
    return index_subjects(Subject.objects.values_list("pk", flat=True))


def search(**kwargs):
    return search_public(SearchQuery(**kwargs))


def keys(results) -> list[tuple]:
    return [(h.type, h.record_id or h.subject_code) for h in results.hits]


def build_world() -> dict:
    """A fixed set of subjects and records every backend is tested against."""
    w = {}
    w["huaxin"] = OrganisationFactory(name="惠州市华信科技有限公司", district="441302")
    w["shop"] = OrganisationFactory(uscc=next_uscc(kind="2"), name="华信商行", district="441303")
    w["exact"] = OrganisationFactory(name="华信", district="441302")
    w["renamed"] = OrganisationFactory(name="鹏程物流有限公司", district="441322")
    SubjectName.objects.create(
        subject=w["renamed"], name="华信物流有限公司", name_normalised="华信物流"
    )
    w["html"] = OrganisationFactory(name="<b>粤安</b>&建材有限公司", district="441323")
    w["person_number"] = make_resident_id("441302", "19910101", "917")
    w["person"] = PersonFactory(name="王华信", identity_number=w["person_number"])
    w["hidden_person"] = PersonFactory(name="李华信")
    w["minor"] = PersonFactory(name="赵华信", birth=f"{TODAY.year - 15}0101")

    w["penalty"] = make_record(
        w["huaxin"],
        decision_no="惠市监罚〔2025〕101号",
        decision_date=days_ago(40),
        data={"violation_type": "虚假宣传", "content": "罚款2万元", "penalty_types": ["罚款"]},
    )
    w["licence"] = make_record(
        w["huaxin"],
        item_code="ADM_LICENSE",
        department_code="HOUSING",
        decision_no="惠建许〔2024〕7号",
        decision_date=days_ago(400),
        valid_until=TODAY + dt.timedelta(days=300),
        data={"decision_name": "建筑施工许可决定书", "content": "准予许可"},
    )
    w["dishonest"] = make_record(
        w["shop"],
        item_code="COURT_DISHONEST",
        department_code="COURT",
        decision_no="（2025）粤13执88号",
        decision_date=days_ago(20),
        data={"dishonest_behaviour": "违反限制消费令"},
    )
    w["honour"] = make_record(
        w["exact"],
        item_code="HONOUR",
        department_code="MARKET",
        decision_no="惠府〔2025〕3号",
        decision_date=days_ago(100),
        data={"honour_name": "守合同重信用企业"},
    )
    w["person_penalty"] = make_record(
        w["person"],
        decision_no="惠环罚〔2025〕9号",
        department_code="ENV",
        decision_date=days_ago(10),
        data={"violation_type": "超标排放大气污染物", "penalty_types": ["罚款"]},
    )
    w["revoked"] = make_record(
        w["hidden_person"],
        decision_no="惠市监罚〔2025〕55号",
        status=RecordStatus.REVOKED,
        data={"violation_type": "虚假宣传"},
    )
    w["shared"] = make_record(
        w["huaxin"],
        item_code="SOCIAL_INSURANCE_ARREARS",
        department_code="HRSS",
        decision_no="惠人社〔2025〕1号",
        data={"arrears_period": "2025年1月"},
    )
    w["minor_penalty"] = make_record(
        w["minor"], decision_no="惠市监罚〔2025〕77号", data={"violation_type": "虚假宣传"}
    )
    w["expired"] = make_record(
        w["renamed"],
        decision_no="惠市监罚〔2019〕5号",
        severity="minor",
        decision_date=days_ago(2000),
        data={"violation_type": "虚假宣传"},
    )
    return w
