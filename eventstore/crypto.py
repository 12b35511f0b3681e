"""The personal-data envelope: per-subject AES-256-GCM data keys, wrapped by a key-encryption key.

Destroying a subject's data key (crypto-shredding) makes every personal field ever stored for
them unreadable, while the ciphertext, and so the hash chain over it, stays untouched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyUnwrapError(Exception):
    """A wrapped data key could not be opened: wrong key-encryption key or corrupted key."""


class Keyring:
    """Wraps and unwraps subject data keys with the key-encryption key (KEK)."""

    def __init__(self, kek: bytes, kek_id: str = "kek-1") -> None:
        if len(kek) != 32:
            raise ValueError("the key-encryption key must be 32 bytes (AES-256)")
        self._kek = AESGCM(kek)
        self._lookup_root = hmac.new(kek, b"caretrail lookup digests", hashlib.sha256).digest()
        self.kek_id = kek_id

    @classmethod
    def from_base64(cls, encoded: str, kek_id: str = "kek-1") -> Keyring:
        return cls(base64.b64decode(encoded, validate=True), kek_id)

    def lookup_digest(self, purpose: str, value: str) -> str:
        """A keyed digest for finding a record by a personal value (an e-mail) without storing
        the value: HMAC under a key derived from the KEK for this purpose."""
        key = hmac.new(self._lookup_root, purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_data_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def wrap(self, tenant_id: UUID, subject_id: UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._kek.encrypt(nonce, data_key, _subject_aad(tenant_id, subject_id))

    def unwrap(self, tenant_id: UUID, subject_id: UUID, wrapped: bytes) -> bytes:
        try:
            return self._kek.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _subject_aad(tenant_id, subject_id)
            )
        except InvalidTag:
            raise KeyUnwrapError(f"cannot unwrap the data key of subject {subject_id}") from None


def encrypt_fields(
    data_key: bytes, tenant_id: UUID, event_id: UUID, fields: Mapping[str, Any]
) -> dict[str, str]:
    """Each field's JSON value sealed separately, bound to its tenant, event and field name."""
    aead = AESGCM(data_key)
    sealed = {}
    for name, value in fields.items():
        nonce = os.urandom(NONCE_BYTES)
        aad = _field_aad(tenant_id, event_id, name)
        ciphertext = aead.encrypt(nonce, msgspec.json.encode(value), aad)
        sealed[name] = base64.b64encode(nonce + ciphertext).decode("ascii")
    return sealed


def decrypt_fields(
    data_key: bytes, tenant_id: UUID, event_id: UUID, sealed: Mapping[str, str]
) -> dict[str, Any]:
    aead = AESGCM(data_key)
    opened = {}
    for name, encoded in sealed.items():
        raw = base64.b64decode(encoded)
        aad = _field_aad(tenant_id, event_id, name)
        plaintext = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        opened[name] = msgspec.json.decode(plaintext)
    return opened


def fingerprint_fields(data_key: bytes, fields: Mapping[str, Any]) -> str:
    """A keyed digest of personal values: compares two requests without storing a plain hash
    of someone's name (which could be guessed), and means nothing once the key is destroyed."""
    digest = hmac.new(data_key, msgspec.json.encode(dict(sorted(fields.items()))), hashlib.sha256)
    return digest.hexdigest()


def _subject_aad(tenant_id: UUID, subject_id: UUID) -> bytes:
    return f"subject-key:{tenant_id}:{subject_id}".encode()


def _field_aad(tenant_id: UUID, event_id: UUID, name: str) -> bytes:
    return f"personal:{tenant_id}:{event_id}:{name}".encode()
