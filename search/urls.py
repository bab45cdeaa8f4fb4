"""Public search API routes, mounted at /api/v1/ by portal/urls.py."""

from django.urls import path

from search import api

app_name = "search"

urlpatterns = [
    path("search", api.search_api, name="api_search"),
    path("suggest", api.suggest_api, name="api_suggest"),
    path("subjects/<str:code>", api.subject_api, name="api_subject"),
]
