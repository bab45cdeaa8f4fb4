"""Login outcomes: lockout counting and the audit trail (docs/domain.md, Rules that protect people)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

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
