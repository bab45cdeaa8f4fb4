"""Exports of a lookup's results (XLSX, PDF) and of the lookup log (XLSX).

Every cell goes through portal.core.spreadsheets (formula-injection safe);
PDFs embed the CJK font of portal.core.pdf. A person's identity number only
ever appears masked: the log keeps nothing else.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.catalog.models import ListType
from portal.core.spreadsheets import safe_row, write_xlsx
from portal.measures.models import Lookup, LookupRow
from portal.measures.presentation import (
    catalog_labels,
    group_by_item,
    groups_text,
    triggered_names,
)
from portal.measures.totals import totals_of


def _lists_text(lists: list[dict], list_type: str | None, limit: int | None = None) -> str:
    """Per catalog item: its name, how many records, then the records (up to `limit` each)."""
    entries = [e for e in lists if list_type is None or e["list_type"] == list_type]
    parts = []
    for group in group_by_item(entries):
        shown = group["entries"][:limit]
        details = "；".join(
            f"{e['decision_no'] or e['record_id']}，{e['decision_date']}，{e['department']}"
            for e in shown
        )
        if limit is not None and group["count"] > limit:
            details += _("……共%(n)d条") % {"n": group["count"]}
        head = group["name"]
        if group["count"] > 1:
            head += _("（%(n)d条）") % {"n": group["count"]}
        parts.append(f"{head}：{details}")
    return "\n".join(parts)


def _findings_text(findings: list[dict], limit: int | None = None) -> str:
    by_condition: dict[str, list[dict]] = {}
    for entry in findings:
        by_condition.setdefault(entry["condition_name"], []).append(entry)
    parts = []
    for name, entries in by_condition.items():
        text = "；".join(
            f"{e['name']}（{e['decision_no'] or e['record_id']}，{e['decision_date']}，{e['department']}）"
            for e in entries[:limit]
        )
        if limit is not None and len(entries) > limit:
            text += _("……共%(n)d条") % {"n": len(entries)}
        parts.append(f"{name}：{text}")
    return "\n".join(parts)


def _measures_text(measures: list[dict]) -> str:
    parts = []
    for m in measures:
        text = m["name"]
        if m.get("suspended"):
            text += _("（因同时列入黑名单，暂停适用）")
        parts.append(text)
    return "；".join(parts)


def _candidates_text(candidates: list[dict], rejected=()) -> str:
    return "；".join(
        f"{c['name']}（{c['subject']}，{c['score']:g}）"
        + (_("［已排除］") if c["subject"] in rejected else "")
        for c in candidates
    )


def _feedback_text(entries) -> str:
    return "；".join(
        f"{f.get_outcome_display()}"
        + (f"［{f.measure.name}］" if f.measure_id else "")
        + (f"：{f.reason}" if f.reason else "")
        for f in entries
    )


def _match_label(row: LookupRow) -> str:
    label = row.get_match_display()
    if row.confirmed_at:
        label += _("（人工确认）")
    elif row.rejected_at:
        label += _("（候选均已排除，计为未匹配）")
    elif row.match == "candidates":
        label += _("（待确认）")
    return label


def totals_text(lookup: Lookup) -> str:
    """The totals in one sentence, as the results page shows them."""
    totals = totals_of(lookup)
    return _(
        "共%(rows)d个，精确匹配%(exact)d，人工确认%(confirmed)d，待确认%(cand)d，未匹配%(none)d；"
        "黑名单%(black)d，红名单%(red)d，符合场景核查条件%(conditions)d"
    ) % {
        "rows": totals.rows,
        "exact": totals.exact,
        "confirmed": totals.confirmed,
        "cand": totals.candidates,
        "none": totals.none,
        "black": totals.black,
        "red": totals.red,
        "conditions": totals.conditions,
    }


def _candidate_decision(row: LookupRow, code: str) -> str:
    if row.confirmed_at:
        return _("已确认") if row.subject_code == code else ""
    if code in row.rejected_codes:
        return _("已排除")
    return _("待确认")


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def lookup_header(lookup: Lookup) -> list[tuple[str, str]]:
    return [
        (_("查询编号"), str(lookup.pk)),
        (_("查询时间"), _local(lookup.created_at)),
        (_("查询人"), lookup.user_label or _("命令行")),
        (_("应用场景"), lookup.scenario.name),
        (_("查询事由"), lookup.purpose),
        (_("业务编号"), lookup.reference),
        (_("查询方式"), lookup.get_channel_display()),
        (_("上传文件"), lookup.file_name),
        (_("结果概况"), totals_text(lookup)),
    ]


def lookup_xlsx(lookup: Lookup, rows, feedback: dict[int, list]) -> bytes:
    """The results of one lookup: a summary sheet, the rows, and the candidates' explanations."""
    labels = catalog_labels()
    summary = [[label, value] for label, value in lookup_header(lookup)]
    results = [
        [
            _("序号"),
            _("行号"),
            _("输入名称"),
            _("输入代码"),
            _("匹配结果"),
            _("主体代码"),
            _("主体名称"),
            _("名称候选（代码，得分）"),
            _("黑名单"),
            _("红名单"),
            _("符合场景核查条件"),
            _("其他失信（不良）信息"),
            _("适用措施"),
            _("反馈"),
            _("说明"),
        ]
    ]
    candidates = [
        [
            _("序号"),
            _("输入名称"),
            _("候选主体代码"),
            _("候选主体名称"),
            _("得分"),
            _("得分说明"),
            _("名单"),
            _("决定"),
        ]
    ]
    measures = [
        [
            _("序号"),
            _("主体代码"),
            _("措施名称"),
            _("措施代码"),
            _("名单类型"),
            _("触发名单"),
            _("设定依据"),
            _("状态"),
        ]
    ]
    for row in rows:
        results.append(
            [
                row.position,
                row.input.get("row"),
                row.input.get("name", ""),
                row.input.get("code", ""),
                _match_label(row),
                row.subject_code,
                row.subject_name,
                _candidates_text(row.candidates, row.rejected_codes),
                _lists_text(row.lists, ListType.BLACK),
                _lists_text(row.lists, ListType.RED),
                _findings_text(row.findings),
                _lists_text(row.adverse, None),
                _measures_text(row.measures),
                _feedback_text(feedback.get(row.pk, [])),
                row.note,
            ]
        )
        for c in row.candidates:
            candidates.append(
                [
                    row.position,
                    row.input.get("name", ""),
                    c["subject"],
                    c["name"],
                    c["score"],
                    c.get("explanation", ""),
                    groups_text(group_by_item(c.get("lists", []), labels=labels)),
                    _candidate_decision(row, c["subject"]),
                ]
            )
        for m in row.measures:
            measures.append(
                [
                    row.position,
                    row.subject_code,
                    m["name"],
                    m["code"],
                    str(ListType(m["list_type"]).label),
                    "、".join(triggered_names(m, labels)),
                    m["legal_basis"],
                    _("暂停适用") if m.get("suspended") else _("适用"),
                ]
            )
    return write_xlsx(
        {
            _("查询信息"): summary,
            _("筛查结果"): results,
            _("适用措施"): measures,
            _("名称候选"): candidates,
        }
    )


