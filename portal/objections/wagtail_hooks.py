from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class OperatorMenuItem(MenuItem):
    def is_shown(self, request):
        return getattr(request.user, "is_operator", False)


@hooks.register("register_admin_menu_item")
def register_cases_menu_item():
    """The case screens live under /staff/cases/; operators reach them from the admin."""
    return OperatorMenuItem(_("异议与信用修复"), "/staff/cases/", icon_name="warning", order=220)
