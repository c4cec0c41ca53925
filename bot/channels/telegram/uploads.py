"""Merchants' uploads waiting for confirmation, kept on disk so a restart between "validate" and
"apply" loses nothing.

Each pending upload is two files under `<data_dir>/telegram/uploads/`: `<id>.bin` (the bytes as
received) and `<id>.json` (who sent what for which merchant, in which update mode). The buttons carry only
the id.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from retrieval.models import DocumentKind
from retrieval.updates import UpdateMode

_UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")


class PendingUpload(BaseModel):
    upload_id: str
    merchant_id: str
    user_id: str
    kind: DocumentKind
    filename: str
    received_at: str
    mode: UpdateMode = "upsert"


class PendingUploads:
    """A small on-disk queue of uploads a merchant has not confirmed yet."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def put(
        self, merchant_id: str, user_id: str, kind: DocumentKind, filename: str, data: bytes, mode: UpdateMode
    ) -> PendingUpload:
        upload = PendingUpload(
            upload_id=secrets.token_hex(8),
            merchant_id=merchant_id,
            user_id=user_id,
            kind=kind,
            filename=filename,
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            mode=mode,
        )
        await asyncio.to_thread(self._write, upload, data)
        return upload

    async def get(self, upload_id: str) -> tuple[PendingUpload, bytes] | None:
        """The upload and its bytes, or None when it is unknown, already applied or cancelled."""
        if not _UPLOAD_ID.match(upload_id):
            return None
        return await asyncio.to_thread(self._read, upload_id)

    async def discard(self, upload_id: str) -> None:
        if _UPLOAD_ID.match(upload_id):
            await asyncio.to_thread(self._remove, upload_id)

    def _write(self, upload: PendingUpload, data: bytes) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        (self._root / f"{upload.upload_id}.bin").write_bytes(data)
        # The metadata goes last: an upload without it is incomplete and never offered for apply.
        (self._root / f"{upload.upload_id}.json").write_text(upload.model_dump_json(), encoding="utf-8")

    def _read(self, upload_id: str) -> tuple[PendingUpload, bytes] | None:
        meta, blob = self._root / f"{upload_id}.json", self._root / f"{upload_id}.bin"
        if not meta.is_file() or not blob.is_file():
            return None
        return PendingUpload.model_validate_json(meta.read_text(encoding="utf-8")), blob.read_bytes()

    def _remove(self, upload_id: str) -> None:
        for suffix in (".json", ".bin"):
            (self._root / f"{upload_id}{suffix}").unlink(missing_ok=True)
