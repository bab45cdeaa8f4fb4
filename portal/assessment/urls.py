"""The department's own assessment in the exchange workspace."""

from django.urls import path

from portal.assessment import views

urlpatterns = [
    path("workspace/assessment/", views.workspace_assessment, name="workspace_assessment"),
]
