"""The department workspace, mounted at /workspace/."""

from django.urls import path
from django.views.generic import RedirectView

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="exchange:batch_list"), name="home"),
    path("login/", views.WorkspaceLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_upload, name="batch_upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress/", views.batch_progress_json, name="batch_progress"),
    path("batches/<int:pk>/rows/", views.batch_rows, name="batch_rows"),
    path("batches/<int:pk>/errors.xlsx", views.batch_error_report, name="batch_error_report"),
    path("batches/<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("batches/<int:pk>/promote/", views.batch_promote, name="batch_promote"),
    path("batches/<int:pk>/discard/", views.batch_discard, name="batch_discard"),
    path("batches/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
    path("templates/", views.template_list, name="template_list"),
    path(
        "templates/<slug:code>.<str:fmt>",
        views.template_download,
        name="template_download",
    ),
    path("shared/", views.shared_query, name="shared_query"),
    path("records/new/", views.record_enter, name="record_enter"),
    path("records/withdraw/", views.record_withdraw, name="record_withdraw"),
    path("records/<int:pk>/withdrawn/", views.record_withdrawn, name="record_withdrawn"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval_detail"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
