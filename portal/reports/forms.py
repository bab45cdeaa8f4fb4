"""Public forms of the reports: ask for a report, verify one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.reports.models import ReportKind
from portal.reports.services import MAX_YEARS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class IssueForm(forms.Form):
    subject = forms.CharField(max_length=18)
    kind = forms.ChoiceField(choices=ReportKind.choices, required=False)
    years = forms.IntegerField(min_value=1, max_value=MAX_YEARS, initial=3, required=False)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("报告编号"),
        max_length=32,
        required=False,
        help_text=_("报告首页和每页页脚印有报告编号，例如 XY20261124K7M2Q9TD。"),
    )
    checksum = forms.CharField(
        label=_("校验码"),
        max_length=32,
        required=False,
        help_text=_("16 位校验码，印在报告编号旁。"),
    )
    file = forms.FileField(
        label=_("上传报告 PDF 文件（可选）"),
        required=False,
        help_text=_("上传后将逐字节比对，可发现任何修改。"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大：信用报告 PDF 不超过 10 MB。"))
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("file"):
            raise forms.ValidationError(_("请输入报告编号，或上传报告 PDF 文件。"))
        return data
