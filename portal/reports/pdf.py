"""The credit report as PDF (ReportLab), in Chinese with an embedded CJK font.

The report is an official document, so it is always rendered in Simplified
Chinese whatever language the visitor reads the site in.
"""

import datetime as dt
import io
from xml.sax.saxutils import escape  # nosec B406  # escape() writes markup for reportlab; nothing is parsed

import qrcode
from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portal.core.pdf import cjk_font_name
from portal.records.visibility import public_identity
from portal.reports.models import ReportKind

BRAND = colors.HexColor("#0b4ea2")
GRID = colors.HexColor("#b8c4d6")
SHADE = colors.HexColor("#eef3fa")
REPAIRED = colors.HexColor("#5a5a5a")
STATEMENT_SHADE = colors.HexColor("#f5f5f3")
# Printed before a subject's statement: whose words they are.
STATEMENT_LABEL = "本人声明（信用主体本人的陈述，不代表本平台或认定部门的意见）："
# The widest label ("统一社会信用代码", 8 characters at 8.5 pt) plus the cell padding.
LABEL_WIDTH = 33 * mm
# Room a section needs at the foot of a page: its heading, the table header and two rows.
SECTION_START_SPACE = 40 * mm


def _styles(font: str) -> dict:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, textColor=BRAND
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, alignment=TA_CENTER),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=12.5,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            textColor=BRAND,
            # A heading never ends a page: it goes with what follows it.
            keepWithNext=1,
        ),
        "finding": ParagraphStyle("finding", parent=base, fontSize=11, leading=17),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=12),
        # Labels are short and must read whole ("统一社会信用代码", not "…代/码"): their
        # columns are wide enough, and they never break inside a word.
        "label": ParagraphStyle("label", parent=base, fontSize=8.5, leading=12, wordWrap=None),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8.5, leading=12, textColor=REPAIRED),
        "statement": ParagraphStyle("statement", parent=base, fontSize=8.5, leading=12),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _qr_image(link: str) -> ImageReader:
    image = qrcode.make(link, box_size=6, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


def _platform_name() -> str:
    return f"{settings.PORTAL_CITY_NAME}市公共信用信息平台"


def render_report(content, *, code: str, checksum: str, issued_at: dt.datetime, verify_link: str):
    """The PDF bytes of a report."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return _render(content, code, checksum, issued_at, verify_link)


def _render(content, code, checksum, issued_at, verify_link) -> bytes:
    font = cjk_font_name()
    styles = _styles(font)
    specialised = content.kind == ReportKind.SPECIALISED
    title = "专项信用报告" if specialised else "信用报告"
    issued_local = timezone.localtime(issued_at)
    subject = content.subject
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=f"{title} {subject.name}",
        author=_platform_name(),
        subject=f"报告编号 {code}",
        keywords=[code],
        creator=_platform_name(),
    )
    qr = _qr_image(verify_link) if verify_link else None

    def first_page(canvas, document):
        if qr is not None:
            size = 26 * mm
            x, y = A4[0] - 18 * mm - size, A4[1] - 12 * mm - size
            canvas.drawImage(qr, x, y, size, size)
            canvas.setFont(font, 7)
            canvas.drawCentredString(x + size / 2, y - 3 * mm, "扫码核验真伪")
        later_pages(canvas, document)

    def later_pages(canvas, document):
        canvas.saveState()
        canvas.setStrokeColor(GRID)
        canvas.line(18 * mm, 16 * mm, A4[0] - 18 * mm, 16 * mm)
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#333333"))
        canvas.drawString(18 * mm, 11 * mm, f"报告编号：{code}　校验码：{checksum}")
        canvas.drawRightString(A4[0] - 18 * mm, 11 * mm, f"第 {document.page} 页")
        canvas.drawString(18 * mm, 7 * mm, f"{_platform_name()}出具　可在本平台“报告核验”页面核验")
        canvas.restoreState()

    story = [
        Spacer(1, 6 * mm),
        _p(title, styles["title"]),
        _p(_platform_name(), styles["subtitle"]),
        Spacer(1, 8 * mm),
    ]
    identity = public_identity(subject)
    code_label = "证件号码" if identity.is_natural_person else "统一社会信用代码"
    info = [
        ["报告编号", code, "校验码", checksum],
        ["主体名称", identity.name, code_label, identity.public_code],
        [
            "主体类别",
            identity.kind_label,
            "出具时间",
            issued_local.strftime("%Y-%m-%d %H:%M:%S"),
        ],
    ]
    if specialised:
        period = f"{content.period_start:%Y-%m-%d} 至 {content.period_end:%Y-%m-%d}"
        info.append(["查询期间", period, "信息截止", f"{content.as_of:%Y-%m-%d}"])
    else:
        info.append(["信息截止", f"{content.as_of:%Y-%m-%d}", "", ""])
    table = Table(
        [
            [
                _p(cell, styles["label" if column % 2 == 0 else "cell"])
                for column, cell in enumerate(row)
            ]
            for row in info
        ],
        colWidths=[LABEL_WIDTH, 87 * mm - LABEL_WIDTH, LABEL_WIDTH, 87 * mm - LABEL_WIDTH],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("BACKGROUND", (2, 0), (2, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]

    if specialised:
        story.append(_p("查询结论", styles["h2"]))
        lead = (
            f"经查询{_platform_name()}，{subject.name}在 {content.period_start:%Y-%m-%d} 至 "
            f"{content.period_end:%Y-%m-%d} 期间："
        )
        story.append(_p(lead, styles["finding"]))
        for finding in content.findings:
            story.append(_p(f"· {finding.statement}", styles["finding"]))
        story.append(Spacer(1, 2 * mm))

    for section, entries in content.sections:
        # Less than a heading and a few rows left on the page: the section starts on the next.
        story.append(CondPageBreak(SECTION_START_SPACE))
        block = [_p(f"{section.number}、{section.title}", styles["h2"])]
        if not entries:
            block.append(_p(section.empty, styles["base"]))
            story.append(KeepTogether(block))
            continue
        rows = [
            [_p(h, styles["label"]) for h in ("类别", "文书号", "决定日期", "部门", "内容", "状态")]
        ]
        statement_rows = []
        for entry in entries:
            style = styles["muted"] if entry.repaired else styles["cell"]
            detail = entry.title or ""
            if entry.details:
                detail = "；".join(
                    [detail] * bool(detail) + [f"{k}：{v}" for k, v in entry.details]
                )
            if entry.repaired:
                detail = "该信息已完成信用修复，不再公示。"
            rows.append(
                [
                    _p(entry.item, style),
                    _p(entry.decision_no or "—", style),
                    _p(f"{entry.decision_date:%Y-%m-%d}", style),
                    _p(entry.department, style),
                    _p(detail, style),
                    _p(entry.state_label, style),
                ]
            )
            if entry.statement:
                # The subject's own words, on a row of their own under the record, marked so.
                statement_rows.append(len(rows))
                rows.append(
                    [_p(f"{STATEMENT_LABEL}{entry.statement}", styles["statement"])] + [""] * 5
                )
        entries_table = Table(
            rows,
            colWidths=[20 * mm, 32 * mm, 23 * mm, 30 * mm, 53 * mm, 16 * mm],
            repeatRows=1,
        )
        entries_table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
                + [("SPAN", (0, row), (-1, row)) for row in statement_rows]
                + [("BACKGROUND", (0, row), (-1, row), STATEMENT_SHADE) for row in statement_rows]
            )
        )
        story += block + [entries_table]

    story.append(CondPageBreak(SECTION_START_SPACE))
    story.append(_p("七、信用修复建议", styles["h2"]))
    if content.repair_suggestions:
        for line in content.repair_suggestions:
            story.append(_p(f"· {line}", styles["base"]))
        story.append(
            _p(
                "信用修复可通过本平台“申请信用修复”办理，认定部门自收到申请之日起3个工作日内作出决定，"
                "信用修复不收取任何费用。",
                styles["base"],
            )
        )
    else:
        story.append(_p("该主体暂无需要修复的失信信息。", styles["base"]))

    story.append(_p("报告说明", styles["h2"]))
    notes = [
        f"本报告依据截至 {content.as_of:%Y-%m-%d} 在{_platform_name()}公示的信息生成，"
        "信息由各部门依法归集，平台如实记录。",
        "已完成信用修复的信息不再公示，不列入本报告，也不计入专项信用报告的统计；公示期满的信息不列入本报告。",
        "自然人的身份证件号码已作脱敏处理。",
        "可扫描二维码，或在本平台“报告核验”页面输入报告编号和校验码、上传本文件，核验报告真伪及是否被篡改。",
        "如对报告内容有异议，可通过本平台对相关记录提出异议申请。",
    ]
    if any(entry.statement for entry in content.entries):
        notes.append(
            "标注“本人声明”的内容由信用主体本人提交，经平台审核后随记录展示，反映其本人意见，"
            "不改变记录内容，也不代表本平台或认定部门的意见。"
        )
    if content.kind == ReportKind.SPECIALISED:
        notes.insert(
            1,
            "本专项信用报告可用于行政审批、招标投标、财政资金申请等场景，替代有无违法违规记录证明。",
        )
    for number, note in enumerate(notes, 1):
        story.append(_p(f"{number}. {note}", styles["small"]))

    doc.build(story, onFirstPage=first_page, onLaterPages=later_pages)
    return buffer.getvalue()
