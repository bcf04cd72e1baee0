"""Secrets kept at rest encrypted (mailbox passwords, webhook secrets): Fernet (AES-128-CBC + HMAC-SHA256) with a
key from the environment.

GUANXI_ENCRYPTION_KEYS holds one or more keys separated by commas (each any string; a Fernet key is derived from
it with SHA-256). The first key encrypts, every key decrypts, so a key is rotated by putting the new one first and
re-saving the secrets. Unset, the key is derived from SECRET_KEY (itself from GUANXI_SECRET_KEY or var/secret_key):
a database copied without the environment still does not give the passwords away.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"  # marks an encrypted value, so a column may hold values stored before encryption


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key no longer in GUANXI_ENCRYPTION_KEYS."""


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _fernet() -> MultiFernet:
    raw = str(getattr(settings, "GUANXI_ENCRYPTION_KEYS", "") or "")
    keys = [k.strip() for k in raw.split(",") if k.strip()] or [f"guanxi-secrets:{settings.SECRET_KEY}"]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def secret_encrypt(plain: str) -> str:
    """The text to store for a secret ("" stays "": no secret set)."""
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """The secret behind a stored value; a value stored before encryption (no prefix) is returned as it is."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the secret was encrypted with another key (GUANXI_ENCRYPTION_KEYS)") from exc


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)
