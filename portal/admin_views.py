"""Shared pieces of the operators' screens in the Wagtail admin."""

from dataclasses import dataclass

from wagtail.admin.ui.components import Component
from wagtail.permission_policies import ModelPermissionPolicy


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Viewable in the admin, never edited there: changes go through the domain services
    (which keep versions and the audit trail)."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        if action == "view":
            return user.is_active and (user.is_superuser or getattr(user, "is_operator", False))
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        if self.user_has_any_permission(user, actions):
            return self.model._default_manager.all()
        return self.model._default_manager.none()


@dataclass
class OpenItem:
    """One row of an OpenItemsPanel: its cells (text, or HTML made with format_html) and,
    where the panel closes items from the dashboard, the address its button posts to."""

    cells: list
    close_url: str = ""


class OpenItemsPanel(Component):
    """A panel of the operators' dashboard listing what is still open (incidents, query
    alerts), shown to operators only while there is any: a column per `columns`, a row per
    item of `items()`, and a `close_label` button per row where items are closed from there.
    The panel's HTML id is its `name` with dashes."""

    template_name = "includes/open_items_panel.html"
    name = ""
    heading = ""
    columns: tuple = ()
    close_label = ""
    row_class = ""

    @classmethod
    def any_open(cls) -> bool:
        raise NotImplementedError

    def items(self) -> list[OpenItem]:
        raise NotImplementedError

    @classmethod
    def add_to(cls, request, panels) -> None:
        """For a construct_homepage_panels hook."""
        if getattr(request.user, "is_operator", False) and cls.any_open():
            panels.append(cls())

    @property
    def panel_id(self) -> str:
        return self.name.replace("_", "-")

    def get_context_data(self, parent_context=None):
        return {
            "open_panel": self,
            "rows": self.items(),
            # A component is rendered apart from the page's context: the close buttons'
            # forms need the page's CSRF token, or every press is refused.
            "csrf_token": (parent_context or {}).get("csrf_token", ""),
        }
