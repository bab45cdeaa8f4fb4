from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.departments.models import Department
from portal.departments.snippets import DepartmentViewSet


class CatalogItemViewSet(SnippetViewSet):
    model = CatalogItem
    icon = "list-ul"
    menu_label = _("目录项")
    list_display = [
        "code",
        "name",
        "category",
        "is_adverse",
        "openness",
        "list_type",
        "disclosure_basis",
        "schema_version",
    ]
    list_filter = ["category", "openness", "list_type", "disclosure_basis", "is_active"]
    search_fields = ["code", "name"]
    search_backend_name = None


class CatalogGroup(SnippetViewSetGroup):
    items = (CatalogItemViewSet, DepartmentViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("信用信息目录")
    menu_name = "catalog"
    menu_order = 200


register_snippet(CatalogGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def catalog_item_saved(request, instance):
    """Catalog edits are audited (records re-apply a changed rule: portal.records.wagtail_hooks)."""
    if isinstance(instance, CatalogItem | Department):
        record_event(
            "catalog.edited", actor=request.user, target=instance, data={"code": instance.code}
        )
