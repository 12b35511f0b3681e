"""The per-tenant hash chain: canonical envelopes (RFC 8785) and how each link is computed.

An exported event can be checked with nothing but this recipe:
    event_hash = sha256(rfc8785(envelope))          # envelope = the stored columns, see below
    chain_hash = sha256(previous chain_hash || event_hash)  # the first links onto 32 zero bytes
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import rfc8785

GENESIS = bytes(32)

_SAFE_INT = 2**53 - 1  # RFC 8785 refuses integers an IEEE double cannot hold exactly
_BELOW_E000 = bytes(range(0xEE))  # UTF-8 lead bytes of code points below U+E000, and ASCII

#: The stored columns that are hashed. `seq` is the position in the chain, so it is not hashed
#: itself: moving an event to another position breaks the link instead.
ENVELOPE_FIELDS = (
    "tenant_id",
    "event_id",
    "stream_type",
    "stream_id",
    "version",
    "event_type",
    "schema_version",
    "data",
    "personal",
    "subject_id",
    "metadata",
    "location_id",
    "recorded_at",
    "idempotency_key",
)


def format_timestamp(moment: datetime) -> str:
    """The one textual form of a timestamp inside an envelope: UTC, microseconds, `Z`
    (`%Y-%m-%dT%H:%M:%S.%fZ`; isoformat writes the same for four-digit years, faster)."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def envelope(
    *,
    tenant_id: UUID,
    event_id: UUID,
    stream_type: str,
    stream_id: UUID,
    version: int,
    event_type: str,
    schema_version: int,
    data: Mapping[str, Any],
    personal: Mapping[str, str] | None,
    subject_id: UUID | None,
    metadata: Mapping[str, Any],
    location_id: UUID | None,
    recorded_at: datetime,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """The stored event as plain JSON: exactly what is hashed and what an export contains."""
    return {
        "tenant_id": str(tenant_id),
        "event_id": str(event_id),
        "stream_type": stream_type,
        "stream_id": str(stream_id),
        "version": version,
        "event_type": event_type,
        "schema_version": schema_version,
        "data": dict(data),
        "personal": dict(personal) if personal is not None else None,
        "subject_id": str(subject_id) if subject_id is not None else None,
        "metadata": dict(metadata),
        "location_id": str(location_id) if location_id is not None else None,
        "recorded_at": format_timestamp(recorded_at),
        "idempotency_key": idempotency_key,
    }


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON of `value`: exactly `rfc8785.dumps(value)`, only faster.

    For plain JSON values without floats (dicts with str keys, lists, str, bool, None, ints
    within +-(2**53 - 1)), `msgspec.json.encode(order="sorted")` writes the same bytes as
    rfc8785: no whitespace, the same string escapes (short forms for \\b \\f \\n \\r \\t, \\u00xx
    for other control characters, everything else raw UTF-8), keys sorted by code point. That
    order equals RFC 8785's UTF-16 order unless characters from U+E000 up meet characters
    above U+FFFF, so any such character sends the value to rfc8785, as does any float (number
    formatting differs), any other type, and anything msgspec refuses. tests/unit/
    test_canonical_json.py checks the two agree over varied values."""
    if _plain(value):
        try:
            out = msgspec.json.encode(value, order="sorted")
        except Exception:  # e.g. lone surrogates: let rfc8785 raise its own error
            return rfc8785.dumps(value)
        if out.isascii() or not out.translate(None, _BELOW_E000):
            return out
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    """Only exact JSON types, ints in RFC 8785's range, no floats. (Plain loops: all() over a
    generator costs a third more here, and this runs for every value of every event.)"""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -_SAFE_INT <= value <= _SAFE_INT
    if kind is dict:
        for key, item in value.items():  # noqa: SIM110
            if type(key) is not str or not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110
            if not _plain(item):
                return False
        return True
    return False


def event_hash(env: Mapping[str, Any]) -> bytes:
    """sha256 of the RFC 8785 canonical form of an envelope."""
    return hashlib.sha256(canonical(env if type(env) is dict else dict(env))).digest()


def link(previous: bytes, this_event_hash: bytes) -> bytes:
    """The next chain hash."""
    return hashlib.sha256(previous + this_event_hash).digest()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
