"""Credit reports: content by section, the specialised report, issuing and verification."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.test import override_settings
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.records.disclosure import RecordStatus
from portal.reports import services
from portal.reports.models import IssuedReport, ReportKind
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, PersonFactory, make_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def subject():
    subject = OrganisationFactory(name="惠州市报告测试有限公司")
    make_record(subject, decision_no="惠市监罚〔2026〕1号")
    make_record(subject, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    make_record(subject, item_code="COURT_DISHONEST", department_code="COURT", data={})
    make_record(subject, item_code="HONOUR", data={"honour_name": "守合同重信用企业"})
    make_record(subject, item_code="ABNORMAL_OPERATION", data={"reason": "未报送年报"})
    make_record(subject, item_code="CREDIT_COMMITMENT", data={})
    make_record(subject, item_code="TAX_ARREARS", department_code="TAX", data={})
    make_record(subject, status=RecordStatus.REPAIRED, decision_no="惠市监罚〔2025〕9号")
    make_record(
        subject, decision_no="惠市监罚〔2022〕5号", decision_date=TODAY - dt.timedelta(days=900)
    )
    return subject


def test_records_land_in_the_national_report_sections(subject):
    content = services.collect(subject)
    by_section = {section.key: entries for section, entries in content.sections}
    items = {key: sorted(e.item for e in entries) for key, entries in by_section.items()}
    assert items == {
        "licence_penalty": ["行政处罚", "行政许可"],
        "honour_red": ["表彰奖励"],
        "serious_dishonesty": ["失信被执行人"],
        "abnormal": ["经营异常名录"],
        "commitment": ["信用承诺"],
        "other": ["欠税公告"],
    }
    # Repair ends publication: the repaired penalty is in neither report.
    assert "惠市监罚〔2025〕9号" not in [e.decision_no for e in content.entries]
    assert not any(e.repaired for e in content.entries)
    assert "惠市监罚〔2022〕5号" not in [e.decision_no for e in content.entries]  # expired
    assert content.repair_suggestions  # adverse records get a repair note


def test_specialised_report_states_penalties_coercive_measures_and_listings(subject):
    content = services.collect(subject, ReportKind.SPECIALISED, years=3)
    statements = {f.key: f.statement for f in content.findings}
    assert statements["penalty"] == "有行政处罚记录 1 条"
    assert statements["coercive"] == "无行政强制记录"
    assert statements["serious_dishonesty"] == "有严重失信主体名单记录 1 条"
    assert content.period_end == TODAY
    assert content.period_start == TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=1)

    clean = OrganisationFactory()
    make_record(clean, item_code="ADM_LICENSE", data={})
    findings = services.collect(clean, ReportKind.SPECIALISED, years=1).findings
    assert [f.statement for f in findings] == [
        "无行政处罚记录",
        "无行政强制记录",
        "无严重失信主体名单记录",
    ]
    with pytest.raises(services.ReportError):
        services.collect(clean, ReportKind.SPECIALISED, years=6)


def test_issued_report_is_kept_audited_and_renders_chinese(subject):
    report, pdf = services.issue_report(
        subject, verify_url="https://credit.example/reports/verify/"
    )
    assert pdf.startswith(b"%PDF")
    stored = IssuedReport.objects.get(code=report.code)
    assert stored.subject == subject and stored.kind == ReportKind.STANDARD
    assert stored.record_count == 7  # the repaired penalty is not in it
    assert re.fullmatch(r"XY\d{8}[2-9A-Z]{8}", stored.code)
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", stored.checksum)
    assert AuditEvent.objects.filter(action="report.issued", target_id=str(stored.pk)).exists()

    text = pdf_text(pdf)
    for heading in [
        "信用报告",
        "一、行政许可和行政处罚信息",
        "二、表彰奖励和守信激励（红名单）信息",
        "三、严重失信主体名单信息（含失信被执行人）",
        "四、经营异常名录信息",
        "五、信用承诺信息",
        "六、其他信息",
        "七、信用修复建议",
    ]:
        assert heading in text
    assert "惠州市报告测试有限公司" in text
    assert "已完成信用修复的信息不再公示，不列入本报告" in text
    assert report.code in text and report.checksum in text
    first_page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(first_page.images) == 1  # the verification QR code


def test_person_report_masks_the_identity_number():
    person = PersonFactory(name="孙八")
    make_record(person)
    _report, pdf = services.issue_report(person)
    text = pdf_text(pdf)
    assert person.identity_masked in text
    assert person.identity_hash not in text


def test_verification_confirms_an_authentic_report_and_detects_changes(subject):
    report, pdf = services.issue_report(subject)
    assert services.verify(report.code, report.checksum).status == services.AUTHENTIC
    assert services.verify(report.code.lower(), report.checksum.replace("-", "").lower()).authentic
    assert services.verify(pdf=pdf).report == report  # found by the file alone
    tampered = pdf.replace(b"/Producer", b"/Producex", 1)
    assert services.verify(report.code, pdf=tampered).status == services.FILE_ALTERED
    assert services.verify(pdf=tampered).status == services.NOT_FOUND
    assert services.verify(report.code, "0000-0000-0000-0000").status == services.CHECKSUM_MISMATCH
    assert services.verify("XY20990101AAAAAAAA").status == services.NOT_FOUND

    IssuedReport.objects.filter(pk=report.pk).update(subject_name="改过的名称", record_count=0)
    IssuedReport.objects.filter(pk=report.pk).update(
        issued_at=report.issued_at + dt.timedelta(days=1)
    )
    assert services.verify(report.code).status == services.ROW_TAMPERED


def test_report_download_and_verification_over_http(client, subject):
    response = client.post(
        "/reports/issue/", {"subject": subject.code, "kind": "specialised", "years": "5"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    report = IssuedReport.objects.get()
    assert report.kind == ReportKind.SPECIALISED
    assert (report.period_end - report.period_start).days > 4 * 365
    assert "有行政处罚记录" in pdf_text(response.content)

    page = client.get(f"/reports/verify/?code={report.code}&checksum={report.checksum}")
    body = page_text(page)
    assert "核验通过" in body and "惠州市报告测试有限公司" in body
    assert report.issued_at.astimezone().strftime("%Y-%m-%d") in body
    assert "no-store" in page["Cache-Control"]

    upload = io.BytesIO(response.content[:-10] + b"%%EOF\n    ")
    upload.name = "report.pdf"
    altered = client.post("/reports/verify/", {"code": report.code, "file": upload})
    assert "文件已被修改" in page_text(altered)


def test_report_issue_refuses_unknown_subjects_and_gets(client):
    assert client.get("/reports/issue/").status_code == 405
    response = client.post("/reports/issue/", {"subject": "NOPE", "kind": "standard"})
    assert response.status_code == 400
    assert IssuedReport.objects.count() == 0


def test_report_issue_is_rate_limited(client, subject):
    with override_settings(PORTAL_RATE_LIMITS={"report_issue": (1, 600)}):
        assert client.post("/reports/issue/", {"subject": subject.code}).status_code == 200
        assert client.post("/reports/issue/", {"subject": subject.code}).status_code == 429
