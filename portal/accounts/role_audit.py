"""Auditing what a role (a Django group) may do: its model, page and collection permissions.

Why a before/after snapshot of the whole role rather than one entry per signal:
the Wagtail group editor writes page and collection permissions with
`bulk_create` (no signal at all) and re-adds, after `permissions.set()`, the
permissions it does not show (a removal and an addition that cancel out). Only
comparing the role as it was with the role as it is sees every path and says
what really changed. So:

- an edit screen (Wagtail group editor, django-admin) or the role sync runs
  inside `role_edit()`: the role is snapshotted before, compared after, and
  one entry per changed role is written, in the same transaction;
- anything else (a shell, another app) is caught by the model signals below:
  the `pre_*` signal snapshots the role, the `post_*` signal compares and
  writes, so a change made without a screen is still on the trail.

A `bulk_create` outside `role_edit()` stays invisible: it sends no signal.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.models import GroupCollectionPermission, GroupPagePermission, GroupSitePermission

from portal.audit.acting import acting_user
from portal.audit.services import record_event

CREATED = "accounts.role_created"
CHANGED = "accounts.role_permissions_changed"
DELETED = "accounts.role_deleted"
ROLE_ACTIONS = (CREATED, CHANGED, DELETED)


# The per-object grants the Wagtail group editor writes: model, kind, the object, its title.
GRANT_MODELS = (
    (GroupPagePermission, "page", "page", "title"),
    (GroupCollectionPermission, "collection", "collection", "name"),
    (GroupSitePermission, "site", "site", "hostname"),
)
PLACES = {"page": "pages", "collection": "collections", "site": "sites"}


@dataclass(frozen=True)
class Grants:
    """What a role may do at one moment: `items` as stable strings, `labels` to read them.

    Items: "app.codename" (model permission), "page:<id>:<codename>",
    "collection:<id>:<app.codename>", "site:<id>:<app.codename>"; labels name the
    pages, collections and sites.
    """

    name: str
    items: frozenset[str]
    labels: dict[str, str] = field(default_factory=dict, compare=False)


def grants(group_id, using="default") -> Grants | None:
    """The role's permissions now, or None when the role does not exist."""
    name = Group.objects.using(using).filter(pk=group_id).values_list("name", flat=True).first()
    if name is None:
        return None
    items = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.using(using)
        .filter(group=group_id)
        .values_list("content_type__app_label", "codename")
    }
    labels = {}
    for model, kind, place, title in GRANT_MODELS:
        for place_id, place_title, app, codename in (
            model.objects.using(using)
            .filter(group_id=group_id)
            .values_list(
                f"{place}_id",
                f"{place}__{title}",
                "permission__content_type__app_label",
                "permission__codename",
            )
        ):
            # Page permissions are all wagtailcore's: the codename alone reads better.
            permission = codename if kind == "page" else f"{app}.{codename}"
            items.add(f"{kind}:{place_id}:{permission}")
            labels[f"{kind}:{place_id}"] = place_title
    return Grants(name, frozenset(items), labels)


def change_entry(before: Grants | None, after: Grants | None) -> tuple[str, dict] | None:
    """The audit action and data for a role going from `before` to `after`, or None if equal."""
    if before is None and after is None:
        return None
    added = sorted((after.items if after else frozenset()) - (before.items if before else set()))
    removed = sorted((before.items if before else frozenset()) - (after.items if after else set()))
    if before is None:
        action, data = CREATED, {"role": after.name}
    elif after is None:
        action, data = DELETED, {"role": before.name}
    else:
        if not added and not removed and before.name == after.name:
            return None
        action, data = CHANGED, {"role": after.name}
        if before.name != after.name:
            data["renamed"] = [before.name, after.name]
    if added:
        data["added"] = added
    if removed:
        data["removed"] = removed
    labels = {**(before.labels if before else {}), **(after.labels if after else {})}
    for kind, key in PLACES.items():
        named = {
            item.split(":")[1]: labels.get(f"{kind}:{item.split(':')[1]}", "")
            for item in added + removed
            if item.startswith(kind + ":")
        }
        if named:
            data[key] = named
    return action, data


