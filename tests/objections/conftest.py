import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts import roles
from tests.factories import UserFactory, department, make_record


@pytest.fixture
def operator(db):
    return UserFactory(username="op", email="op@example.gov.cn", role=roles.OPERATORS)


@pytest.fixture
def officer(db):
    user = UserFactory(
        username="market", email="market@example.gov.cn", role=roles.DEPARTMENT_OFFICERS
    )
    user.department = department("MARKET")
    user.save()
    return user


@pytest.fixture
def tax_officer(db):
    user = UserFactory(username="tax", email="tax@example.gov.cn", role=roles.DEPARTMENT_OFFICERS)
    user.department = department("TAX")
    user.save()
    return user


@pytest.fixture
def record(db):
    """A published general-severity penalty of the market regulator, decided 30 days ago."""
    return make_record(department_code="MARKET")


@pytest.fixture
def repairable(db):
    """A published penalty whose minimum period (3 months, general) has passed."""
    return make_record(
        department_code="MARKET", decision_date=timezone.localdate() - dt.timedelta(days=200)
    )
