from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.languages import is_english, localised_name
from portal.measures.models import Measure, Outcome, Scenario
from portal.measures.reader import ListFileError, max_bytes, read_list
from portal.measures.screening import single_input


class ScenarioChoiceField(forms.ModelChoiceField):
    """Scenarios by name in the reader's language, with their code."""

    def label_from_instance(self, obj):
        if is_english():
            return f"{localised_name(obj)} ({obj.code})"
        return str(obj)


class LookupForm(forms.Form):
    scenario = ScenarioChoiceField(
        label=_("应用场景"),
        queryset=Scenario.objects.filter(is_active=True),
        empty_label=_("请选择"),
    )
    purpose = forms.CharField(
        label=_("查询事由"),
        max_length=500,
        help_text=_("例如：某某项目政府采购供应商资格审查。"),
    )
    reference = forms.CharField(
        label=_("业务编号"), max_length=100, required=False, help_text=_("可选，如项目编号。")
    )
    query = forms.CharField(
        label=_("名称或代码"),
        max_length=200,
        required=False,
        help_text=_("统一社会信用代码、身份证号码或主体名称。"),
    )
    file = forms.FileField(
        label=_("或上传名单"),
        required=False,
        help_text=_("XLSX 或 CSV 文件，含“名称”列和可选的“统一社会信用代码”列。"),
    )

    def clean_purpose(self):
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if not purpose:
            raise forms.ValidationError(_("请填写查询事由。"))
        return purpose

    def clean(self):
        cleaned = super().clean()
        query = (cleaned.get("query") or "").strip()
        upload = cleaned.get("file")
        if bool(query) == bool(upload):
            raise forms.ValidationError(_("请输入一个名称或代码，或者上传一个名单文件（二选一）。"))
        if upload:
            if upload.size > max_bytes():
                self.add_error(
                    "file",
                    _("文件过大，上限为 %(limit).1f MB。") % {"limit": max_bytes() / 1048576},
                )
                return cleaned
            try:
                cleaned["rows"] = read_list(upload.read(), upload.name)
            except ListFileError as exc:
                self.add_error("file", str(exc))
        else:
            cleaned["rows"] = [single_input(query)]
        return cleaned


class FeedbackForm(forms.Form):
    outcome = forms.ChoiceField(label=_("反馈结果"), choices=Outcome.choices)
    measure = forms.ModelChoiceField(
        label=_("措施"), queryset=Measure.objects.all(), required=False, to_field_name="code"
    )
    reason = forms.CharField(
        label=_("原因或采取的措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class LogSearchForm(forms.Form):
    text = forms.CharField(label=_("关键词"), required=False, help_text=_("主体名称、代码或事由"))
    scenario = ScenarioChoiceField(
        label=_("应用场景"),
        queryset=Scenario.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("全部"),
    )
    username = forms.CharField(label=_("查询人"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
