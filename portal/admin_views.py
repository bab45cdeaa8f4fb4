"""Shared pieces of the operators' screens in the Wagtail admin."""

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
