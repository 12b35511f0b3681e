"""The per-tenant hash chain: canonical envelopes (RFC 8785) and how each link is computed.

An exported event can be checked with nothing but this recipe:
    event_hash = sha256(rfc8785(envelope))          # envelope = the stored columns, see below
    chain_hash = sha256(previous chain_hash || event_hash)   # the first event chains on 32 zero bytes
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import rfc8785

GENESIS = bytes(32)

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
    """The one textual form of a timestamp inside an envelope: UTC, microseconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def event_hash(env: Mapping[str, Any]) -> bytes:
    """sha256 of the RFC 8785 canonical form of an envelope."""
    return hashlib.sha256(rfc8785.dumps(dict(env))).digest()


def link(previous: bytes, this_event_hash: bytes) -> bytes:
    """The next chain hash."""
    return hashlib.sha256(previous + this_event_hash).digest()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
