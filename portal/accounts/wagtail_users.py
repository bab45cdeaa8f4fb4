"""wagtail.users as installed here: its group editor audited (see wagtail_groups.py).

Kept apart from apps.py, where a second app config would change which one Django picks
for portal.accounts, and from wagtail_groups.py, which imports views (settings load this).
"""

from wagtail.users.apps import WagtailUsersAppConfig


class AuditedWagtailUsersConfig(WagtailUsersAppConfig):
    group_viewset = "portal.accounts.wagtail_groups.AuditedGroupViewSet"
