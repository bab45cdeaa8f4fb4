"""A role's permissions changed in the Wagtail group editor, django-admin or a shell: audited
once per change, with what was added and removed (issue 15, item 6)."""

import html
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page
from wagtail.users.models import UserProfile

from portal.accounts import role_audit, roles
from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would send for the group form as shown (checked boxes etc.)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.choices: dict[str, list[str]] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if tag == "select":
            self._select = name
        if tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        if tag != "input" or not name or "__prefix__" in name or name == "csrfmiddlewaretoken":
            return
        kind = attrs.get("type", "text")
        if kind == "checkbox":
            self.choices.setdefault(name, []).append(attrs.get("value", "on"))
            if "checked" in attrs:
                self.data.setdefault(name, []).append(attrs.get("value", "on"))
        elif kind in {"text", "hidden"}:
            self.data.setdefault(name, []).append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def shown_form(client, url) -> _Form:
    response = client.get(url)
    assert response.status_code == 200
    form = _Form()
    form.feed(response.content.decode())
    return form


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def role_entries(since):
    return AuditEvent.objects.filter(action__in=role_audit.ROLE_ACTIONS, pk__gt=since)


def last_id():
    last = AuditEvent.objects.order_by("-id").first()
    return last.pk if last else 0


def full_name(perm) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


def shown_permission(form, number=0):
    """A model permission the Wagtail form offers (only those registered with it)."""
    return Permission.objects.get(pk=int(form.choices["permissions"][number]))


def permission(full_name):
    app, codename = full_name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


@pytest.fixture
def operator():
    roles.sync_role_permissions()
    return UserFactory(role=roles.OPERATORS)


@pytest.fixture
def reviewers():
    return Group.objects.get(name=roles.REVIEWERS)


def test_a_role_edited_in_the_wagtail_group_editor_is_one_entry_with_the_diff(
    client, operator, reviewers
):
    root = Page.objects.get(depth=1)
    collection = Collection.get_first_root_node()
    add_image = permission("wagtailimages.add_image")
    url = f"/admin/groups/edit/{reviewers.pk}/"
    client.force_login(operator)
    form = shown_form(client, url)
    view_events = shown_permission(form)
    data = {
        **form.data,
        "permissions": [*form.data.get("permissions", []), str(view_events.pk)],
        "page_permissions-TOTAL_FORMS": "1",
        "page_permissions-0-page": str(root.pk),
        "page_permissions-0-permissions": ["change_page", "publish_page"],
        "image_permissions-TOTAL_FORMS": "1",
        "image_permissions-0-collection": str(collection.pk),
        "image_permissions-0-permissions": [str(add_image.pk)],
    }
    since = last_id()

    post(client, url, data)

    entry = role_entries(since).get()
    assert entry.action == "accounts.role_permissions_changed"
    assert entry.actor == operator
    assert (entry.target_type, entry.target_id) == ("auth.group", str(reviewers.pk))
    assert entry.data == {
        "role": roles.REVIEWERS,
        "added": [
            full_name(view_events),
            f"collection:{collection.pk}:wagtailimages.add_image",
            f"page:{root.pk}:change_page",
            f"page:{root.pk}:publish_page",
        ],
        "pages": {str(root.pk): root.title},
        "collections": {str(collection.pk): collection.name},
    }
    assert GroupPagePermission.objects.filter(group=reviewers).count() == 2
    assert GroupCollectionPermission.objects.filter(group=reviewers).count() == 1

    # Taking one page permission and the model permission away again.
    form = shown_form(client, url)
    data = {
        **form.data,
        "permissions": [p for p in form.data["permissions"] if p != str(view_events.pk)],
        "page_permissions-0-permissions": ["change_page"],
    }
    since = last_id()
    post(client, url, data)
    entry = role_entries(since).get()
    assert entry.data == {
        "role": roles.REVIEWERS,
        "removed": [full_name(view_events), f"page:{root.pk}:publish_page"],
        "pages": {str(root.pk): root.title},
    }
    assert verify_chain().ok


def test_saving_a_role_unchanged_writes_nothing(client, operator):
    # Operators hold permissions the Wagtail form does not show; the form takes them
    # away and puts them back on every save, which is no change.
    operators = Group.objects.get(name=roles.OPERATORS)
    url = f"/admin/groups/edit/{operators.pk}/"
    client.force_login(operator)
    form = shown_form(client, url)
    shown = set(form.choices["permissions"])
    held = {str(pk) for pk in operators.permissions.values_list("pk", flat=True)}
    assert held - shown, "operators should hold a permission the form does not show"
    before = role_audit.grants(operators.pk)
    since = last_id()

    post(client, url, form.data)

    assert not role_entries(since).exists()
    assert role_audit.grants(operators.pk) == before


