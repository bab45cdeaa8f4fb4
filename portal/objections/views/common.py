"""Pieces shared by the operators' and the departments' case screens."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect

from portal.audit.services import record_event
from portal.core.languages import activate_for
from portal.objections.models import Case, EvidenceFile


def role_required(check, login_url=None):
    """Logged-in users passing `check(user)`; others to the login page or a 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            activate_for(request)
            user = request.user
            if not user.is_authenticated:
                url = login_url or settings.LOGIN_URL
                return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
            if not check(user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def may_see_case(user, case: Case) -> bool:
    """Operators see every case; a department sees the cases forwarded to it."""
    if getattr(user, "is_operator", False):
        return True
    return (
        getattr(user, "is_department_officer", False)
        and getattr(user, "department_id", None) == case.department_id
        and case.forwarded_at is not None
    )


def case_for(user, tracking_no: str) -> Case:
    case = get_object_or_404(
        Case.objects.select_related(
            "record__catalog_item", "record__subject", "subject", "department"
        ),
        tracking_no=tracking_no,
    )
    if not may_see_case(user, case):
        raise Http404
    return case


def evidence_response(request, user, tracking_no: str, evidence_id: int, actor_label: str = ""):
    """Stream one evidence file to someone allowed to see its case, as a download."""
    case = case_for(user, tracking_no)
    item = get_object_or_404(EvidenceFile, pk=evidence_id, case=case)
    from portal.accounts.models import User

    record_event(
        "case.evidence_downloaded",
        actor=user if isinstance(user, User) else None,
        target=case,
        data={
            "tracking_no": case.tracking_no,
            "evidence": item.pk,
            "sha256": item.sha256,
            "by": actor_label or user.get_username(),
        },
    )
    handle = item.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
