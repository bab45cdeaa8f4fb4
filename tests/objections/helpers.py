"""Shared helpers of the objection tests: evidence files and filing a case."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.objections import evidence, services
from portal.objections.models import CaseKind, Ground, Relation

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def pdf_upload(name="decision.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name="receipt.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def checked(*uploads):
    return evidence.check_uploads(list(uploads))


def file_objection(record, **overrides):
    values = {
        "applicant_name": "李四",
        "applicant_email": "lisi@example.com",
        "relation": Relation.LEGAL_REP,
        "ground": Ground.WRONG_INFO,
        "explanation": "罚款金额与决定书不一致。",
    }
    values.update(overrides)
    return services.submit_case(CaseKind.OBJECTION, record, **values)


def file_repair(record, **overrides):
    values = {
        "applicant_name": "王五",
        "applicant_email": "wangwu@example.com",
        "relation": Relation.SUBJECT,
        "explanation": "已缴纳罚款并完成整改。",
        "files": checked(pdf_upload("receipt.pdf")),
        "commitment_signed_by": "王五",
    }
    values.update(overrides)
    return services.submit_case(CaseKind.REPAIR, record, **values)


def file_statement(record, **overrides):
    values = {
        "applicant_name": "赵六",
        "applicant_email": "zhaoliu@example.com",
        "relation": Relation.SUBJECT,
        "explanation": "罚款已于次月全额缴纳，相关问题已整改完毕。",
    }
    values.update(overrides)
    return services.submit_case(CaseKind.STATEMENT, record, **values)
