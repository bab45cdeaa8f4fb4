"""What the staff walk found, held in place without a browser: the case screens and the
review pages follow the language cookie as the workspace does and share one staff header
(language switch, who is signed in, the way out); names come in the reader's language;
the admin's batches list shows status labels, not codes; the token page shows the whole
header an API client must send."""

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.users.models import UserProfile

from portal.accounts import roles
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import UserFactory, department, make_record
from tests.objections.helpers import file_objection

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_case_screens_follow_the_language_cookie(client, english):
    case, _secret = file_objection(make_record(department_code="MARKET"))
    client.force_login(UserFactory(role=roles.OPERATORS, last_name="陈静", first_name=""))
    listing = client.get(reverse("cases:staff_case_list")).content.decode()
    assert "Objection and repair cases" in listing and "异议与信用修复案件" not in listing
    assert 'data-label="Source department">Market Regulation Administration<' in listing
    page = client.get(reverse("cases:staff_case_detail", args=[case.tracking_no]))
    html = page.content.decode()
    assert "Signed in as 陈静" in html and "Sign out" in html
    # The switch back to Chinese, in the header every staff area shares.
    assert 'name="language" value="zh-hans"' in html
    # The correction form names the record's fields in English.
    client.post(
        reverse("cases:staff_case_detail", args=[case.tracking_no]),
        {"action": "accept", "comment": ""},
    )
    client.post(
        reverse("cases:staff_case_detail", args=[case.tracking_no]),
        {"action": "check", "comment": ""},
    )
    html = client.get(reverse("cases:staff_case_detail", args=[case.tracking_no])).content
    assert ">Fine (10k CNY)</label>" in html.decode()


def test_the_case_screens_stay_chinese_without_the_cookie(client):
    client.force_login(UserFactory(role=roles.OPERATORS))
    html = client.get(reverse("cases:staff_case_list")).content.decode()
    assert "异议与信用修复案件" in html and 'name="language" value="en"' in html


def test_the_review_pages_have_the_staff_header_and_follow_the_cookie(client, english):
    client.force_login(UserFactory(role=roles.REVIEWERS, last_name="周岚", first_name=""))
    html = client.get(reverse("measures:lookup")).content.decode()
    assert "Signed in as 周岚" in html and "Sign out" in html
    assert 'action="/admin/logout/"' in html
    # Not the public site's search box and menu.
    assert "header-search" not in html
    assert "Government procurement (PROCUREMENT)" in html and "政府采购" not in html


def test_the_workspace_names_items_and_departments_in_english(client, english):
    officer = UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("MARKET"))
    client.force_login(officer)
    html = client.get(reverse("exchange:template_list")).content.decode()
    assert "Administrative penalty" in html and "行政处罚" not in html
    assert "Market Regulation Administration" in html
    entry = client.get(reverse("exchange:record_enter"), {"item": "ADM_PENALTY"}).content
    assert "Subject name" in entry.decode()
    upload = client.get(reverse("exchange:batch_upload")).content.decode()
    assert "Administrative penalty (ADM_PENALTY)" in upload


def test_the_token_page_shows_the_header_to_send(client):
    client.force_login(UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("MARKET")))
    html = client.get(reverse("exchange:token_list")).content.decode()
    assert "<code>Authorization: Token &lt;令牌密钥&gt;</code>" in html


def test_the_admin_batches_list_shows_status_labels(client):
    load(penalty_csv([penalty_row()]))
    operator = UserFactory(role=roles.OPERATORS)
    client.force_login(operator)
    html = client.get("/admin/snippets/exchange/batch/").content.decode()
    assert "已入库" in html and ">committed<" not in html
    profile = UserProfile.get_for_user(operator)
    profile.preferred_language = "en"
    profile.save()
    html = client.get("/admin/snippets/exchange/batch/").content.decode()
    assert "Committed" in html and "Market Regulation Administration" in html
