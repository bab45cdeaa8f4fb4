"""Public search API routes, mounted at /api/v1/ by portal/urls.py (with one record and
the withdrawal feed)."""

from django.urls import path

from search import api

app_name = "search"

urlpatterns = [
    path("search", api.search_api, name="api_search"),
    path("suggest", api.suggest_api, name="api_suggest"),
    path("subjects/<str:code>", api.subject_api, name="api_subject"),
    path("records/<int:record_id>", api.record_api, name="api_record"),
    path("withdrawals", api.withdrawals_api, name="api_withdrawals"),
    path("withdrawals.atom", api.withdrawals_atom, name="api_withdrawals_atom"),
]
