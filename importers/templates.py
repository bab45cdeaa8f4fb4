"""Import templates generated from a catalog item's field schema (XLSX and CSV).

The data sheet's header row is the item's column labels (from the item's
django-import-export resource), followed by one example row whose first cell
starts with 【示例】 (uploads skip such rows). The XLSX adds drop-downs for
enumerations, date formatting, an instructions sheet and the template version.
Every cell is neutralised against formula injection.
"""

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from importers.resources import resource_for
from importers.samples import example_values
from importers.schema import (
    ACTION,
    ACTION_CHOICES,
    ACTION_COLUMNS,
    EXAMPLE_MARKER,
    WITHDRAWAL_BASIS,
    WITHDRAWAL_DATE,
    WITHDRAWAL_DOCUMENT,
)
from portal.catalog.models import CatalogItem, FieldType
from portal.catalog.starter import department_uscc
from portal.core.codes import make_uscc
from portal.core.spreadsheets import neutralise, safe_row, write_csv

TEMPLATE_ROWS = 5000  # rows prepared with drop-downs and date formats

TYPE_HELP = {
    FieldType.TEXT: "文本",
    FieldType.DATE: "日期，如 2024-05-01、2024/5/1、2024.5.1、2024年5月1日",
    FieldType.DECIMAL: "数值",
    FieldType.CHOICE: "单选，从可选值中选择",
    FieldType.MULTI_CHOICE: "多选，多个值用 ; ； 、 或 , 分隔",
    FieldType.USCC: "18位统一社会信用代码（含校验位）",
    FieldType.ID_NUMBER: "证件号码；身份证须为18位且校验位正确",
}


def _providing_department(item: CatalogItem):
    departments = list(item.departments.all())
    return departments[0] if len(departments) == 1 else None


def example_row(item: CatalogItem, fields=None) -> list:
    """A plausible example value per column, in the item's own terms (importers.samples),
    respecting conditional requirements."""
    fields = fields if fields is not None else list(item.fields.all())
    today = timezone.localdate()
    examples = example_values(item, today)
    provider = _providing_department(item)
    provider_uscc = provider.uscc if provider is not None and provider.uscc else ""
    values: dict = {}
    for f in fields:
        if f.key in examples:
            value = examples[f.key]
        elif f.field_type == FieldType.DATE:
            value = (today - dt.timedelta(days=10)).isoformat() if f.required else ""
        elif f.field_type == FieldType.DECIMAL:
            value = "1.5" if f.required else ""
        elif f.field_type == FieldType.CHOICE:
            value = f.default or (f.choice_list[0] if f.choice_list else "")
        elif f.field_type == FieldType.MULTI_CHOICE:
            value = f.choice_list[0] if f.choice_list else ""
        elif f.field_type == FieldType.USCC:
            value = (
                make_uscc("9", "1", "441302", "EX000001")
                if f.key == "uscc"
                else provider_uscc or department_uscc("MB1A0001")
            )
        elif f.field_type == FieldType.ID_NUMBER:
            value = ""
        else:
            value = f"（{f.label}）" if f.required else ""
        values[f.key] = value
    # Fields required only under a condition the example does not meet stay empty.
    for f in fields:
        if f.required_if_field and not f.required:
            current = values.get(f.required_if_field, "")
            op, expected = f.required_if_op, f.required_if_value
            holds = (
                (op == "equals" and current == expected)
                or (op == "not_equals" and current != expected)
                or (op == "includes" and expected in str(current))
            )
            if not holds and f.field_type in (FieldType.ID_NUMBER, FieldType.CHOICE):
                values[f.key] = ""
    row = [values[f.key] for f in fields]
    if row:
        row[0] = f"{EXAMPLE_MARKER}{row[0]}"
    return row


def _rule_text(f, labels: dict | None = None) -> str:
    """A column's rules as the header comment and the instructions sheet give them; other
    columns are named by their headers (labels), as the clerk sees them."""
    labels = labels or {}
    parts = [TYPE_HELP.get(f.field_type, "")]
    if f.required:
        parts.append("必填")
    elif f.required_if_field:
        op = {"equals": "为", "not_equals": "不为", "includes": "包含"}.get(f.required_if_op, "")
        other = labels.get(f.required_if_field, f.required_if_field)
        parts.append(f"当「{other}」{op}「{f.required_if_value}」时必填")
    if f.default:
        parts.append(f"留空默认为「{f.default}」")
    if f.max_length:
        parts.append(f"不超过{f.max_length}字")
    if f.min_value is not None:
        parts.append(f"不小于{f.min_value.normalize():f}")
    if f.not_before_field:
        parts.append(f"不早于「{labels.get(f.not_before_field, f.not_before_field)}」")
    if f.not_in_future:
        parts.append("不得晚于今天")
    if f.help_text:
        parts.append(f.help_text)
    return "；".join(p for p in parts if p)


# The action columns' rules, as the instructions sheet and the header comments give them.
ACTION_HELP = {
    ACTION.key: "可选：新增/更正（留空即为新增/更正）、撤销（决定已被撤销）、移出（已移出名单）；"
    "撤销、移出按业务主键（决定文书号和主体代码）查找已报送的记录，该记录立即撤下公示",
    WITHDRAWAL_BASIS.key: "撤销或移出时必填：撤销或移出的法律依据，不超过500字",
    WITHDRAWAL_DOCUMENT.key: "撤销或移出时必填：撤销决定书或移出决定的文书号，不超过200字",
    WITHDRAWAL_DATE.key: "撤销或移出时选填：作出撤销或移出决定的日期，如 2024-05-01，不得晚于今天、"
    "不得早于原决定日期；报送考核自该日起计算撤销的报送时限",
}