class _Edit:
    """The roles touched since it began, each with its permissions before the first touch."""

    def __init__(self, actor=None):
        self.actor = actor
        self.before: dict[tuple[str, int], Grants | None] = {}

    def watch(self, group_id, using="default", *, refresh=False):
        key = (using, int(group_id))
        if refresh or key not in self.before:
            self.before[key] = grants(group_id, using)

    def watch_new(self, group_id, using="default"):
        self.before.setdefault((using, int(group_id)), None)

    def finish(self, keys=None) -> None:
        for key in list(self.before if keys is None else keys):
            if key not in self.before:
                continue
            before = self.before.pop(key)
            using, group_id = key
            entry = change_entry(before, grants(group_id, using))
            if entry is None:
                continue
            action, data = entry
            record_event(
                action,
                actor=self.actor or acting_user(),
                target=f"auth.group:{group_id}",
                data=data,
            )


# The edit open around a screen or the sync (explicit), and the one the signals keep
# between a pre_* and its post_* when no edit is open (implicit).
_open: ContextVar[_Edit | None] = ContextVar("portal_role_edit", default=None)
_pending: ContextVar[_Edit | None] = ContextVar("portal_role_pending", default=None)


@contextmanager
def role_edit(*groups, actor=None, using="default"):
    """Audit every role changed inside as one entry per role (see the module's doc).

    Name the roles about to change when the change may bypass signals (bulk
    writes); roles touched through signals are picked up on their own. Nested
    calls join the outer edit. Nothing is written if the block raises.
    """
    groups = [group for group in groups if group is not None and group.pk is not None]
    edit = _open.get()
    if edit is not None:
        for group in groups:
            edit.watch(group.pk, using)
        yield edit
        return
    edit = _Edit(actor)
    for group in groups:
        edit.watch(group.pk, using)
    token = _open.set(edit)
    try:
        with transaction.atomic(using=using):
            yield edit
            edit.finish()
    finally:
        _open.reset(token)


def _before(group_ids, using):
    edit = _open.get()
    if edit is not None:
        for group_id in group_ids:
            edit.watch(group_id, using)
        return
    pending = _pending.get()
    if pending is None:
        pending = _Edit()
        _pending.set(pending)
    for group_id in group_ids:
        # Refreshed each time: a pre_* whose write failed leaves a stale snapshot.
        pending.watch(group_id, using, refresh=True)


def _after(group_ids, using):
    if _open.get() is not None:
        return  # written when the edit closes
    pending = _pending.get()
    if pending is not None:
        pending.finish([(using, int(group_id)) for group_id in group_ids])


def _from_group_deletion(origin) -> bool:
    """A grant removed because its whole role is deleted: the role's own entry says it."""
    model = type(origin) if isinstance(origin, Model) else getattr(origin, "model", None)
    return isinstance(model, type) and issubclass(model, Group)


# -- the model permissions: group.permissions add/remove/set/clear, either side ----------------
@receiver(m2m_changed, sender=Group.permissions.through)
def role_permissions_changing(sender, instance, action, reverse, pk_set, using, **kwargs):
    if action not in {
        "pre_add",
        "pre_remove",
        "pre_clear",
        "post_add",
        "post_remove",
        "post_clear",
    }:
        return
    if not reverse:
        group_ids = [instance.pk]
    elif action.endswith("clear"):
        # permission.group_set.clear(): the roles holding it, noted before they lose it.
        if action == "pre_clear":
            instance._clearing_roles = list(instance.group_set.values_list("pk", flat=True))
        group_ids = instance.__dict__.get("_clearing_roles", [])
    else:
        group_ids = list(pk_set or ())
    if action.startswith("pre_"):
        _before(group_ids, using)
    else:
        instance.__dict__.pop("_clearing_roles", None)
        _after(group_ids, using)