PDF_ROWS_PER_TABLE = 40
# Past this many rows a PDF lists only the rows on a list (ReportLab lays out ~200 rows/s).
PDF_MAX_ROWS = 1000
# A table row cannot break across pages: a subject's list records are cut short in the PDF.
PDF_LIST_ENTRIES = 5


def lookup_pdf(lookup: Lookup, rows, feedback: dict[int, list]) -> bytes:
    """A printable record of one lookup and its results (A4 landscape)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from portal.core.pdf import cjk_font_name

    font = cjk_font_name()
    title_style = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)

    def p(text, style=body):
        from xml.sax.saxutils import escape  # nosec B406  # escape() writes markup for reportlab; nothing is parsed

        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)

    story = [p(_("联合奖惩信用核查记录"), title_style)]
    meta = Table(
        [[p(label), p(value)] for label, value in lookup_header(lookup)],
        colWidths=[28 * mm, 230 * mm],
    )
    meta.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [meta, Spacer(1, 5 * mm)]
    header = [
        _("序号"),
        _("输入"),
        _("匹配结果"),
        _("主体"),
        _("黑名单"),
        _("红名单"),
        _("适用措施"),
        _("反馈"),
    ]
    rows = list(rows)
    if len(rows) > PDF_MAX_ROWS:
        # A long list prints what needs attention; the XLSX export has every row.
        shown = [r for r in rows if r.lists or r.findings][:PDF_MAX_ROWS]
        story += [
            p(
                _(
                    "本次核查共%(total)d行，PDF仅列出列入红名单或黑名单或符合场景核查条件的%(shown)d行；"
                    "全部结果（含名称候选和未匹配行）请导出 XLSX。"
                )
                % {"total": len(rows), "shown": len(shown)}
            ),
            Spacer(1, 3 * mm),
        ]
        rows = shown
    data = [[p(h) for h in header]]
    for row in rows:
        subject = f"{row.subject_name}\n{row.subject_code}" if row.subject_code else ""
        if not subject and row.candidates:
            subject = _("候选：") + _candidates_text(row.candidates, row.rejected_codes)
        if row.findings:
            subject = (subject + "\n" if subject else "") + _findings_text(
                row.findings, PDF_LIST_ENTRIES
            )
        if row.note:
            subject = (subject + "\n" if subject else "") + row.note
        data.append(
            [
                p(row.position),
                p(f"{row.input.get('name', '')}\n{row.input.get('code', '')}".strip()),
                p(_match_label(row)),
                p(subject, small),
                p(_lists_text(row.lists, ListType.BLACK, PDF_LIST_ENTRIES), small),
                p(_lists_text(row.lists, ListType.RED, PDF_LIST_ENTRIES), small),
                p(_measures_text(row.measures), small),
                p(_feedback_text(feedback.get(row.pk, [])), small),
            ]
        )
    # Many short tables, not one long one: ReportLab splits a long table page by page,
    # each split re-measuring the rest, which grows with the square of the rows.
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5ef")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    widths = [10 * mm, 38 * mm, 20 * mm, 45 * mm, 40 * mm, 35 * mm, 45 * mm, 30 * mm]
    head, body_rows = data[0], data[1:]
    for start in range(0, max(len(body_rows), 1), PDF_ROWS_PER_TABLE):
        table = Table(
            [head, *body_rows[start : start + PDF_ROWS_PER_TABLE]], colWidths=widths, repeatRows=1
        )
        table.setStyle(style)
        story.append(table)
    generated = _local(timezone.now())

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(
            12 * mm,
            8 * mm,
            _("查询编号 %(id)s · 生成于 %(at)s · 第 %(page)d 页")
            % {"id": lookup.pk, "at": generated, "page": doc.page},
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=_("联合奖惩信用核查记录 %(id)s") % {"id": lookup.pk},
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def log_xlsx(lookups, rows) -> bytes:
    """The lookup log: one sheet of lookups, one of their rows with the feedback given.

    Both sheets are generated row by row from database iterators, so a long log
    streams into the workbook instead of being held in memory twice.
    """

    def lookup_sheet():
        yield [
            _("查询编号"),
            _("查询时间"),
            _("查询人"),
            _("应用场景"),
            _("查询事由"),
            _("业务编号"),
            _("查询方式"),
            _("上传文件"),
            _("查询主体数"),
            _("精确匹配"),
            _("人工确认"),
            _("待确认"),
            _("未匹配"),
            _("黑名单"),
            _("红名单"),
            _("符合场景核查条件"),
        ]
        for lookup in lookups.iterator(chunk_size=2000):
            totals = totals_of(lookup)
            yield [
                lookup.pk,
                _local(lookup.created_at),
                lookup.user_label or _("命令行"),
                lookup.scenario.name,
                lookup.purpose,
                lookup.reference,
                lookup.get_channel_display(),
                lookup.file_name,
                totals.rows,
                totals.exact,
                totals.confirmed,
                totals.candidates,
                totals.none,
                totals.black,
                totals.red,
                totals.conditions,
            ]

    labels = catalog_labels()

    def row_sheet():
        yield [
            _("查询编号"),
            _("序号"),
            _("输入名称"),
            _("输入代码"),
            _("匹配结果"),
            _("主体代码"),
            _("主体名称"),
            _("名单"),
            _("适用措施"),
            _("反馈"),
            _("反馈人"),
            _("反馈时间"),
        ]
        for row in rows.iterator(chunk_size=2000):
            entries = list(row.feedback.all())
            yield [
                row.lookup_id,
                row.position,
                row.input.get("name", ""),
                row.input.get("code", ""),
                _match_label(row),
                row.subject_code,
                row.subject_name,
                groups_text(group_by_item(row.lists, labels=labels)),
                "、".join(m["name"] for m in row.measures),
                _feedback_text(entries),
                "、".join(sorted({f.user.get_username() for f in entries})),
                _local(entries[0].created_at) if entries else "",
            ]

    return write_xlsx({_("查询日志"): lookup_sheet(), _("查询明细"): row_sheet()})


def list_template_xlsx() -> bytes:
    """The screening list template: name, kind and code columns, the code column as text
    (a long identity number typed as a number loses its last digits), and two example
    rows marked 【示例】 that the reader skips."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    from portal.core.codes import make_resident_id, make_uscc
    from portal.measures.reader import EXAMPLE_MARKER

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("名单"))
    sheet.append(["名称", "主体类别", "统一社会信用代码/身份证号码"])
    examples = [
        [
            f"{EXAMPLE_MARKER}惠州市示例科技有限公司",
            "法人及非法人组织",
            make_uscc("9", "1", "441302", "EX000001"),
        ],
        [f"{EXAMPLE_MARKER}张三", "自然人", make_resident_id("441302", "19900315", "123")],
    ]
    for row in examples:
        sheet.append(safe_row(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["A1"].comment = Comment(
        str(_("以【示例】开头的行是示例，筛查时跳过，可删除；从第4行起每行填写一个主体。")),
        "template",
    )
    sheet["B1"].comment = Comment(
        str(_("法人及非法人组织、个体工商户或自然人。自然人只按身份证号码核查，不按姓名检索。")),
        "template",
    )
    sheet["C1"].comment = Comment(
        str(
            _(
                "组织填写18位统一社会信用代码，自然人填写18位身份证号码。本列为文本格式，请勿改为数字。"
            )
        ),
        "template",
    )
    for row_index in range(2, 1002):
        sheet.cell(row=row_index, column=3).number_format = "@"
    for letter, width in (("A", 36), ("B", 18), ("C", 32)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
