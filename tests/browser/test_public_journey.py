"""The citizen's journey: find a company by a fragment of its name, read its profile and a
record, download its credit report and verify it; the same without JavaScript; a phone."""

import io
import re

import pytest
from django.core.management import call_command

from portal.reports.models import IssuedReport
from tests.factories import OrganisationFactory, PersonFactory, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANY = "惠州市星河湾电子科技有限公司"


@pytest.fixture
def public_site(live_server):
    call_command("setup_site", stdout=io.StringIO())
    company = OrganisationFactory(name=COMPANY, district="441302")
    penalty = make_record(
        company,
        data={
            "subject_name": COMPANY,
            "violation_type": "销售不符合食品安全标准的食品",
            "penalty_types": ["警告", "罚款"],
            "fine_amount": "3.5",
            "content": "警告；罚款3.5万元",
        },
    )
    make_record(company, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可决定书"})
    make_record(company, item_code="TAX_A_GRADE", department_code="TAX", data={})
    make_record(OrganisationFactory(name="惠州市星河湾物业管理有限公司"))
    make_record(PersonFactory(name="周九"))
    call_command("search_index", rebuild=True, stdout=io.StringIO())
    return {"base": live_server.url, "company": company, "penalty": penalty}


def test_search_profile_record_report_and_verify(browser, public_site, artifacts):
    base, company, penalty = public_site["base"], public_site["company"], public_site["penalty"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()

    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.screenshot(path=artifacts / "01-home.png", full_page=True)

    page.get_by_label("输入企业名称、统一社会信用代码或决定文书号").fill("星河湾电子")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    results = page.locator("ol.hits")
    assert COMPANY in results.inner_text()
    assert results.locator("mark").count() >= 1
    page.screenshot(path=artifacts / "02-search.png", full_page=True)

    results.get_by_role("link", name=COMPANY).first.click()
    page.wait_for_url(f"**/subjects/{company.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == COMPANY
    assert "红名单：纳税信用A级" in page.locator(".badges").inner_text()
    page.screenshot(path=artifacts / "03-profile.png", full_page=True)

    page.locator("#item-ADM_PENALTY").get_by_role("link", name=penalty.decision_no).click()
    page.wait_for_url(f"**/records/{penalty.pk}/")
    assert "销售不符合食品安全标准的食品" in page.locator("main").inner_text()
    objection = page.get_by_role("link", name="对该记录提出异议")
    assert objection.get_attribute("href") == f"/objections/new/?record={penalty.pk}"
    repair = page.get_by_role("link", name="申请信用修复")
    assert repair.get_attribute("href") == f"/repair/new/?record={penalty.pk}"
    page.screenshot(path=artifacts / "04-record.png", full_page=True)

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成并下载 PDF").click()
    download = download_info.value
    report_path = artifacts / "credit-report.pdf"
    download.save_as(report_path)
    assert report_path.read_bytes().startswith(b"%PDF")
    report = IssuedReport.objects.get(subject=company)
    assert download.suggested_filename == f"credit-report-{report.code}.pdf"

    page.goto(base + "/reports/verify/")
    page.get_by_label("报告编号").fill(report.code)
    page.get_by_label("校验码").fill(report.checksum)
    page.get_by_label("上传报告 PDF 文件（可选）").set_input_files(str(report_path))
    page.get_by_role("button", name="核验", exact=True).click()
    result = page.locator(".verify-result")
    assert "核验通过" in result.inner_text()
    assert COMPANY in result.inner_text()
    assert "与原件完全一致" in result.inner_text()
    page.screenshot(path=artifacts / "05-verified.png", full_page=True)

    altered = artifacts / "credit-report-altered.pdf"
    altered.write_bytes(report_path.read_bytes().replace(b"ReportLab", b"ReportLaB", 1))
    page.get_by_label("报告编号").fill(report.code)
    page.get_by_label("上传报告 PDF 文件（可选）").set_input_files(str(altered))
    page.get_by_role("button", name="核验", exact=True).click()
    assert "文件已被修改" in page.locator(".verify-result").inner_text()
    page.screenshot(path=artifacts / "06-altered.png", full_page=True)
    context.close()


def test_core_journey_works_without_javascript_and_on_a_phone(browser, public_site, artifacts):
    base, company = public_site["base"], public_site["company"]
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        is_mobile=True,
        device_scale_factor=2,
        accept_downloads=True,
    )
    page = context.new_page()
    page.goto(base + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the home page must not scroll sideways on a phone"
    page.screenshot(path=artifacts / "07-phone-home.png", full_page=True)

    page.get_by_label("输入企业名称、统一社会信用代码或决定文书号").fill("星河湾")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=COMPANY).first.click()
    page.wait_for_url(f"**/subjects/{company.code}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "08-phone-profile.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成并下载 PDF").click()
    assert download_info.value.suggested_filename.startswith("credit-report-")

    page.goto(base + "/penalties/")
    page.locator(".filters-fold > summary").click()  # filters fold on a phone
    page.get_by_label("部门").select_option("MARKET")
    page.get_by_role("button", name="筛选").click()
    assert "department=MARKET" in page.url
    page.screenshot(path=artifacts / "09-phone-penalties.png", full_page=True)
    context.close()


def test_english_version_of_the_profile(browser, public_site, artifacts):
    base, company = public_site["base"], public_site["company"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/subjects/{company.code}/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**/en/subjects/{company.code}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Credit profile" in page.locator("main").inner_text()
    page.screenshot(path=artifacts / "10-profile-en.png", full_page=True)
    page.close()
