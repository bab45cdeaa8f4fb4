"""The measures list and scenarios in the Wagtail admin, and a link to the lookup log.

Measures are data: operators add, edit and retire them here. Lookups are not
edited anywhere; operators search and export them on /review/lookups/.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.measures.models import Measure, Scenario


class OperatorsPermissionPolicy(ModelPermissionPolicy):
    """Operators manage the measures list; model permissions still grant it to others."""

    def user_has_permission(self, user, action):
        if user.is_active and getattr(user, "is_operator", False):
            return True
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if self.user_has_any_permission(user, actions):
            return self.model._default_manager.all()
        return self.model._default_manager.none()


register_permission_policy(Measure, OperatorsPermissionPolicy(Measure), exact_class=True)
register_permission_policy(Scenario, OperatorsPermissionPolicy(Scenario), exact_class=True)


class MeasureViewSet(SnippetViewSet):
    model = Measure
    icon = "list-ol"
    menu_label = _("奖惩措施")
    list_display = ["code", "name", "list_type", "catalog_item", "is_active"]
    list_filter = ["list_type", "catalog_item", "scenarios", "is_active"]
    search_fields = ["code", "name", "legal_basis"]
    search_backend_name = None


class ScenarioViewSet(SnippetViewSet):
    model = Scenario
    icon = "tag"
    menu_label = _("应用场景")
    list_display = ["code", "name", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    search_backend_name = None


class MeasuresGroup(SnippetViewSetGroup):
    items = (MeasureViewSet, ScenarioViewSet)
    menu_icon = "pick"
    menu_label = _("联合奖惩")
    menu_name = "joint-measures"
    menu_order = 230


register_snippet(MeasuresGroup)


class LookupLogMenuItem(MenuItem):
    def is_shown(self, request):
        return getattr(request.user, "is_operator", False)


@hooks.register("register_admin_menu_item")
def register_lookup_log_menu_item():
    return LookupLogMenuItem(
        _("联合奖惩查询日志"), reverse("measures:log"), icon_name="history", order=231
    )
