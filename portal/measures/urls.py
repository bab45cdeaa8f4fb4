from django.urls import path

from portal.measures import views

app_name = "measures"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("template.xlsx", views.list_template, name="template"),
    path("lookups/", views.log, name="log"),
    path("lookups/<int:pk>/", views.detail, name="detail"),
    path("lookups/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("lookups/<int:pk>/rows/<int:row_pk>/feedback/", views.feedback, name="feedback"),
    path("lookups/<int:pk>/rows/<int:row_pk>/confirm/", views.confirm, name="confirm"),
    path("lookups/<int:pk>/rows/<int:row_pk>/reject/", views.reject, name="reject"),
    path("lookups/<int:pk>/decide/", views.decide, name="decide"),
]
