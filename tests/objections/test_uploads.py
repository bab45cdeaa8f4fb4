"""Evidence uploads: the type comes from the content, sizes are limited with a clear
message, files live in the private storage and only authorised people download them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.objections import evidence, services
from portal.objections.models import Case
from tests.objections.helpers import (
    PDF_BYTES,
    checked,
    file_objection,
    pdf_upload,
    png_upload,
)
from tests.objections.test_public import objection_post

pytestmark = pytest.mark.django_db

# The first bytes of a Windows executable (MZ header and DOS stub).
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def test_a_renamed_executable_is_refused():
    upload = SimpleUploadedFile("决定书.pdf", EXE_BYTES, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        evidence.check_uploads([upload])
    message = error.value.messages[0]
    assert "决定书.pdf" in message and "PDF、JPG、PNG" in message and "文件内容" in message


def test_an_image_header_on_garbage_is_refused():
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(ValidationError, match="已损坏"):
        evidence.check_upload(upload)


def test_type_comes_from_content_not_name():
    pdf_named_png = checked(SimpleUploadedFile("scan.png", PDF_BYTES))[0]
    assert pdf_named_png.content_type == "application/pdf" and pdf_named_png.extension == "pdf"
    png = checked(png_upload("photo.jpg"))[0]
    assert png.content_type == "image/png"


def test_an_oversized_file_gets_a_clear_message(settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("扫描件.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        evidence.check_upload(big)
    assert error.value.messages == [
        "文件“扫描件.pdf”大小为 2.0 MB，超过 1.0 MB 的上限，请压缩或拆分后再上传。"
    ]


def test_too_many_files(settings):
    settings.PORTAL_EVIDENCE_MAX_FILES = 2
    with pytest.raises(ValidationError, match="最多上传 2 个文件"):
        evidence.check_uploads([pdf_upload(), pdf_upload(), pdf_upload()])


def test_the_form_shows_the_upload_error_and_files_nothing(client, record, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1024
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    exe = SimpleUploadedFile("证明.pdf", EXE_BYTES)
    html = client.post(url, objection_post(page, files=[exe])).content.decode()
    assert "文件“证明.pdf”的内容不是 PDF、JPG、PNG 格式" in html
    page = html
    big = SimpleUploadedFile("大文件.pdf", PDF_BYTES + b"0" * 4096)
    html = client.post(url, objection_post(page, files=[big])).content.decode()
    assert "文件“大文件.pdf”大小为 4.1 KB，超过 1.0 KB 的上限" in html
    assert not Case.objects.exists()
    assert not any(Path(settings.PORTAL_PRIVATE_STORAGE_ROOT).rglob("*.exe"))


def test_files_are_stored_privately_under_a_random_name(client, record):
    case, _ = file_objection(record, files=checked(pdf_upload("../../etc/passwd.pdf")))
    item = case.evidence.get()
    assert item.original_name == "passwd.pdf"
    path = Path(item.file.path)
    assert path.is_relative_to(Path(settings.PORTAL_PRIVATE_STORAGE_ROOT))
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)
    assert path.read_bytes() == PDF_BYTES
    # Nothing serves the private root: whatever URL the storage would name answers 404.
    assert client.get(item.file.url).status_code == 404
    assert client.get(f"/media/{item.file.name}").status_code == 404


def test_downloads_only_for_authorised_users(client, record, operator, officer, tax_officer):
    case, _ = file_objection(record, files=checked(pdf_upload("证据.pdf")))
    item = case.evidence.get()
    staff_url = f"/staff/cases/{case.tracking_no}/evidence/{item.pk}/"
    workspace_url = f"/workspace/cases/{case.tracking_no}/evidence/{item.pk}/"
    # Anonymous visitors are sent to log in.
    assert client.get(staff_url).status_code == 302
    assert client.get(workspace_url).status_code == 302
    client.force_login(operator)
    response = client.get(staff_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # A department sees nothing until the case is forwarded to it, and only its own.
    client.force_login(officer)
    assert client.get(staff_url).status_code == 403
    assert client.get(workspace_url).status_code == 404
    services.transition(case, "accept", actor=operator)
    services.transition(case, "forward", actor=operator, comment="请核查")
    assert client.get(workspace_url).status_code == 200
    client.force_login(tax_officer)
    assert client.get(workspace_url).status_code == 404


def test_a_request_over_the_total_limit_is_refused_before_reading(client, record, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1024
    settings.PORTAL_EVIDENCE_MAX_FILES = 1
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    huge = SimpleUploadedFile("huge.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    response = client.post(url, objection_post(page, files=[huge]))
    assert response.status_code == 413
    assert "上传内容合计超过 1.0 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_files_of_a_failed_filing_are_removed(record, monkeypatch):
    from portal.objections import services as case_services

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(case_services, "record_event", broken_audit)
    root = Path(settings.PORTAL_PRIVATE_STORAGE_ROOT)
    before = set(root.rglob("*.pdf")) if root.exists() else set()
    with pytest.raises(RuntimeError):
        file_objection(record, files=checked(pdf_upload("lost.pdf")))
    assert not Case.objects.exists()
    assert set(root.rglob("*.pdf")) == before


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares a huge canvas (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 200_000, 9)  # the start of the canvas only
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [20000, 7000])
def test_an_image_declaring_a_huge_canvas_is_refused_not_a_crash(client, record, side):
    bomb = png_declaring(side, side)
    assert len(bomb) < 20_000
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    upload = SimpleUploadedFile("照片.png", bomb)
    response = client.post(url, objection_post(page, files=[upload]))
    assert response.status_code == 200
    assert "图片“照片.png”的像素超过 4000 万，请缩小后再上传。" in response.content.decode()
    assert not Case.objects.exists()
