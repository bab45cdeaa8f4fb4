"""The public filter form of the disclosure lists (works without JavaScript: a GET form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.lists import Filters, items_for
from portal.core.languages import localised_choices
from portal.departments.models import Department
from portal.subjects.districts import district_choices


class DateInput(forms.DateInput):
    input_type = "date"


class ListFilterForm(forms.Form):
    q = forms.CharField(
        label=_("主体名称、统一社会信用代码或文书号"), max_length=100, required=False
    )
    item = forms.ChoiceField(label=_("信息类别"), required=False)
    department = forms.ChoiceField(label=_("部门"), required=False)
    district = forms.ChoiceField(label=_("区县"), required=False)
    date_from = forms.DateField(label=_("决定日期自"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("决定日期至"), required=False, widget=DateInput)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Names in the reader's language, read when the form is built (not at import).
        items = localised_choices(items_for(kind).values_list("code", "name", "name_en"))
        self.fields["item"].choices = [("", _("全部类别")), *items]
        if len(items) <= 1:
            self.fields["item"].widget = forms.HiddenInput()
        departments = Department.objects.filter(is_active=True).values_list(
            "code", "name", "name_en"
        )
        self.fields["department"].choices = [("", _("全部部门")), *localised_choices(departments)]
        self.fields["district"].choices = [("", _("全部区县")), *district_choices()]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> Filters:
        """The valid filters; an invalid field is ignored (and its error shown)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            q=(data.get("q") or "").strip(),
            item=data.get("item") or "",
            department=data.get("department") or "",
            district=data.get("district") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
