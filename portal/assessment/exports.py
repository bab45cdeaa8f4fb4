"""The assessment as an XLSX workbook and as a dated PDF report for the leadership group.

The PDF is an official document: always in Simplified Chinese, with the reports' CJK font.
"""

from __future__ import annotations

import io

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from portal.assessment.services import (
    DepartmentAssessment,
    Period,
    late_records,
    late_revocations,
)
from portal.core.pdf import cjk_font_name
from portal.core.spreadsheets import write_xlsx
from portal.departments.models import Department
from portal.reports.pdf import GRID, SHADE, _p, _platform_name, _styles


def _percent(value: float | None) -> str:
    return _("无数据") if value is None else f"{value * 100:.1f}%"


def summary_rows(results: list[DepartmentAssessment]) -> list[list]:
    header = [
        _("排名"),
        _("部门代码"),
        _("部门"),
        _("得分"),
        _("数据行"),
        _("通过"),
        _("拒绝"),
        _("及时率"),
        _("迟报记录"),
        _("未报送的目录项"),
        _("建议字段填写率"),
        _("异议更正记录"),
        _("异议修复按时答复率"),
        _("应用反馈率"),
    ]
    rows = [header]
    for a in results:
        rows.append(
            [
                a.rank,
                a.department,
                a.name,
                _("无数据") if a.score is None else a.score,
                a.rows,
                a.accepted,
                a.rejected,
                _percent(a.timely_rate),
                a.late_records,
                "、".join(a.missing_duties),
                _percent(a.recommended_rate),
                a.objections_upheld,
                _percent(a.response_rate),
                _percent(a.feedback_rate),
            ]
        )
    return rows


def late_rows(period: Period, results: list[DepartmentAssessment]) -> list[list]:
    rows = [
        [
            _("部门代码"),
            _("目录项"),
            _("决定文书号"),
            _("起算日期"),
            _("报送期限"),
            _("入库日期"),
            _("超期工作日"),
            _("报送事项"),
        ]
    ]
    departments = Department.objects.in_bulk([a.department for a in results], field_name="code")
    for a in results:
        for late in late_records(period, departments[a.department]):
            rows.append(
                [
                    a.department,
                    late.record.catalog_item.code,
                    late.record.decision_no,
                    late.start_date.isoformat(),
                    late.deadline.isoformat(),
                    late.committed_on.isoformat(),
                    late.working_days_late,
                    str(late.get_event_display()),
                ]
            )
        for late in late_revocations(period, departments[a.department]):
            rows.append(
                [
                    a.department,
                    late.record.catalog_item.code if late.record else "",
                    late.record.decision_no if late.record else "",
                    late.start_date.isoformat(),
                    late.deadline.isoformat(),
                    late.withdrawn_on.isoformat(),
                    late.working_days_late,
                    late.event_label,
                ]
            )
    return rows


def assessment_xlsx(period: Period, results: list[DepartmentAssessment]) -> bytes:
    return write_xlsx(
        {
            _("考核结果") + " " + period.label: summary_rows(results),
            _("迟报记录"): late_rows(period, results),
        }
    )


def assessment_pdf(period: Period, results: list[DepartmentAssessment]) -> bytes:
    with translation.override("zh-hans"):
        return _render(period, results)


def _render(period: Period, results: list[DepartmentAssessment]) -> bytes:
    styles = _styles(cjk_font_name())
    title = f"部门信用信息报送考核报告（{period.label}）"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=_platform_name(),
    )
    issued = timezone.localtime()
    story = [
        _p(title, styles["title"]),
        _p(_platform_name(), styles["subtitle"]),
        _p(
            f"考核期间：{period.start:%Y年%m月%d日}至{period.end:%Y年%m月%d日}　"
            f"报告日期：{issued:%Y年%m月%d日 %H:%M}",
            styles["base"],
        ),
        Spacer(1, 4 * mm),
    ]
    rows = summary_rows(results)
    table = Table(
        [[_p(cell, styles["small"]) for cell in row] for row in rows],
        colWidths=[10 * mm, 20 * mm, 38 * mm, 13 * mm]
        + [14 * mm] * 3
        + [16 * mm, 14 * mm, 30 * mm, 18 * mm, 16 * mm, 20 * mm, 16 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    story.append(
        _p(
            "说明：及时率按双公示等报送责任的工作日时限计算；准确性含被拒绝数据行与异议更正记录；"
            "得分按运营人员设置的考核权重对有数据的指标加权计算（满分100分），"
            "“无数据”的指标不计入，其权重由其余指标分担。",
            styles["small"],
        )
    )
    doc.build(story)
    return buffer.getvalue()
