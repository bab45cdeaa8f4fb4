"""The staff login form of the Wagtail admin, with every label in the user's language."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class StaffLoginForm(LoginForm):
    """Wagtail's form leaves the password without a label, so Django shows the bare
    field name "Password" even on a Chinese page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["password"].widget.attrs["placeholder"] = _("请输入密码")
