from django import forms
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal.incidents import services
from portal.incidents.models import TRANSITIONS, Status


class IncidentForm(WagtailAdminModelForm):
    """Status moves only along TRANSITIONS; each move is stamped and put on the timeline."""

    def clean_status(self):
        new = self.cleaned_data["status"]
        old = self.instance.status if self.instance.pk else None
        if not services.can_move(old, new):
            allowed = "、".join(str(Status(s).label) for s in sorted(TRANSITIONS[old]))
            raise forms.ValidationError(
                _("不能从“%(from)s”改为“%(to)s”，可改为：%(allowed)s")
                % {
                    "from": Status(old).label if old else "-",
                    "to": Status(new).label,
                    "allowed": allowed or "-",
                }
            )
        return new

    def save(self, commit=True):
        old = self.initial.get("status") if self.instance.pk else None
        instance = super().save(commit=commit)
        if commit:
            services.record_status_change(instance, old, getattr(self, "for_user", None))
        return instance
