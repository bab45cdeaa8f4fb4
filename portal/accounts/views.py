import base64

from django import forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from portal.accounts.policy import EXPIRED, FIRST_USE, password_change_due
from portal.accounts.second_factor import (
    may_enrol,
    pending_device,
    qr_code_svg,
    safe_next,
)
from portal.audit.services import record_event


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("验证码"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("请输入身份验证器上显示的6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            record_event("auth.second_factor", actor=request.user, target=request.user)
            return redirect(safe_next(request))
        record_event("auth.second_factor_failed", actor=request.user, target=request.user)
        form.add_error("token", _("验证码不正确或已过期。"))
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": safe_next(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request):
    if not may_enrol(request.user):
        # A password alone must never add an authenticator beside the real one:
        # the holder proves the existing device first, then may add another.
        record_event("auth.second_factor_enrol_refused", actor=request.user, target=request.user)
        verify = reverse("accounts:second_factor_verify")
        return redirect(f"{verify}?{urlencode({'next': request.get_full_path()})}")
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record_event(
                "auth.second_factor_enrolled",
                actor=request.user,
                target=request.user,
                data={"device": device.pk},
            )
            return redirect(safe_next(request))
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重试。"))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "next": safe_next(request),
            "secret": secret,
            "qr_svg": mark_safe(qr_code_svg(device.config_url)),  # noqa: S308  # nosec B308 B703  # generated SVG
        },
    )


PASSWORD_REASONS = {
    FIRST_USE: _("您的密码由他人设置，请先设置只有您本人知道的新密码。"),
    EXPIRED: _("您的密码已超过有效期，请设置新密码。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """The holder replaces their password (first use of one set by an operator, or expired)."""
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        # A password alone must not be enough to take the account over.
        verify = reverse("accounts:second_factor_verify")
        return redirect(f"{verify}?{urlencode({'next': request.get_full_path()})}")
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["new_password1"] == form.cleaned_data["old_password"]:
            form.add_error("new_password1", _("新密码不能与原密码相同。"))
        else:
            user = form.save()
            update_session_auth_hash(request, user)
            return redirect(safe_next(request))
    reason = password_change_due(request.user) or request.GET.get("reason", "")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": safe_next(request), "reason": PASSWORD_REASONS.get(reason, "")},
    )
