from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("second-factor/", views.second_factor_verify, name="second_factor_verify"),
    path("password/", views.password_change, name="password_change"),
    path("second-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
]
