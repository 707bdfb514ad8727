"""Uploaded exports: written straight into MEDIA_ROOT/imports/ under a generated name.

Django's default handlers keep small uploads in memory and write larger ones to the system's
temporary folder; an export holds personal data, so the import page swaps in this handler,
which writes every upload into the app's own media folder, and stops writing (but keeps
counting) past the size limit, so the form can refuse it with the real size.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

IMPORTS_FOLDER = "imports"


def imports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / IMPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def new_upload_path() -> Path:
    return imports_dir() / f"{uuid.uuid4().hex}.upload"


class ImportUploadedFile(UploadedFile):
    """An upload kept in the imports folder until its preview and import jobs are done with it."""

    def __init__(self, name: str, content_type: str, charset: str | None, content_type_extra=None):
        self.path = new_upload_path()
        file = open(self.path, "w+b")  # noqa: SIM115 — kept open as the upload's file
        os.chmod(self.path, 0o600)
        super().__init__(file, name, content_type, 0, charset, content_type_extra)
        self.written = 0

    def temporary_file_path(self) -> str:
        return str(self.path)

    def discard(self) -> None:
        """Close and remove the file (refused upload, or after the import)."""
        self.close()
        self.path.unlink(missing_ok=True)


class ImportUploadHandler(FileUploadHandler):
    """Keeps only the first file of the expected field; any other file part of the request is
    read and dropped, never written (a forged request cannot fill the disk with extra parts)."""

    def __init__(self, request=None, max_bytes: int | None = None, field_name: str = "export"):
        super().__init__(request)
        self.max_bytes = max_bytes or settings.SIECLE_UPLOAD_MAX_BYTES
        self.expected_field = field_name
        self.received = 0
        self.taken = False
        self.file: ImportUploadedFile | None = None
        self.upload: ImportUploadedFile | None = None  # the one file taken, kept for the clean-up

    def new_file(self, field_name, *args, **kwargs) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        if self.taken or field_name != self.expected_field:
            self.file = None
            return
        self.taken = True
        self.file = ImportUploadedFile(self.file_name, self.content_type, self.charset, self.content_type_extra)
        self.upload = self.file

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.file is not None and self.received <= self.max_bytes:
            self.file.write(raw_data)
        return None

    def discard_unless_kept(self) -> None:
        """Delete the received file unless a service took it (set `kept` on it)."""
        if self.upload is None:
            return
        if getattr(self.upload, "kept", False):
            self.upload.close()  # the file stays, for its job
        else:
            self.upload.discard()

    def upload_interrupted(self) -> None:
        """The client went away mid-upload: nothing of it is kept."""
        if getattr(self, "file", None) is not None:
            self.file.discard()

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.file is None:
            return None
        self.file.flush()
        self.file.seek(0)
        self.file.size = self.received
        return self.file
