"""Login outcomes: lockout counting and the audit trail (docs/domain.md, Rules that protect people)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from portal.audit.acting import acting_user
from portal.audit.services import record_event


def _client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if user.failed_login_count or user.locked_until:
        type(user).objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    record_event("auth.login", actor=user, target=user, data={"ip": _client_ip(request)})


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    data = {"username": username, "ip": _client_ip(request)}
    if user is not None and user.is_locked():
        # Attempts during a lockout neither count nor extend it: otherwise anyone
        # who knows a staff user name could keep the account locked for ever.
        data["while_locked"] = True
    elif user is not None:
        if user.locked_until is not None:
            # The last lockout has run out: the holder starts with a clean count.
            user.failed_login_count, user.locked_until = 0, None
        user.failed_login_count += 1
        if user.failed_login_count >= settings.PORTAL_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(
                minutes=settings.PORTAL_LOGIN_LOCKOUT_MINUTES
            )
            data["locked_until"] = user.locked_until.isoformat()
        User.objects.filter(pk=user.pk).update(
            failed_login_count=user.failed_login_count, locked_until=user.locked_until
        )
    record_event("auth.login_failed", actor=None, target=user, data=data)


# -- account changes (docs/domain.md, Rules that protect people) ------------------------------
# The columns whose change is an account change worth a trail entry; logins,
# lockout counters and the like are audited as logins.
TRACKED_FIELDS = (
    "username",
    "department_id",
    "is_active",
    "is_staff",
    "is_superuser",
    "must_change_password",
)


def _tracked(user) -> dict:
    return {name: getattr(user, name) for name in TRACKED_FIELDS}


def _relevant(update_fields) -> bool:
    return update_fields is None or bool(
        set(update_fields) & ({"password", "department"} | set(TRACKED_FIELDS))
    )


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def remember_account_before_change(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or not _relevant(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values(*TRACKED_FIELDS, "password").first()
    instance._account_before = before


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def audit_account_change(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    actor = acting_user()
    if created:
        record_event(
            "accounts.user_created",
            actor=actor,
            target=instance,
            data={"username": instance.get_username(), **_tracked(instance)},
        )
        return
    before = instance.__dict__.pop("_account_before", None)
    if before is None:
        return
    changes = {
        name: [before[name], value]
        for name, value in _tracked(instance).items()
        if before[name] != value
    }
    if changes:
        record_event("accounts.user_changed", actor=actor, target=instance, data=changes)
    if before["password"] != instance.password:
        setter = instance.__dict__.pop("_password_set_by", None)
        record_event(
            "accounts.password_set",
            actor=actor,
            target=instance,
            data={
                "by_holder": setter is None or setter.pk == instance.pk,
                "must_change": instance.must_change_password,
            },
        )


def _group_names(pks) -> list[str]:
    return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))


@receiver(m2m_changed, sender=get_user_model().groups.through)
def audit_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Roles given or taken, whichever side the change was made from (user or group)."""
    if action == "pre_clear":
        # pk_set is empty on clear: note what is about to go.
        if reverse:
            instance._cleared_members = list(instance.user_set.values_list("pk", flat=True))
        else:
            instance._cleared_roles = list(instance.groups.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    verb = "added" if action == "post_add" else "removed"
    User = get_user_model()
    actor = acting_user()
    if reverse:  # group.user_set.add(users...)
        members = (
            instance.__dict__.pop("_cleared_members", [])
            if action == "post_clear"
            else list(pk_set or ())
        )
        for user in User.objects.filter(pk__in=members):
            record_event(
                "accounts.roles_changed", actor=actor, target=user, data={verb: [instance.name]}
            )
        return
    groups = instance.__dict__.pop("_cleared_roles", []) if action == "post_clear" else pk_set or ()
    names = _group_names(groups)
    if names:
        record_event("accounts.roles_changed", actor=actor, target=instance, data={verb: names})
    # A cached set of role names would otherwise answer for the old roles.
    instance.__dict__.pop("_role_names", None)


# What a role may do (its permissions) is audited in portal/accounts/role_audit.py.