def template_filename(item: CatalogItem, ext: str) -> str:
    return f"{item.code}_template_v{item.schema_version}.{ext}"


def template_csv(item: CatalogItem) -> bytes:
    """Header (labels) and the example row, UTF-8 with a BOM so Excel shows the Chinese."""
    resource = resource_for(item)
    fields = list(item.fields.all().order_by("sort_order", "id"))
    headers = resource.get_export_headers() + [c.label for c in ACTION_COLUMNS]
    return write_csv([headers, example_row(item, fields) + [""] * len(ACTION_COLUMNS)])


def _action_columns(data, options, after: int, option_columns: int, fill) -> None:
    """The optional action columns after the item's fields, the action as a drop-down."""
    for offset, column in enumerate(ACTION_COLUMNS, start=1):
        index = after + offset
        cell = data.cell(row=1, column=index, value=neutralise(column.label))
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(neutralise(ACTION_HELP[column.key]), "template")
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = 20
        if column is ACTION:
            source_column = get_column_letter(option_columns + 1)
            for row_index, choice in enumerate(ACTION_CHOICES, start=1):
                options[f"{source_column}{row_index}"] = choice
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${source_column}$1:${source_column}${len(ACTION_CHOICES)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("无效的值"),
                error=_("请从下拉列表中选择。"),
            )
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")


def template_xlsx(item: CatalogItem) -> bytes:
    resource = resource_for(item)
    fields = list(item.fields.all().order_by("sort_order", "id"))
    labels = {f.key: f.label for f in fields}
    headers = resource.get_export_headers()
    workbook = Workbook()
    data = workbook.active
    data.title = "数据"
    options = workbook.create_sheet("选项")
    guide = workbook.create_sheet("填写说明")

    required_fill = PatternFill("solid", fgColor="FFE4B5")
    optional_fill = PatternFill("solid", fgColor="E8EEF7")
    option_columns = 0
    data.append(safe_row(headers))
    data.append(safe_row(example_row(item, fields)))
    for index, f in enumerate(fields, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = required_fill if f.required else optional_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(neutralise(_rule_text(f, labels)), "template")
        example = data.cell(row=2, column=index)
        example.font = Font(italic=True, color="808080")
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(12, min(40, len(f.label) * 2 + 4))
        target = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if f.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and f.choice_list:
            option_columns += 1
            column = get_column_letter(option_columns)
            for row_index, choice in enumerate(f.choice_list, start=1):
                options[f"{column}{row_index}"] = neutralise(choice)
            source = f"'选项'!${column}$1:${column}${len(f.choice_list)}"
            multiple = f.field_type == FieldType.MULTI_CHOICE
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=not multiple,
                errorTitle=_("无效的值"),
                error=_("请从下拉列表中选择。"),
                promptTitle=f.label[:32],
                prompt=(_("可多选，用、分隔") if multiple else _("请从列表中选择"))[:255],
                showInputMessage=True,
            )
            data.add_data_validation(validation)
            validation.add(target)
        elif f.field_type == FieldType.DATE:
            validation = DataValidation(
                type="custom",
                formula1="TRUE",
                allow_blank=True,
                showErrorMessage=False,
                promptTitle=f.label[:32],
                prompt="2024-05-01 / 2024/5/1 / 2024.5.1 / 2024年5月1日",
                showInputMessage=True,
            )
            data.add_data_validation(validation)
            validation.add(target)
            for row_index in range(2, 3):
                data.cell(row=row_index, column=index).number_format = "yyyy-mm-dd"
        elif f.field_type in (FieldType.USCC, FieldType.ID_NUMBER, FieldType.TEXT):
            # Text format keeps long codes and numbers as typed (no 4.41E+17).
            for row_index in range(3, 203):
                data.cell(row=row_index, column=index).number_format = "@"
    _action_columns(data, options, len(fields), option_columns, optional_fill)
    data.freeze_panes = "A2"
    options.sheet_state = "hidden"

    guide.append(
        safe_row([f"{item.name}（{item.code}）导入模板", f"模板版本 v{item.schema_version}"])
    )
    guide.append(
        safe_row(
            [
                "说明：在「数据」表第一行之后逐行填写，每行一条记录；第二行为示例（以【示例】开头，上传时自动跳过，可删除）。"
                "表头可用字段名称或字段键。CSV 可用 UTF-8（可带 BOM）或 GBK 编码保存。"
            ]
        )
    )
    guide.append([])
    guide.append(safe_row(["字段名称", "字段键", "类型与规则", "可选值", "是否公开"]))
    for f in fields:
        guide.append(
            safe_row(
                [
                    f.label,
                    f.key,
                    _rule_text(f, labels),
                    "、".join(f.choice_list),
                    "是" if f.is_public else "否（仅政府用户可见）",
                ]
            )
        )
    for column in ACTION_COLUMNS:
        choices = "、".join(ACTION_CHOICES) if column is ACTION else ""
        guide.append(safe_row([column.label, column.key, ACTION_HELP[column.key], choices, "否"]))
    for letter, width in zip("ABCDE", (28, 20, 60, 40, 18), strict=True):
        guide.column_dimensions[letter].width = width
    guide["A1"].font = Font(bold=True, size=14)
    workbook.properties.title = f"{item.code} v{item.schema_version}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
