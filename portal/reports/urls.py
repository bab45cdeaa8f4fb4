from django.urls import path

from portal.reports import views

app_name = "reports"

urlpatterns = [
    path("issue/", views.issue, name="issue"),
    path("verify/", views.verify, name="verify"),
]
