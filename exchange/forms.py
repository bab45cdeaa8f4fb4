from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.uploads import human_size
from importers.messages import localised_label
from portal.core.languages import is_english, localised_name


def item_label(item) -> str:
    """A catalog item as a choice: its name in the reader's language and its code."""
    if is_english():
        return f"{localised_name(item)} ({item.code})"
    return f"{item.name}（{item.code}）"


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
        self.fields["catalog_item"].choices = [(item.code, item_label(item)) for item in items]
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"

    def clean_catalog_item(self):
        return self.items[self.cleaned_data["catalog_item"]]


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("用途说明"), max_length=100, help_text=_("例如：业务系统自动报送")
    )


class SharedQueryForm(forms.Form):
    code = forms.CharField(
        label=_("统一社会信用代码或公民身份号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    purpose = forms.CharField(label=_("查询事由"), max_length=500)
    legal_basis = forms.CharField(
        label=_("法律依据"),
        max_length=300,
        help_text=_(
            "写明所依据的法律、法规或规范性文件的名称（及文号、条款），"
            "例如：《中华人民共和国社会保险法》。"
        ),
    )
    # Any code is accepted here: one outside the grants is refused, and registered, by the
    # sharing rule (exchange/sharing.py), not silently dropped by the form.
    item = forms.CharField(
        label=_("目录项"),
        required=False,
        max_length=64,
        help_text=_("留空表示本部门获授权查询的全部目录项。"),
        widget=forms.Select,
    )

    def __init__(self, *args, grants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].widget.choices = [("", "—")] + [
            (g.catalog_item.code, g.catalog_item.name) for g in grants
        ]


class FindRecordForm(forms.Form):
    """Find one of the department's own records by its key."""

    decision_no = forms.CharField(label=_("决定文书号"), max_length=200)
    subject_code = forms.CharField(
        label=_("主体代码"),
        max_length=18,
        required=False,
        help_text=_("统一社会信用代码；可留空。"),
    )


class WithdrawForm(forms.Form):
    """Revoke one record or take it off its list (checked by the withdrawal service)."""

    record = forms.IntegerField(widget=forms.HiddenInput)
    ground = forms.ChoiceField(
        label=_("操作"),
        choices=[("revocation", _("撤销（决定已被撤销）")), ("delisting", _("移出（已移出名单）"))],
        widget=forms.RadioSelect,
    )
    basis = forms.CharField(
        label=_("撤销或移出依据"), max_length=500, required=False, widget=forms.Textarea
    )
    document_no = forms.CharField(label=_("撤销或移出文书号"), max_length=200, required=False)
    decided_on = forms.DateField(
        label=_("撤销或移出日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("作出撤销或移出决定的日期；报送考核自该日起计算时限。"),
        error_messages={"invalid": _("请填写有效日期，例如 2024-05-01。")},
    )
    confirmed = forms.BooleanField(
        label=_("我已核对：该记录将立即撤下公示，并在撤下公示订阅中公布"),
        error_messages={"required": _("请勾选确认。")},
    )


class RefuseForm(forms.Form):
    """A second officer's refusal of a request, with its reason."""

    reason = forms.CharField(
        label=_("拒绝理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("拒绝时须填写理由。")},
    )


class RecordEntryForm(forms.Form):
    """One record of a catalog item, with a field per column of the item's import template
    (importers.schema). The form only collects text: the import's row validation judges it,
    so a record entered here meets exactly the rules of a row in a file."""

    MULTI_SEPARATOR = "、"

    def __init__(self, *args, schema, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema
        for spec in schema.fields:
            attrs = {"data-required": "true"} if spec.required else {}
            common = {
                "label": localised_label(spec.label, spec.label_en),
                "required": False,
                "help_text": spec.help_text,
            }
            if spec.type == "multi_choice" and spec.choices:
                field = forms.MultipleChoiceField(
                    choices=[(c, c) for c in spec.choices],
                    widget=forms.CheckboxSelectMultiple(attrs=attrs),
                    **common,
                )
            elif spec.type == "choice" and spec.choices:
                field = forms.ChoiceField(
                    choices=[("", "—"), *((c, c) for c in spec.choices)],
                    widget=forms.Select(attrs=attrs),
                    initial=spec.default,
                    **common,
                )
            elif spec.type == "date":
                field = forms.CharField(
                    widget=forms.DateInput(attrs={**attrs, "type": "date"}), **common
                )
            else:
                widget = (
                    forms.Textarea(attrs={**attrs, "rows": 2})
                    if (spec.max_length or 0) > 200
                    else forms.TextInput(attrs=attrs)
                )
                field = forms.CharField(widget=widget, initial=spec.default, **common)
            field.spec = spec
            self.fields[spec.key] = field

    def row(self) -> dict:
        """The cleaned values by field key, as a cell of the template would hold them."""
        values = {}
        for key, value in self.cleaned_data.items():
            if isinstance(value, list):
                value = self.MULTI_SEPARATOR.join(value)
            values[key] = (value or "").strip()
        return values
