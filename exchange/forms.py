from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.uploads import human_size


class UploadForm(forms.Form):
    catalog_item = forms.ChoiceField(label=_("目录项"))
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("CSV（UTF-8、UTF-8 带 BOM 或 GBK）或 XLSX；表头使用模板的字段名称或字段键。"),
    )
    dry_run = forms.BooleanField(
        label=_("仅试运行（校验并预览新增、更新、未变化，不入库）"), required=False
    )

    def __init__(self, *args, items=(), max_bytes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {item.code: item for item in items}
        if max_bytes:
            self.fields["file"].help_text = _(
                "CSV（UTF-8、UTF-8 带 BOM 或 GBK）或 XLSX，单个文件不超过 %(limit)s；"
                "表头使用模板的字段名称或字段键。"
            ) % {"limit": human_size(max_bytes)}
        self.fields["catalog_item"].choices = [
            (item.code, f"{item.name}（{item.code}）") for item in items
        ]
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"

    def clean_catalog_item(self):
        return self.items[self.cleaned_data["catalog_item"]]


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("用途说明"), max_length=100, help_text=_("例如：业务系统自动报送")
    )
