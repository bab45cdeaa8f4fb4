"""The role sync after each migrate: audited by a named system actor, and only on change."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from portal.accounts import roles
from portal.accounts.apps import ROLE_SYNC_ACTOR
from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain

pytestmark = pytest.mark.django_db

ROLE_ACTIONS = ("accounts.role_permissions_changed", "accounts.role_created")


def role_events():
    return AuditEvent.objects.filter(action__in=ROLE_ACTIONS)


def test_a_sync_with_nothing_to_change_writes_nothing():
    roles.sync_role_permissions()  # whatever the test database still lacked
    before = role_events().count()
    call_command("migrate", verbosity=0)
    roles.sync_role_permissions()
    assert role_events().count() == before


def test_a_permission_put_back_by_the_migrate_sync_names_the_system_actor():
    roles.sync_role_permissions()
    operators = Group.objects.get(name=roles.OPERATORS)
    permission = Permission.objects.get(
        content_type__app_label="records", codename="view_creditrecord"
    )
    operators.permissions.remove(permission)
    last = AuditEvent.objects.order_by("-id").first().pk

    call_command("migrate", verbosity=0)

    event = role_events().filter(pk__gt=last).get()
    assert event.actor is None and event.actor_label == ROLE_SYNC_ACTOR == "migrate: role sync"
    assert event.data == {"role": roles.OPERATORS, "added": ["records.view_creditrecord"]}
    assert operators.permissions.filter(pk=permission.pk).exists()


def test_a_role_created_by_the_sync_is_audited_once():
    roles.sync_role_permissions()
    Group.objects.filter(name=roles.REVIEWERS).delete()
    last = AuditEvent.objects.order_by("-id").first().pk
    roles.sync_role_permissions()
    roles.sync_role_permissions()
    created = AuditEvent.objects.filter(action="accounts.role_created", pk__gt=last)
    assert [e.data["role"] for e in created] == [roles.REVIEWERS]
    assert verify_chain().ok


def test_operators_are_given_reading_of_the_query_register_and_nothing_more():
    from tests.factories import UserFactory

    roles.sync_role_permissions()
    operator = UserFactory(role=roles.OPERATORS)
    for model in ("queryregistration", "queryalert", "securityreport"):
        assert operator.has_perm(f"queries.view_{model}")
        # Evidence: nobody edits or removes it.
        assert not operator.has_perm(f"queries.change_{model}")
        assert not operator.has_perm(f"queries.delete_{model}")
    officer = UserFactory(role=roles.DEPARTMENT_OFFICERS)
    assert not officer.has_perm("queries.view_queryregistration")
