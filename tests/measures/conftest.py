import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts import roles
from portal.measures.models import Scenario
from portal.records.disclosure import RecordStatus
from tests.factories import OrganisationFactory, UserFactory, department, make_record


@pytest.fixture
def reviewer(db):
    return UserFactory(role=roles.REVIEWERS)


@pytest.fixture
def other_reviewer(db):
    return UserFactory(role=roles.REVIEWERS)


@pytest.fixture
def officer(db):
    return UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("MARKET"))


@pytest.fixture
def operator(db):
    return UserFactory(role=roles.OPERATORS)


@pytest.fixture
def procurement(db):
    return Scenario.objects.get(code="PROCUREMENT")


def court_dishonest(subject, **fields):
    """A published dishonest-judgment-debtor record: the subject is on a black list."""
    return make_record(
        subject,
        item_code="COURT_DISHONEST",
        department_code="COURT",
        severity="",
        data={"subject_name": subject.name, "dishonest_behaviour": "违反限制消费令"},
        **fields,
    )


def honour(subject, **fields):
    return make_record(
        subject,
        item_code="HONOUR",
        severity="",
        data={"subject_name": subject.name, "honour_name": "守合同重信用企业"},
        **fields,
    )


@pytest.fixture
def blacklisted(db):
    subject = OrganisationFactory(name="惠州市鼎盛建筑工程有限责任公司")
    court_dishonest(subject)
    return subject


@pytest.fixture
def repaired(db):
    """On a black list once; the record was repaired, so no measure applies any more."""
    subject = OrganisationFactory(name="惠州市晨光印刷有限公司")
    court_dishonest(subject, status=RecordStatus.REPAIRED)
    return subject


@pytest.fixture
def honoured(db):
    subject = OrganisationFactory(name="惠州市星海电子有限公司")
    honour(subject, decision_date=timezone.localdate() - dt.timedelta(days=10))
    return subject
