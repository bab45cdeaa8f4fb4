"""A department's API tokens: issued and revoked with an entry in the audit trail.

The workspace (exchange.views) and `manage.py issue_department_token` both go through here.
"""

from portal.audit.services import record_event
from portal.departments.models import Department, DepartmentToken


def issue_token(
    department: Department, label: str, *, actor=None, via: str = ""
) -> tuple[DepartmentToken, str]:
    """A new token and its clear key, which is shown once and never kept."""
    token, key = DepartmentToken.issue(department, label, created_by=actor)
    data = {"department": department.code, "label": token.label}
    if via:
        data["via"] = via
    record_event("exchange.token.issued", actor=actor, target=token, data=data)
    return token, key


def revoke_token(token: DepartmentToken, *, actor=None) -> None:
    token.revoke()
    record_event("exchange.token.revoked", actor=actor, target=token, data={})
