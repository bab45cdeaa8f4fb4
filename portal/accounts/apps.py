from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("账户")

    def ready(self):
        from django.db.models.signals import post_migrate

        from portal.accounts import role_audit, signals  # noqa: F401

        # After the last app's migrations, so every permission and the page tree exist.
        post_migrate.connect(_sync_roles_once, dispatch_uid="portal.accounts.sync_roles")


# How the audit trail names the role sync run by `migrate` (no person acts).
ROLE_SYNC_ACTOR = "migrate: role sync"


def _sync_roles_once(sender, app_config, using="default", **kwargs):
    # post_migrate fires once per app with models, after every migration has run and
    # each app's permissions were created; syncing on the last one covers everything.
    from django.apps import apps

    if app_config is [config for config in apps.get_app_configs() if config.models_module][-1]:
        from portal.accounts.roles import sync_role_permissions
        from portal.audit.acting import system_actor

        with system_actor(ROLE_SYNC_ACTOR):
            sync_role_permissions(using=using)
