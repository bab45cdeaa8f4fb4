from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.catalog.models import CatalogItem, Department


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("部门")
    list_display = ["code", "name", "uscc", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    search_backend_name = None  # plain database search; the list is short


class CatalogItemViewSet(SnippetViewSet):
    model = CatalogItem
    icon = "list-ul"
    menu_label = _("目录项")
    list_display = ["code", "name", "openness", "list_type", "disclosure_basis", "schema_version"]
    list_filter = ["openness", "list_type", "disclosure_basis", "is_active"]
    search_fields = ["code", "name"]
    search_backend_name = None


class CatalogGroup(SnippetViewSetGroup):
    items = (CatalogItemViewSet, DepartmentViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("信用信息目录")
    menu_name = "catalog"
    menu_order = 200


register_snippet(CatalogGroup)
