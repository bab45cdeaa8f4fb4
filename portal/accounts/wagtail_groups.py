"""The Wagtail group (role) editor, each save audited as one before/after entry per role.

Wagtail writes page and collection permissions in bulk, which no signal sees;
the views below run the whole save inside `role_edit()` (portal/accounts/role_audit.py),
and in one transaction so a failing permission panel leaves the role as it was.
"""

from django.db import transaction
from wagtail.users.views import groups

from portal.accounts.role_audit import role_edit


class AuditedCreateView(groups.CreateView):
    def post(self, request, *args, **kwargs):
        with transaction.atomic(), role_edit(actor=request.user):
            return super().post(request, *args, **kwargs)


class AuditedEditView(groups.EditView):
    def post(self, request, *args, **kwargs):
        with transaction.atomic(), role_edit(self.get_object(), actor=request.user):
            return super().post(request, *args, **kwargs)


class AuditedDeleteView(groups.DeleteView):
    def post(self, request, *args, **kwargs):
        with transaction.atomic(), role_edit(self.get_object(), actor=request.user):
            return super().post(request, *args, **kwargs)


class AuditedGroupViewSet(groups.GroupViewSet):
    add_view_class = AuditedCreateView
    edit_view_class = AuditedEditView
    delete_view_class = AuditedDeleteView
