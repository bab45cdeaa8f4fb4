"""Evidence uploads: PDF, JPEG and PNG only, recognised by their content.

The file name and the browser's declared type are ignored: an executable
renamed to .pdf is refused because its first bytes are not a PDF header.
Images must also decode. Accepted files are stored in the private storage
under a random name with the extension of the detected type.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _

# (magic prefix, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALLOWED_TYPES = ("PDF", "JPG", "PNG")


def allowed_label() -> str:
    """The accepted file types as the reader writes a list ("PDF、JPG、PNG", "PDF, JPG, PNG")."""
    return _("、").join(ALLOWED_TYPES)


def max_bytes() -> int:
    return settings.PORTAL_EVIDENCE_MAX_BYTES


def max_files() -> int:
    return settings.PORTAL_EVIDENCE_MAX_FILES


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} KB"


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str


def safe_name(name: str) -> str:
    """The base name only, without control characters, at most 120 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base[:120] or "file"


def detect_type(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


# An evidence photo or scan needs far fewer pixels; a small file declaring more is
# a decompression bomb that would take the worker's memory when anyone opens it.
MAX_IMAGE_PIXELS = 40_000_000


def _image_problem(upload) -> str | None:
    """None when the image decodes and is of a sane size; else "bad_image" or "too_many_pixels"."""
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        # Image.open reads only the header: the declared size is checked before any decoding.
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return "too_many_pixels"
            image.verify()
    except Image.DecompressionBombError:
        return "too_many_pixels"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "bad_image"
    finally:
        upload.seek(0)
    return None


def check_upload(upload) -> CheckedFile:
    """Validate one uploaded file; raise ValidationError with a sentence for the applicant."""
    name = safe_name(getattr(upload, "name", ""))
    size = upload.size
    if size > max_bytes():
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size)s，超过 %(limit)s 的上限，请压缩或拆分后再上传。")
            % {"name": name, "size": human_size(size), "limit": human_size(max_bytes())},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = detect_type(head)
    if detected is None:
        raise ValidationError(
            _("文件“%(name)s”的内容不是 %(allowed)s 格式（系统按文件内容而非文件名判断类型）。")
            % {"name": name, "allowed": allowed_label()},
            code="bad_type",
        )
    content_type, extension = detected
    problem = _image_problem(upload) if content_type.startswith("image/") else None
    if problem == "too_many_pixels":
        raise ValidationError(
            # The English counts millions where the Chinese counts 万, so each uses its own placeholder and the
            # extraction must not hold the translation to the msgid's placeholders.
            # xgettext:no-python-format
            _("图片“%(name)s”的像素超过 %(limit)d 万，请缩小后再上传。")
            % {
                "name": name,
                "limit": MAX_IMAGE_PIXELS // 10_000,
                "megapixels": MAX_IMAGE_PIXELS // 1_000_000,
            },
            code="too_many_pixels",
        )
    if problem == "bad_image":
        raise ValidationError(
            _("图片“%(name)s”已损坏，无法打开。") % {"name": name}, code="bad_image"
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, name, content_type, extension, size, digest.hexdigest())


def check_uploads(uploads) -> list[CheckedFile]:
    uploads = [u for u in uploads if u]
    if len(uploads) > max_files():
        raise ValidationError(
            _("最多上传 %(count)d 个文件。") % {"count": max_files()}, code="too_many"
        )
    errors, checked = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def store(case, checked: CheckedFile, *, party: str, transition=None):
    """Save a checked file under a random name in the private storage."""
    from portal.objections.models import EvidenceFile

    evidence = EvidenceFile(
        case=case,
        transition=transition,
        party=party,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    checked.upload.seek(0)
    stored_name = f"{case.tracking_no}/{uuid.uuid4().hex}.{checked.extension}"
    evidence.file.save(stored_name, File(checked.upload), save=False)
    try:
        evidence.save()
    except BaseException:
        # The caller only learns of files that were stored with their row: this one
        # was written but its row was not, so it goes now or never.
        discard([evidence])
        raise
    return evidence


def discard(items) -> None:
    """Delete the stored files of evidence rows whose transaction rolled back."""
    for item in items:
        if item.file.name:
            item.file.storage.delete(item.file.name)
