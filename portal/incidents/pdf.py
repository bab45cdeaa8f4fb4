"""The written report of an incident as PDF, with the reports' CJK font and styles.

Like the credit report, it is an official document: always in Simplified Chinese.
"""

import io

from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from portal.core.pdf import cjk_font_name
from portal.incidents import services
from portal.incidents.models import Incident
from portal.reports.pdf import GRID, SHADE, _p, _platform_name, _styles


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _table(rows, widths, styles, header=False):
    table = Table(
        [[_p(cell, styles["cell"]) for cell in row] for row in rows],
        colWidths=widths,
        repeatRows=1 if header else 0,
    )
    commands = [("GRID", (0, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    commands.append(
        ("BACKGROUND", (0, 0), (-1, 0), SHADE) if header else ("BACKGROUND", (0, 0), (0, -1), SHADE)
    )
    table.setStyle(TableStyle(commands))
    return table


def incident_report_pdf(incident: Incident) -> bytes:
    with translation.override("zh-hans"):
        return _render(incident)


def _render(incident: Incident) -> bytes:
    styles = _styles(cjk_font_name())
    title = "安全事件报告" + ("（应急演练）" if incident.is_drill else "")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{title} {incident.reference}",
        author=_platform_name(),
    )
    story = [
        _p(title, styles["title"]),
        _p(_platform_name(), styles["subtitle"]),
        Spacer(1, 6 * mm),
        _table(
            [
                ["事件编号", incident.reference, "事件等级", incident.get_grade_display()],
                ["事件名称", incident.title, "事件类别", incident.get_category_display()],
                [
                    "发现时间",
                    _when(incident.detected_at),
                    "当前状态",
                    incident.get_status_display(),
                ],
                ["控制时间", _when(incident.contained_at), "解决时间", _when(incident.resolved_at)],
                ["关闭时间", _when(incident.closed_at), "报告时间", _when(timezone.now())],
            ],
            [24 * mm, 63 * mm, 24 * mm, 63 * mm],
            styles,
        ),
    ]
    for heading, text in (
        ("一、事件经过", incident.description),
        ("二、影响范围", incident.impact),
        ("三、原因分析", incident.cause),
        ("四、处置与整改措施", incident.remediation),
    ):
        story += [_p(heading, styles["h2"]), _p(text or "（未填写）", styles["base"])]

    story.append(_p("五、报告时限与报告链", styles["h2"]))
    now = timezone.now()
    rows = [["报告对象", "应报时限", "实际报告", "是否按时"]]
    for deadline in services.escalation_deadlines(incident):
        met = "逾期" if deadline.overdue(now) else ("按时" if deadline.informed_at else "待报告")
        rows.append([deadline.label, _when(deadline.due_at), _when(deadline.informed_at), met])
    if len(rows) > 1:
        story.append(_table(rows, [40 * mm, 45 * mm, 45 * mm, 44 * mm], styles, header=True))
        story.append(Spacer(1, 3 * mm))
    steps = [["报告对象", "接报人", "报告时间", "报告人", "方式"]]
    for step in incident.reporting_steps.all():
        steps.append(
            [
                step.get_recipient_display(),
                step.recipient_name,
                _when(step.informed_at),
                step.informed_by,
                step.method,
            ]
        )
    if len(steps) > 1:
        story.append(
            _table(steps, [34 * mm, 36 * mm, 34 * mm, 34 * mm, 36 * mm], styles, header=True)
        )
    else:
        story.append(_p("尚无报告记录。", styles["base"]))

    story.append(_p("六、处置时间线", styles["h2"]))
    entries = [["时间", "记录人", "经过"]]
    for entry in incident.timeline.all():
        entries.append([_when(entry.at), entry.actor, entry.what])
    if len(entries) > 1:
        story.append(_table(entries, [32 * mm, 30 * mm, 112 * mm], styles, header=True))
    else:
        story.append(_p("尚无时间线记录。", styles["base"]))
    doc.build(story)
    return buffer.getvalue()
