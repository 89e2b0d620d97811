"""Uploaded workbooks and error reports at rest: encrypted under MEDIA_ROOT.

Both hold plaintext ID numbers and phones (a report gives the uploader's own rows back), so they
are sealed with the personal-data key like the register's columns, and the upload is deleted as
soon as its job is done. With Celery workers on other machines MEDIA_ROOT must be shared storage.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings

from .. import pii

FOLDER = "imports"
ASSOCIATED = b"sixfold-import-file"  # binds the ciphertext to its use


def _path(name: str) -> Path:
    path = (Path(settings.MEDIA_ROOT) / name).resolve()
    if Path(settings.MEDIA_ROOT).resolve() not in path.parents:
        raise ValueError("import files live under MEDIA_ROOT")
    return path


def store(data: bytes, suffix: str) -> str:
    """Encrypt `data` into a new file; return its path relative to MEDIA_ROOT."""
    name = f"{FOLDER}/{uuid.uuid4().hex}{suffix}.enc"
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    aead, _ = pii.keys()
    nonce = os.urandom(12)
    path.write_bytes(nonce + aead.encrypt(nonce, data, ASSOCIATED))
    path.chmod(0o600)
    return name


def load(name: str) -> bytes:
    raw = _path(name).read_bytes()
    aead, _ = pii.keys()
    return aead.decrypt(raw[:12], raw[12:], ASSOCIATED)


def remove(name: str) -> None:
    if name:
        _path(name).unlink(missing_ok=True)
