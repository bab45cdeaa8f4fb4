"""Second factor (TOTP) for staff accounts (docs/domain.md, Rules that protect people), built on django-otp.

A staff user with a confirmed authenticator device must enter its code after
the password before any staff page opens. Where PORTAL_REQUIRE_SECOND_FACTOR is
on (production), a staff user without a device is sent to enrol one first.
"""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit.services import record_event

# Staff areas that need the second factor.
PROTECTED_PREFIXES = ("/admin/", "/django-admin/", "/workspace/", "/review/", "/staff/")
# Pages that must stay reachable while the second factor is pending.
OPEN_PATHS = ("/admin/login/", "/admin/logout/", "/accounts/second-factor/")


def needs_second_factor(request) -> str | None:
    """'verify', 'enrol' or None for this request."""
    # The path first: touching request.user reads the session, which would add
    # "Vary: Cookie" to every public page and defeat shared caches.
    path = request.path
    if not path.startswith(PROTECTED_PREFIXES) or path.startswith(OPEN_PATHS):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return "verify"
    if settings.PORTAL_REQUIRE_SECOND_FACTOR:
        return "enrol"
    return None


class SecondFactorMiddleware:
    """Sends staff users to verify (or enrol) their authenticator before staff pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = needs_second_factor(request)
        if step is not None:
            target = reverse(
                "accounts:second_factor_verify"
                if step == "verify"
                else "accounts:second_factor_enrol"
            )
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def safe_next(request, default="/admin/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def may_enrol(user) -> bool:
    """Whether this session may bind a new authenticator to the account.

    Only an account with no confirmed device, or a session that has already
    passed the second factor with one: otherwise a stolen password would be
    enough to enrol the thief's own device.
    """
    return user.is_verified() or not user_has_device(user, confirmed=True)


def reset_devices(user, *, actor, reason: str) -> int:
    """Remove every authenticator of ``user`` (an operator's action, audited).

    The holder enrols a new device at the next staff login.
    """
    devices = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=devices).delete()
    record_event(
        "auth.second_factor_reset",
        actor=actor,
        target=user,
        data={"devices": devices, "reason": reason},
    )
    return len(devices)


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed authenticator, created on first visit to enrolment."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def qr_code_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
