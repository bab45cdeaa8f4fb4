"""Receiving a department's file: streamed into private storage, checked for size and type."""

import hashlib
import uuid
from pathlib import Path

from django.core.files.storage import storages
from django.utils import timezone

from importers.messages import render
from importers.readers import file_format_of, sniff_format
from importers.schema import FileRejected


class SubmissionError(Exception):
    """A submission refused before it became a batch: code, parameters, HTTP status."""

    def __init__(self, code: str, params: dict | None = None, status: int = 400):
        super().__init__(code)
        self.code = code
        self.params = params or {}
        self.status = status

    def message(self) -> str:
        return render(self.code, self.params)


def human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def private_storage():
    return storages["private"]


def stored_file(batch) -> str:
    """Where a batch's file is kept, as a local path."""
    return private_storage().path(batch.file_path)


def store_upload(fileobj, file_name: str, max_bytes: int | None) -> dict:
    """Stream an upload into private storage; checks size (413) and type (415) on the way."""
    try:
        file_format = file_format_of(file_name)
    except FileRejected as exc:
        raise SubmissionError(exc.code, exc.params, status=415) from exc
    storage = private_storage()
    now = timezone.now()
    name = f"exchange/batches/{now:%Y/%m}/{uuid.uuid4().hex}.{file_format}"
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    chunks = (
        fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(1 << 20), b"")
    )
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                if not head:
                    head = chunk[:8]
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise SubmissionError(
                        "file_too_large",
                        {"size": human_size(size) + "+", "limit": human_size(max_bytes)},
                        status=413,
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise SubmissionError("file_empty")
        try:
            sniff_format(head, file_name)
        except FileRejected as exc:
            raise SubmissionError(exc.code, exc.params, status=415) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {
        "file_path": name,
        "file_size": size,
        "file_sha256": digest.hexdigest(),
        "file_format": file_format,
    }
