"""The operators' statistics page in the Wagtail admin."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal.statistics import views


class OperatorMenuItem(MenuItem):
    def is_shown(self, request):
        return getattr(request.user, "is_operator", False)


@hooks.register("register_admin_urls")
def register_statistics_urls():
    return [path("statistics/", views.operator_statistics, name="statistics_admin")]


@hooks.register("register_admin_menu_item")
def register_statistics_menu_item():
    return OperatorMenuItem(
        _("信用统计"), reverse("statistics_admin"), icon_name="table", order=250
    )
