"""Forms of the public filing pages, the operators' screens and the department side."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import FieldType
from portal.core.languages import is_english
from portal.objections import challenge, evidence
from portal.objections.models import (
    REPAIR_RELATIONS,
    STATEMENT_RELATIONS,
    DeadlineSettings,
    Ground,
    Relation,
    WorkdayOverride,
)
from portal.records import statements


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each checked by content (portal.objections.evidence)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return evidence.check_uploads(uploads)


def evidence_help() -> str:
    return _("可上传 %(types)s 文件，最多 %(count)d 个，每个不超过 %(size)s。") % {
        "types": evidence.allowed_label(),
        "count": evidence.max_files(),
        "size": evidence.human_size(evidence.max_bytes()),
    }


class ChallengeMixin(forms.Form):
    """A signed arithmetic question and a honeypot field no person fills in."""

    challenge_token = forms.CharField(widget=forms.HiddenInput)
    challenge_answer = forms.CharField(label=_("验证问题"), max_length=4)
    website = forms.CharField(
        label=_("请勿填写此项"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def fresh_challenge(self):
        question, token = challenge.new_challenge()
        self.challenge_question = question
        self.initial["challenge_token"] = token
        if self.is_bound:
            data = self.data.copy()
            data["challenge_token"] = token
            data["challenge_answer"] = ""
            self.data = data

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("提交未通过校验。"))
        if not self.errors:
            message = challenge.check(
                cleaned.get("challenge_token", ""), cleaned.get("challenge_answer", "")
            )
            if message:
                self.add_error("challenge_answer", message)
        return cleaned


class ApplicantForm(ChallengeMixin, forms.Form):
    applicant_name = forms.CharField(label=_("申请人姓名或单位名称"), max_length=100)
    applicant_email = forms.EmailField(
        label=_("电子邮箱"), help_text=_("每个办理阶段的进展将发送到此邮箱。")
    )
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    relation = forms.ChoiceField(label=_("与信用主体的关系"), choices=Relation.choices)
    explanation = forms.CharField(
        label=_("情况说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    files = EvidenceField(label=_("证明材料"), required=False)
    consent = forms.BooleanField(
        label=_("我同意平台为办理本申请处理我提供的个人信息，并确认所填内容真实。")
    )

    field_order = [
        "applicant_name",
        "applicant_email",
        "applicant_phone",
        "relation",
        "ground",
        "explanation",
        "files",
        "commitment",
        "commitment_signed_by",
        "consent",
        "challenge_answer",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = evidence_help()
        if not self.is_bound or "challenge_token" not in self.data:
            self.fresh_challenge()
        else:
            # A used or expired token stays in the data so that validation says so;
            # the view puts a fresh question on the page it sends back.
            self.challenge_question = challenge.question_of(self.data.get("challenge_token", ""))


class ObjectionForm(ApplicantForm):
    ground = forms.ChoiceField(
        label=_("异议理由"), choices=Ground.choices, widget=forms.RadioSelect
    )


class RepairForm(ApplicantForm):
    commitment = forms.BooleanField(label=_("我已阅读并签署上述信用承诺书。"))
    commitment_signed_by = forms.CharField(
        label=_("承诺人签名"),
        max_length=100,
        help_text=_("请输入承诺人（本人或单位法定代表人）的姓名，视为签署。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [
            (value, label) for value, label in Relation.choices if value in REPAIR_RELATIONS
        ]
        self.fields["files"].required = True
        self.fields["explanation"].label = _("纠正失信行为、履行法定义务的情况")


class StatementForm(ApplicantForm):
    """The subject's statement: its own words beside the record, no evidence files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["files"]
        self.fields["relation"].choices = [
            (value, label) for value, label in Relation.choices if value in STATEMENT_RELATIONS
        ]
        explanation = self.fields["explanation"]
        explanation.label = _("声明内容")
        explanation.max_length = None
        explanation.validators = []
        explanation.widget.attrs.pop("maxlength", None)
        explanation.help_text = _(
            "最多 %(max)d 个字。声明经平台审核后，以信用主体本人的名义展示在该记录旁，"
            "不代表本平台或认定部门的意见。请勿填写身份证号码、手机号码等个人信息，"
            "平台会自动遮蔽。"
        ) % {"max": statements.MAX_LENGTH}

    def clean_explanation(self):
        text = self.cleaned_data.get("explanation", "")
        try:
            statements.clean_text(text)
        except statements.StatementError as error:
            raise ValidationError(str(error)) from error
        return text


