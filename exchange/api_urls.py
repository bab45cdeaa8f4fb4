"""The department API, mounted at /api/v1/exchange/."""

from django.urls import path

from exchange import api

app_name = "exchange_api"

urlpatterns = [
    path("catalog/", api.CatalogListView.as_view(), name="catalog_list"),
    path(
        "catalog/<slug:code>/template.<str:fmt>",
        api.CatalogTemplateView.as_view(),
        name="catalog_template",
    ),
    path("shared/", api.SharedQueryView.as_view(), name="shared_query"),
    path("batches/", api.BatchListView.as_view(), name="batch_list"),
    path("batches/<int:pk>/", api.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<int:pk>/errors/", api.BatchErrorsView.as_view(), name="batch_errors"),
    path("batches/<int:pk>/rows/", api.BatchRowsView.as_view(), name="batch_rows"),
    path("batches/<int:pk>/report.xlsx", api.BatchReportView.as_view(), name="batch_report"),
    path("batches/<int:pk>/commit/", api.BatchCommitView.as_view(), name="batch_commit"),
    path("batches/<int:pk>/promote/", api.BatchPromoteView.as_view(), name="batch_promote"),
    path("batches/<int:pk>/discard/", api.BatchDiscardView.as_view(), name="batch_discard"),
    path("batches/<int:pk>/retry/", api.BatchRetryView.as_view(), name="batch_retry"),
]
