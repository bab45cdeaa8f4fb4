"""Routes of the operators' screens, the department workspace and the department API
(mounted at the site root; the public pages are in public_urls, under i18n_patterns)."""

from django.urls import path

from portal.objections import api
from portal.objections.views import staff, workspace

app_name = "cases"

urlpatterns = [
    # Operators
    path("staff/cases/", staff.case_list, name="staff_case_list"),
    path("staff/cases/calendar/", staff.calendar, name="staff_calendar"),
    path(
        "staff/cases/calendar/<int:pk>/delete/",
        staff.override_delete,
        name="staff_override_delete",
    ),
    path("staff/cases/<str:tracking_no>/", staff.case_detail, name="staff_case_detail"),
    path(
        "staff/cases/<str:tracking_no>/evidence/<int:evidence_id>/",
        staff.evidence_download,
        name="staff_evidence",
    ),
    # The source department (exchange workspace)
    path("workspace/cases/", workspace.case_list, name="workspace_case_list"),
    path(
        "workspace/cases/<str:tracking_no>/",
        workspace.case_detail,
        name="workspace_case_detail",
    ),
    path(
        "workspace/cases/<str:tracking_no>/evidence/<int:evidence_id>/",
        workspace.evidence_download,
        name="workspace_evidence",
    ),
    # Department API
    path("api/v1/cases/", api.CaseListAPI.as_view(), name="api_case_list"),
    path("api/v1/cases/<str:tracking_no>/", api.CaseDetailAPI.as_view(), name="api_case_detail"),
    path(
        "api/v1/cases/<str:tracking_no>/evidence/<int:evidence_id>/",
        api.CaseEvidenceAPI.as_view(),
        name="api_case_evidence",
    ),
    path(
        "api/v1/cases/<str:tracking_no>/answer/",
        api.CaseAnswerAPI.as_view(),
        name="api_case_answer",
    ),
]
