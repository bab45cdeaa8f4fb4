"""The Wagtail admin's view of departments; catalog's menu group lists it beside the items."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.departments.models import Department


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("部门")
    list_display = ["code", "name", "uscc", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    search_backend_name = None  # plain database search; the list is short
