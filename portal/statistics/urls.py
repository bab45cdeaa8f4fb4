from django.urls import path

from portal.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.public_statistics, name="public"),
]
