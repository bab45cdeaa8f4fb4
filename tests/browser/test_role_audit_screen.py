"""The audit screen in a browser: a role's permission change reads as words, in zh and en."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.users.models import UserProfile

from portal.accounts import roles
from portal.accounts.role_audit import role_edit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = {
    "zh-hans": "角色 政府审查人员（reviewers） 的权限变更；增加 1 项：records.view_creditrecord",
    "en": "Permissions of role Government reviewer (reviewers) changed; "
    "added 1: records.view_creditrecord",
}


@pytest.mark.parametrize("language", list(EXPECTED))
def test_a_role_change_on_the_audit_screen(browser, live_server, client, artifacts, language):
    roles.sync_role_permissions()
    operator = UserFactory(role=roles.OPERATORS)
    profile = UserProfile.get_for_user(operator)
    profile.preferred_language = language
    profile.save()
    reviewers = Group.objects.get(name=roles.REVIEWERS)
    with role_edit(reviewers, actor=operator):
        reviewers.permissions.add(
            Permission.objects.get(content_type__app_label="records", codename="view_creditrecord")
        )
    client.force_login(operator)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/audit-trail/?action=accounts.role")
    cell = page.locator("td.audit-summary").first
    assert cell.inner_text() == EXPECTED[language]
    page.screenshot(path=str(artifacts / f"role-audit-{language}.png"), full_page=True)
    context.close()
