"""The roles of the people who use the portal (docs/domain.md), kept as Django groups so
operators assign them in the admin."""

from django.utils.translation import gettext_lazy as _

OPERATORS = "operators"
DEPARTMENT_OFFICERS = "department_officers"
REVIEWERS = "reviewers"
# Officers of a department who query subjects' shared-only records (有条件共享) for
# their department's duties, each query with a purpose and a legal basis.
GOVERNMENT_USERS = "government_users"

ROLE_LABELS = {
    OPERATORS: _("平台运营人员"),
    DEPARTMENT_OFFICERS: _("部门数据专员"),
    REVIEWERS: _("政府审查人员"),
    GOVERNMENT_USERS: _("共享信息查询人员"),
}

# What operators administer (docs/domain.md): the catalog, departments, users and roles,
# objections and repairs, measures, the site's content. Every permission of these apps.
OPERATOR_APPS = (
    "catalog",
    "departments",
    "measures",
    "objections",
    "incidents",
    "assessment",
    "exchange",
    "reports",
    "cms",
    "wagtailimages",
    "wagtaildocs",
    "wagtailredirects",
    "wagtailsettings",
    "taggit",
)
OPERATOR_PERMISSIONS = (
    "wagtailadmin.access_admin",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_user",
    "auth.view_group",
    "auth.change_group",
    "subjects.view_subject",
    "records.view_creditrecord",
    "records.view_recordversion",
    "audit.view_auditevent",
    # The query register is evidence: operators read it (registrations, alerts, monthly
    # security reports), nobody edits it.
    "queries.view_queryregistration",
    "queries.view_queryalert",
    "queries.view_securityreport",
    "wagtailcore.add_site",
    "wagtailcore.change_site",
    "wagtailcore.view_site",
)
# Page permissions on the whole site tree.
OPERATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def sync_role_permissions(using="default", **kwargs) -> None:
    """Create the role groups and give operators their permissions. Idempotent.

    Run after every migrate, so permissions of apps added later reach operators too.
    """
    from portal.accounts.role_audit import role_edit

    # One entry per role that changed, none when nothing did (not one per permission).
    with role_edit(using=using):
        _sync(using)


def _sync(using) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q
    from wagtail.models import GroupPagePermission, Page

    for name in ROLE_LABELS:
        Group.objects.using(using).get_or_create(name=name)
    operators = Group.objects.using(using).get(name=OPERATORS)
    named = Q()
    for full_name in OPERATOR_PERMISSIONS:
        app_label, codename = full_name.split(".")
        named |= Q(content_type__app_label=app_label, codename=codename)
    permissions = Permission.objects.using(using).filter(
        named | Q(content_type__app_label__in=OPERATOR_APPS)
    )
    operators.permissions.add(*permissions)

    root = Page.objects.using(using).filter(depth=1).first()
    if root is None:
        return
    for codename in OPERATOR_PAGE_PERMISSIONS:
        permission = (
            Permission.objects.using(using)
            .filter(content_type__app_label="wagtailcore", codename=codename)
            .first()
        )
        if permission is not None:
            GroupPagePermission.objects.using(using).get_or_create(
                group=operators, page=root, permission=permission
            )
