"""The governance pages in English: the register, its alerts and reports, sharing, account and
retention labels carry no Chinese once the English catalog is compiled."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from exchange.models import SharingGrant
from portal.accounts import roles
from portal.catalog.models import CatalogItem
from portal.queries import services
from portal.queries.models import QueryRegistration
from portal.records.models import CreditRecord
from tests.factories import UserFactory, department

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e]")


def cjk_in(texts) -> list[str]:
    return [text for text in map(str, texts) if CJK.search(text)]


@pytest.fixture
def english_operator(client):
    operator = UserFactory(role=roles.OPERATORS)
    profile = UserProfile.get_for_user(operator)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(operator)
    return operator


def headers(html: str) -> list[str]:
    cells = re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_the_query_register_and_alerts_listings_in_english(client, english_operator, settings):
    settings.PORTAL_QUERY_ALERT_PER_DAY = 0
    day = timezone.localdate() - dt.timedelta(days=7)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    services.register(
        user=english_operator,
        channel="api",
        looked=[services.Looked("subject:1", 1, natural_person=True)],
        purpose="核查",
        now=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
    )

    register = client.get("/admin/snippets/queries/queryregistration/").content.decode()
    labels = headers(register)
    assert {"Looked at", "Queried by (name)", "Channel"} <= set(labels), labels
    assert not cjk_in(labels)
    assert "Shared query API" in register and "共享查询接口" not in register

    alerts = client.get("/admin/snippets/queries/queryalert/").content.decode()
    labels = headers(alerts)
    assert {"Count", "Raised at", "Acknowledged at"} <= set(labels), labels
    assert not cjk_in(labels)
    assert "Too many queries in a day" in alerts


def test_the_security_report_sheets_in_english():
    report, _made = services.generate_report(timezone.localdate())
    with translation.override("en"):
        sheets = services.report_rows(report)
    assert list(sheets) == ["Summary", "By user", "Accounts and logins"]
    summary_labels = [row[0] for row in sheets["Summary"]]
    assert "Registered queries" in summary_labels
    assert not cjk_in(summary_labels)
    assert not cjk_in(sheets["By user"][0] + sheets["Accounts and logins"][0])


def test_the_shared_query_page_and_its_refusal_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(UserFactory(role=roles.GOVERNMENT_USERS, department=department("TRANSPORT")))
    page = client.post(
        reverse("exchange:shared_query"),
        {"code": "91441302MA4UKFQX1C", "purpose": "check", "legal_basis": "Article 7"},
    ).content.decode()
    assert "Your department&#x27;s sharing grants" in page or "Your department's sharing" in page
    assert "has no grant to query shared-only information" in page
    assert "本部门" not in page and "共享授权" not in page


def test_model_and_admin_labels_of_the_governance_models_in_english():
    User = get_user_model()
    fields = [
        User._meta.get_field("must_change_password"),
        User._meta.get_field("password_changed_at"),
        CreditRecord._meta.get_field("purged_at"),
        CatalogItem._meta.get_field("retention_years"),
        SharingGrant._meta.get_field("department"),
        SharingGrant._meta.get_field("legal_basis"),
        QueryRegistration._meta.get_field("refused"),
    ]
    with translation.override("en"):
        labels = [f.verbose_name for f in fields] + [f.help_text for f in fields if f.help_text]
        labels += [SharingGrant._meta.verbose_name, QueryRegistration._meta.verbose_name]
        assert not cjk_in(labels), cjk_in(labels)
