"""Reading a reviewer's list: XLSX (python-calamine) or CSV (charset detection).

The list has a name column (名称), an optional code column (统一社会信用代码,
which may also hold a person's identity number) and an optional kind column
(主体类别: a 自然人 is looked up by identity number only). The template's example
rows (【示例】) are skipped and counted. A file that is too large, not
a spreadsheet, or without a name column is refused as a whole with one clear
message; nothing is half-read.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath

import charset_normalizer
import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from portal.core.text import normalise_text

NAME_HEADERS = {"名称", "主体名称", "企业名称", "单位名称", "行政相对人名称", "NAME"}
CODE_HEADERS = {
    "统一社会信用代码",
    "统一社会信用代码/身份证号码",
    "统一社会信用代码或身份证号码",
    "代码",
    "主体代码",
    "证件号码",
    "身份证号码",
    "CODE",
    "USCC",
}
# An optional column saying what the subject is: a natural person is looked up by identity
# number only, never by name (docs/domain.md, Joint rewards and penalties).
KIND_HEADERS = {"主体类别", "类别", "主体类型", "行政相对人类别", "KIND"}
PERSON_KINDS = {"自然人", "个人", "NATURALPERSON", "PERSON"}
# Headers are looked for in the first rows; a title line above them is common.
HEADER_SEARCH_ROWS = 5
# The list template's example rows start with this (as the import templates' do) and are
# skipped; so is the unmarked example row of the template handed out before.
EXAMPLE_MARKER = "【示例】"
OLD_EXAMPLE = ("惠州市示例科技有限公司", "91441302XXXXXXXXXX")


def max_bytes() -> int:
    return settings.PORTAL_SCREEN_MAX_BYTES


def max_rows() -> int:
    return settings.PORTAL_SCREEN_MAX_ROWS


class ListFileError(ValueError):
    """The whole file is refused; the message says why, fit to show the reviewer."""


@dataclass(frozen=True)
class InputRow:
    row: int  # the line in the file (1 for a single lookup)
    name: str
    code: str
    is_person: bool = False  # the list's 主体类别 says 自然人


class ListRows(list):
    """The input rows of a list, with the template example rows that were skipped."""

    def __init__(self, rows=(), skipped_examples=()):
        super().__init__(rows)
        self.skipped_examples = list(skipped_examples)

    def skipped_note(self) -> str:
        if not self.skipped_examples:
            return ""
        return _("第 %(rows)s 行是名单模板的示例行，已跳过，未筛查。") % {
            "rows": "、".join(str(n) for n in self.skipped_examples)
        }


def read_list(data: bytes, filename: str) -> ListRows:
    """The input rows of an uploaded list, in file order."""
    limit = max_bytes()
    if len(data) > limit:
        raise ListFileError(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": len(data) / 1048576, "limit": limit / 1048576}
        )
    if not data.strip():
        raise ListFileError(_("文件为空。"))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"} or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        table = _spreadsheet_rows(data)
    elif suffix in {".csv", ".txt", ""}:
        table = _csv_rows(data)
    else:
        raise ListFileError(
            _("不支持的文件类型“%(suffix)s”：请上传 XLSX 或 CSV 文件。") % {"suffix": suffix}
        )
    return _input_rows(table)


def _spreadsheet_rows(data: bytes):
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ListFileError(_("工作簿中没有工作表。"))
        sheet = workbook.get_sheet_by_index(0)
        # Plus one for the header and a title line: stop reading well before memory suffers.
        limit = max_rows() + HEADER_SEARCH_ROWS + 1
        rows = []
        for row in sheet.iter_rows():
            rows.append(row)
            if len(rows) > limit:
                break
        return rows
    except ListFileError:
        raise
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        raise ListFileError(_("无法读取该电子表格：文件已损坏或不是有效的 XLSX 文件。")) from exc


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (GBK is its subset), then detection."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ListFileError(_("无法识别文件的字符编码：请另存为 UTF-8 编码的 CSV 文件。"))
    return str(best)


def _csv_rows(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        raise ListFileError(_("文件含有二进制内容，不是 CSV 文件。"))
    # The separator used most in the first lines (Excel writes ";" or tabs in some locales).
    head = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS + 5] if line.strip()]
    delimiter = max(",;\t|", key=lambda d: (sum(line.count(d) for line in head), d == ","))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ListFileError(_("CSV 格式错误：%(error)s") % {"error": exc}) from exc


def _cell(value) -> str:
    """A cell as typed, trimmed (matching normalises later and explains what it changed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number
    return " ".join(str(value).replace("\u200b", "").split())


def _header(value) -> str:
    return normalise_text(_cell(value)).replace(" ", "").rstrip("*").upper()


def is_example(name: str, code: str) -> bool:
    return name.startswith(EXAMPLE_MARKER) or (name, code) == OLD_EXAMPLE


def _is_person_kind(value: str) -> bool:
    text = _header(value)
    return text in PERSON_KINDS or "自然人" in text


def _input_rows(table) -> ListRows:
    name_col = code_col = kind_col = None
    header_index = None
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        headers = [_header(v) for v in row]
        names = [i for i, h in enumerate(headers) if h in NAME_HEADERS]
        if names:
            name_col = names[0]
            codes = [i for i, h in enumerate(headers) if h in CODE_HEADERS]
            code_col = codes[0] if codes else None
            kinds = [i for i, h in enumerate(headers) if h in KIND_HEADERS]
            kind_col = kinds[0] if kinds else None
            header_index = index
            break
    if header_index is None:
        raise ListFileError(_("未找到表头：第一行应包含“名称”列（可选“统一社会信用代码”列）。"))
    rows = ListRows()
    limit = max_rows()
    for offset, row in enumerate(table[header_index + 1 :], start=header_index + 2):
        name = _cell(row[name_col]) if name_col < len(row) else ""
        code = _cell(row[code_col]) if code_col is not None and code_col < len(row) else ""
        kind = _cell(row[kind_col]) if kind_col is not None and kind_col < len(row) else ""
        if not name and not code:
            continue
        if is_example(name, code):
            rows.skipped_examples.append(offset)
            continue
        if len(name) > 200:
            raise ListFileError(_("第%(row)d行的名称过长（超过200个字符）。") % {"row": offset})
        rows.append(InputRow(row=offset, name=name, code=code, is_person=_is_person_kind(kind)))
        if len(rows) > limit:
            raise ListFileError(
                _("名单超过 %(limit)d 行的上限，请拆分后分批筛查。") % {"limit": limit}
            )
    if not rows and rows.skipped_examples:
        raise ListFileError(
            _("名单中只有模板的示例行（以【示例】开头），请在示例行下方填写要筛查的主体。")
        )
    if not rows:
        raise ListFileError(_("名单中没有数据行。"))
    return rows
