"""Personal data at rest: encrypted, hashed for look-up, masked for display.

ID numbers and phone numbers never reach the database in plaintext. Each is stored as
* ciphertext — AES-256-GCM with a random nonce, key derived from `SIXFOLD_PII_KEY`;
* a keyed hash — HMAC-SHA256 with a second derived key, for exact look-up and duplicates;
* a mask — `370116********123X`, `138****5678` — the only form lists, pages, API and exports show.
Plaintext leaves this module only through an explicit reveal, which the caller logs.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sixfold-pii", info=purpose).derive(
        secret.encode()
    )


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    # Derived from the argument, never re-read from settings: the cache is keyed on it.
    return AESGCM(_derive(secret, b"encrypt")), _derive(secret, b"lookup-hash")


def keys() -> tuple[AESGCM, bytes]:
    return _keys(settings.SIXFOLD_PII_KEY)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    aead, _ = keys()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode(), None)
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    if not token:
        return ""
    aead, _ = keys()
    _version, payload = token.split(":", 1)
    raw = base64.b64decode(payload)
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(plaintext: str) -> str:
    if not plaintext:
        return ""
    _, key = keys()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


# A mask hides at least this many characters; a value too short to keep its ends visible and
# still hide them is masked whole (a 7-character "phone" would otherwise be shown in full).
MIN_HIDDEN = 4


def _mask(value: str, head: int, tail: int) -> str:
    if not value:
        return ""
    hidden = len(value) - head - tail
    if hidden < MIN_HIDDEN:
        return "*" * len(value)
    return value[:head] + "*" * hidden + value[-tail:]


def mask_id_number(number: str) -> str:
    return _mask(number, 6, 4)


def mask_phone(phone: str) -> str:
    return _mask(phone, 3, 4)


def mask_name(name: str) -> str:
    """张三丰 → 张**: for public boards seen by anonymous visitors."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
