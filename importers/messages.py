"""Row and file error messages: stored as a code and parameters, rendered in the UI language."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # Row errors
    "required": _("必填项为空"),
    "required_if": _("当「%(field)s」%(op)s「%(value)s」时必填"),
    "choice": _("「%(value)s」不是可选值，可选值：%(choices)s"),
    "multi_choice": _("「%(value)s」不是可选值，可选值：%(choices)s"),
    "date": _("「%(value)s」不是有效日期，请使用 2024-05-01、2024/5/1、2024.5.1 或 2024年5月1日"),
    "future": _("日期 %(value)s 晚于今天"),
    "before": _("日期 %(value)s 早于「%(field)s」%(other)s"),
    "decimal": _("「%(value)s」不是有效数值"),
    "min_value": _("数值 %(value)s 小于最小值 %(min)s"),
    "max_length": _("长度 %(length)d 超过上限 %(max)d"),
    "uscc.length": _("统一社会信用代码应为18位，实际为%(n)d位"),
    "uscc.checksum": _("统一社会信用代码校验位错误"),
    "uscc.format": _("统一社会信用代码含有不允许的字符"),
    "uscc.org_format": _("统一社会信用代码中的组织机构代码格式错误"),
    "uscc.org_checksum": _("统一社会信用代码中的组织机构代码校验位错误"),
    "id.length": _("身份证号码应为18位，实际为%(n)d位"),
    "id.checksum": _("身份证号码校验位错误"),
    "id.format": _("身份证号码前17位应为数字"),
    "id.component": _("身份证号码中的出生日期或地址码无效"),
    "id.empty": _("证件号码不能为空"),
    "duplicate": _("与第 %(first)d 行重复（同一业务主键：%(key)s）"),
    "under_objection": _("已有记录正处于异议处理中，暂不能通过报送修改"),
    "record_closed": _("已有记录状态为「%(status)s」，不能通过报送覆盖"),
    "no_code": _("缺少主体代码，无法归集主体"),
    "industry": _(
        "「%(value)s」不是国民经济行业分类（GB/T 4754-2017）的门类或大类代码，"
        "请填写门类字母 A–T，可加两位大类代码，例如 C 或 C39"
    ),
    "name_candidate": _("缺少主体代码，名称与已有主体「%(name)s」相近，已转人工确认"),
    "action": _("「%(value)s」不是可选的操作类型，可选值：%(choices)s（留空为新增/更正）"),
    "withdrawal_required": _("撤销或移出须填写依据和文书号"),
    "withdraw_not_found": _(
        "未找到要撤销或移出的记录（按业务主键 %(key)s 查找），请核对决定文书号和主体代码"
    ),
    "excel_number": _(
        "「%(value)s」已被 Excel 当作数字处理（科学计数法或末几位变成 0），号码已损坏："
        "请把该列设为文本格式——选中整列，右键「设置单元格格式」→「数字」→「文本」，"
        "再重新输入或粘贴号码（也可在号码前加英文单引号 '）"
    ),
    "source_not_uploader": _(
        "数据来源单位统一社会信用代码 %(value)s 不是本部门的代码 %(expected)s："
        "只能报送本部门作为数据来源的记录"
    ),
    "withdraw_pending": _("该记录已有待审批的撤销或移出申请，请等待本部门另一名数据专员审批"),
    "too_many_columns": _("该行有 %(count)d 个单元格，多于表头的 %(header)d 列"),
    # File errors
    "file_empty": _("文件为空"),
    "file_type": _("不支持的文件类型「%(ext)s」，请上传 CSV 或 XLSX 文件"),
    "file_too_large": _("文件大小 %(size)s 超过上限 %(limit)s"),
    "encoding": _("无法识别文件编码，请使用 UTF-8 或 GBK 编码保存 CSV"),
    "csv_format": _("CSV 文件格式错误：%(detail)s"),
    "xlsx_corrupt": _("XLSX 文件已损坏或不是有效的 Excel 文件：%(detail)s"),
    "xlsx_bomb": _("XLSX 文件解压后过大或条目过多（%(detail)s），已拒收"),
    "xlsx_unsafe": _("XLSX 文件包含不安全的 XML 内容，已拒收"),
    "xlsx_dimension": _(
        "工作表声明的数据范围 %(ref)s 超过上限（%(columns)d 列、%(rows)d 行），已拒收整个文件"
    ),
    "xlsx_too_wide": _(
        "第 %(row)d 行在第 %(column)s 列有内容，超过上限 %(limit)d 列，已拒收整个文件；"
        "请删除模板以外的列后重新上传"
    ),
    "xlsx_too_many_rows": _("工作表第 %(row)d 行超过上限 %(limit)d 行，已拒收整个文件"),
    "xlsx_shared_strings": _(
        "XLSX 文件的共享字符串表过大（上限 %(count)d 条、%(size)s），已拒收；"
        "请拆分文件或另存为 CSV 后上传"
    ),
    "xlsx_shared_string_too_long": _("XLSX 文件中有文本超过 %(limit)d 个字符，已拒收整个文件"),
    "row_too_long": _(
        "第 %(row)d 行超过 %(limit)d 个字符（可能缺少换行或引号未闭合），已拒收整个文件"
    ),
    "cell_too_long": _("第 %(row)d 行有单元格超过 %(limit)d 个字符，已拒收整个文件"),
    "no_header": _("找不到表头行"),
    "unknown_columns": _("表头含有模板中没有的列：%(columns)s"),
    "missing_columns": _("表头缺少模板中的列：%(columns)s"),
    "duplicate_columns": _("表头中的列重复：%(columns)s"),
    "item_inactive": _("目录项 %(code)s 已停用"),
    "item_not_allowed": _("部门 %(department)s 不是目录项 %(code)s 的提供部门"),
    "unknown_item": _("未知的目录项：%(code)s"),
    "unknown_department": _("未知的部门：%(code)s"),
    "too_many_rows": _("数据行超过上限 %(limit)d 行"),
    "crashed": _("处理中断：%(detail)s"),
    "idempotency_key_reused": _(
        "Idempotency-Key「%(key)s」已用于批次 #%(batch)d（目录项 %(code)s），"
        "本次请求的文件或目录项与之不同，未被接收；新的报送请使用新的 Idempotency-Key"
    ),
    "dry_run_with_commit": _("dry_run=true 与 commit=true 不能同时使用：试运行不入库"),
}

CONDITION_WORDS = {
    "equals": _("为"),
    "not_equals": _("不为"),
    "includes": _("包含"),
}


def render(code: str, params: dict | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return str(code)
    params = dict(params or {})
    if "op" in params:
        params["op"] = str(CONDITION_WORDS.get(params["op"], params["op"]))
    for key in ("field",):
        # Field references are stored as {"key":..., "label":..., "label_en":...}.
        ref = params.get(key)
        if isinstance(ref, dict):
            params[key] = localised_label(ref.get("label", ""), ref.get("label_en", ""))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def english() -> bool:
    return (get_language() or "").startswith("en")


def localised_label(label: str, label_en: str = "") -> str:
    return label_en if english() and label_en else label


def column_label(field_key: str, column: str, catalog_fields=None) -> str:
    """The column name to show: the file's header, or in English the field's English label."""
    if english() and catalog_fields and field_key in catalog_fields:
        return catalog_fields[field_key].label_en or column
    return column


def describe(row: int, column: str, message: str) -> str:
    """One row error as a sentence naming row, column and reason."""
    if column:
        return str(_("第 %(row)d 行「%(column)s」：%(message)s")) % {
            "row": row,
            "column": column,
            "message": message,
        }
    return str(_("第 %(row)d 行：%(message)s")) % {"row": row, "message": message}