# -- page, collection and site permissions, one by one (bulk writes go through role_edit) ------------
@receiver(pre_save, sender=GroupPagePermission)
@receiver(pre_save, sender=GroupCollectionPermission)
@receiver(pre_save, sender=GroupSitePermission)
def grant_saving(sender, instance, raw=False, using="default", **kwargs):
    if raw:
        return
    ids = {instance.group_id}
    if instance.pk is not None:  # a grant moved from one role to another
        ids |= set(
            sender.objects.using(using).filter(pk=instance.pk).values_list("group_id", flat=True)
        )
    instance._roles_touched = ids
    _before(ids, using)


@receiver(post_save, sender=GroupPagePermission)
@receiver(post_save, sender=GroupCollectionPermission)
@receiver(post_save, sender=GroupSitePermission)
def grant_saved(sender, instance, raw=False, using="default", **kwargs):
    if raw:
        return
    _after(instance.__dict__.pop("_roles_touched", {instance.group_id}), using)


@receiver(pre_delete, sender=GroupPagePermission)
@receiver(pre_delete, sender=GroupCollectionPermission)
@receiver(pre_delete, sender=GroupSitePermission)
def grant_deleting(sender, instance, using="default", origin=None, **kwargs):
    if not _from_group_deletion(origin):
        _before([instance.group_id], using)


@receiver(post_delete, sender=GroupPagePermission)
@receiver(post_delete, sender=GroupCollectionPermission)
@receiver(post_delete, sender=GroupSitePermission)
def grant_deleted(sender, instance, using="default", origin=None, **kwargs):
    if not _from_group_deletion(origin):
        _after([instance.group_id], using)


# -- the role itself: created, renamed, deleted --------------------------------------------------
@receiver(pre_save, sender=Group)
def role_saving(sender, instance, raw=False, using="default", **kwargs):
    if not raw and instance.pk is not None:
        _before([instance.pk], using)


@receiver(post_save, sender=Group)
def role_saved(sender, instance, created, raw=False, using="default", **kwargs):
    if raw:
        return
    if created:
        edit = _open.get()
        if edit is not None:
            edit.watch_new(instance.pk, using)
            return
        pending = _pending.get() or _Edit()
        _pending.set(pending)
        pending.watch_new(instance.pk, using)
    _after([instance.pk], using)


@receiver(pre_delete, sender=Group)
def role_deleting(sender, instance, using="default", **kwargs):
    _before([instance.pk], using)


@receiver(post_delete, sender=Group)
def role_deleted(sender, instance, using="default", **kwargs):
    _after([instance.pk], using)


# -- reading the entries on the audit screen -----------------------------------------------------
def _role_label(name: str) -> str:
    from portal.accounts.roles import ROLE_LABELS

    label = ROLE_LABELS.get(name)
    return _("%(label)s（%(name)s）") % {"label": label, "name": name} if label else name


def _item_label(item: str, data: dict) -> str:
    kind, _sep, rest = item.partition(":")
    if kind not in PLACES:
        return item
    place_id, _sep, permission = rest.partition(":")
    title = data.get(PLACES[kind], {}).get(place_id) or f"#{place_id}"
    where = {
        "page": _("页面“%(title)s”"),
        "collection": _("文件夹“%(title)s”"),
        "site": _("站点“%(title)s”"),
    }[kind] % {"title": title}
    return _("%(where)s：%(permission)s") % {"where": where, "permission": permission}


def describe(action: str, data: dict) -> str | None:
    """A role entry in the reader's language, or None for other entries."""
    if action not in ROLE_ACTIONS or not isinstance(data, dict):
        return None
    heading = {
        CREATED: _("新建角色 %(role)s"),
        CHANGED: _("角色 %(role)s 的权限变更"),
        DELETED: _("删除角色 %(role)s"),
    }[action] % {"role": _role_label(str(data.get("role", "")))}
    parts = [heading]
    if data.get("renamed"):
        old, new = data["renamed"]
        parts.append(_("名称由 %(old)s 改为 %(new)s") % {"old": old, "new": new})
    for key, line in (
        ("added", _("增加 %(count)d 项：%(items)s")),
        ("removed", _("取消 %(count)d 项：%(items)s")),
    ):
        items = data.get(key) or []
        if items:
            joined = _("、").join(_item_label(str(item), data) for item in items)
            parts.append(line % {"count": len(items), "items": joined})
    return _("；").join(parts)
