from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.departments.models import Department
from portal.departments.snippets import DepartmentViewSet
from portal.records.tasks import reapply_disclosure_rule
from portal.tasks import enqueue_on_commit


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
    """Catalog edits are audited; a changed rule is re-applied to the item's records."""
    if isinstance(instance, CatalogItem | Department):
        record_event(
            "catalog.edited", actor=request.user, target=instance, data={"code": instance.code}
        )
    if isinstance(instance, CatalogItem):
        enqueue_on_commit(reapply_disclosure_rule, instance.pk)