class SecretForm(forms.Form):
    tracking_no = forms.CharField(label=_("受理编号"), max_length=40)
    secret = forms.CharField(
        label=_("查询密码"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class StepForm(forms.Form):
    """An operator's or department's step on a case."""

    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("意见"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = EvidenceField(label=_("附件"), required=False)


class AnswerForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("部门意见"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("核查情况说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = EvidenceField(label=_("核查材料"), required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendation"].choices = choices
        self.fields["files"].help_text = evidence_help()


class CorrectionForm(forms.Form):
    """The corrected values of a record's fields, one input per field, each of the type
    the catalog declares (dates as dates, choices as choices)."""

    comment = forms.CharField(
        label=_("决定说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, record=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.record = record
        self.list_keys = set()
        catalog = {f.key: f for f in record.catalog_item.fields.all()}
        # The catalog's order first, then any key only the stored data has.
        keys = [k for k in catalog if k in record.data] + [
            k for k in record.data if k not in catalog
        ]
        for key in keys:
            value = record.data[key]
            spec = catalog.get(key)
            if isinstance(value, list) and not (
                spec is not None and spec.field_type == FieldType.MULTI_CHOICE
            ):
                self.list_keys.add(key)
                value = "、".join(str(v) for v in value)
            self.fields[f"field__{key}"] = _correction_field(spec, key, value)

    def corrections(self) -> dict:
        """Only the fields whose value changed, in the form the record stores them."""
        changed = {}
        for key, old in self.record.data.items():
            name = f"field__{key}"
            if name not in self.fields:
                continue
            new = self.cleaned_data.get(name, "")
            if isinstance(new, dt.date):
                new = new.isoformat()
            elif isinstance(new, Decimal):
                new = format(new, "f")
            elif key in self.list_keys:
                parts = [p.strip() for p in new.replace("；", "、").replace(";", "、").split("、")]
                new = [p for p in parts if p]
            elif new is None:
                new = ""
            if new != ("" if old is None else old) and not (
                not isinstance(new, list) and str(old) == new
            ):
                changed[key] = new
        return changed


def _correction_field(spec, key, value) -> forms.Field:
    label = key
    if spec is not None:
        label = spec.label_en if is_english() and spec.label_en else spec.label
    kind = spec.field_type if spec is not None else FieldType.TEXT
    options = {"label": label, "required": False}
    if kind == FieldType.DATE:
        initial = value
        if isinstance(value, str):
            try:
                initial = dt.date.fromisoformat(value)
            except ValueError:
                initial = None
        return forms.DateField(
            initial=initial,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **options,
        )
    if kind == FieldType.DECIMAL:
        return forms.DecimalField(
            initial=value,
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            **options,
        )
    if kind == FieldType.CHOICE and spec.choice_list:
        choices = [(c, c) for c in spec.choice_list]
        if value and value not in spec.choice_list:
            choices.append((value, value))  # keep what the department wrote selectable
        return forms.ChoiceField(choices=[("", "—"), *choices], initial=value or "", **options)
    if kind == FieldType.MULTI_CHOICE and spec.choice_list:
        current = value if isinstance(value, list) else [value] if value else []
        choices = [(c, c) for c in spec.choice_list] + [
            (c, c) for c in current if c not in spec.choice_list
        ]
        return forms.MultipleChoiceField(
            choices=choices, initial=current, widget=forms.CheckboxSelectMultiple, **options
        )
    return forms.CharField(initial="" if value is None else str(value), max_length=2000, **options)


class DeadlineSettingsForm(forms.ModelForm):
    class Meta:
        model = DeadlineSettings
        fields = [
            "accept_days",
            "check_days",
            "department_days",
            "repair_decision_days",
            "repair_notify_days",
        ]


class WorkdayOverrideForm(forms.ModelForm):
    class Meta:
        model = WorkdayOverride
        fields = ["date", "is_working_day", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