def test_a_role_created_and_deleted_in_the_wagtail_editor(client):
    roles.sync_role_permissions()
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    form = shown_form(client, "/admin/groups/new/")
    root = Page.objects.get(depth=1)
    since = last_id()
    post(
        client,
        "/admin/groups/new/",
        {
            **form.data,
            "name": "auditors",
            "permissions": [str(shown_permission(form).pk)],
            "page_permissions-TOTAL_FORMS": "1",
            "page_permissions-0-page": str(root.pk),
            "page_permissions-0-permissions": ["change_page"],
        },
    )
    group = Group.objects.get(name="auditors")
    created = role_entries(since).get()
    assert created.action == "accounts.role_created" and created.actor == admin
    assert created.data["added"] == sorted(
        [full_name(shown_permission(form)), f"page:{root.pk}:change_page"]
    )

    since = last_id()
    post(client, f"/admin/groups/delete/{group.pk}/", {})
    deleted = role_entries(since).get()
    assert deleted.action == "accounts.role_deleted" and deleted.actor == admin
    assert deleted.data["role"] == "auditors"
    assert deleted.data["removed"] == created.data["added"]


def test_a_role_edited_in_django_admin_is_one_entry(client, reviewers):
    roles.sync_role_permissions()
    admin = UserFactory(is_superuser=True)
    reviewers.permissions.add(permission("records.view_creditrecord"))
    client.force_login(admin)
    since = last_id()
    post(
        client,
        f"/django-admin/auth/group/{reviewers.pk}/change/",
        {"name": roles.REVIEWERS, "permissions": [str(permission("audit.view_auditevent").pk)]},
    )
    entry = role_entries(since).get()
    assert entry.actor == admin
    assert entry.data == {
        "role": roles.REVIEWERS,
        "added": ["audit.view_auditevent"],
        "removed": ["records.view_creditrecord"],
    }


def test_changes_from_a_shell_are_audited_one_by_one_without_a_flood(reviewers):
    roles.sync_role_permissions()
    root = Page.objects.get(depth=1)
    since = last_id()
    for codename in ("change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=reviewers, page=root, permission=permission(f"wagtailcore.{codename}")
        )
    added = role_entries(since)
    assert [e.data.get("added") for e in added] == [
        [f"page:{root.pk}:change_page"],
        [f"page:{root.pk}:publish_page"],
    ]
    assert all(e.actor is None for e in added)

    since = last_id()
    GroupPagePermission.objects.filter(group=reviewers).delete()
    removed = role_entries(since).get()
    assert removed.data["removed"] == [
        f"page:{root.pk}:change_page",
        f"page:{root.pk}:publish_page",
    ]

    # Deleting a role is one entry, not one per grant it had.
    GroupPagePermission.objects.create(
        group=reviewers, page=root, permission=permission("wagtailcore.change_page")
    )
    reviewers.permissions.add(permission("audit.view_auditevent"))
    since = last_id()
    reviewers.delete()
    entry = role_entries(since).get()
    assert entry.action == "accounts.role_deleted"
    assert entry.data["removed"] == ["audit.view_auditevent", f"page:{root.pk}:change_page"]


def test_the_role_sync_writes_one_entry_per_run_or_none():
    roles.sync_role_permissions()
    since = last_id()
    roles.sync_role_permissions()
    assert not role_entries(since).exists()

    operators = Group.objects.get(name=roles.OPERATORS)
    operators.permissions.remove(*operators.permissions.filter(content_type__app_label="catalog"))
    GroupPagePermission.objects.filter(group=operators).delete()
    since = last_id()
    roles.sync_role_permissions()
    entry = role_entries(since).get()
    root = Page.objects.get(depth=1)
    assert entry.data["added"][-len(roles.OPERATOR_PAGE_PERMISSIONS) :] == sorted(
        f"page:{root.pk}:{codename}" for codename in roles.OPERATOR_PAGE_PERMISSIONS
    )
    assert any(item.startswith("catalog.") for item in entry.data["added"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            "角色 政府审查人员（reviewers） 的权限变更；"
            "增加 2 项：audit.view_auditevent、页面“Root”：publish_page；"
            "取消 1 项：records.view_creditrecord",
        ),
        (
            "en",
            "Permissions of role Government reviewer (reviewers) changed; "
            "added 2: audit.view_auditevent, page “Root”: publish_page; "
            "removed 1: records.view_creditrecord",
        ),
    ],
)
def test_the_audit_screen_reads_a_role_change(client, operator, reviewers, language, expected):
    profile = UserProfile.get_for_user(operator)
    profile.preferred_language = language
    profile.save()
    root = Page.objects.get(depth=1)
    reviewers.permissions.add(permission("records.view_creditrecord"))
    since = last_id()
    with role_audit.role_edit(reviewers, actor=operator):
        reviewers.permissions.set([permission("audit.view_auditevent")])
        GroupPagePermission.objects.bulk_create(
            [
                GroupPagePermission(
                    group=reviewers, page=root, permission=permission("wagtailcore.publish_page")
                )
            ]
        )
    assert role_entries(since).count() == 1
    client.force_login(operator)

    response = client.get(reverse("audit_trail"), {"action": "accounts.role_permissions"})

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert expected in page
