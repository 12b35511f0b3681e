"""Signed heads: the trail key signs a tenant's (seq, chain hash, Merkle root, time), and every
signed head is kept (append-only) so any two can later be proved consistent."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventstore.chain import format_timestamp
from eventstore.connection import ConnectionSource, tenant_transaction
from services.kernel.tenants import provider_tenants
from services.trail.merkle import MerkleTree
from services.trail.verify_pack import HEAD_KIND, head_message, key_id

log = structlog.get_logger()

_SIGNING_ATTEMPTS = 3

_COLUMNS = "tenant_id, seq, chain_hash, root_hash, signed_at, key_id, signature"


class TrailCorrupted(Exception):
    """The stored chain has a gap: no head is signed over it (`caretrail verify` says where)."""


class TrailKey:
    """The Ed25519 key that signs heads and evidence packs (settings: base64 32-byte seed)."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("the trail signing key must be a 32-byte Ed25519 seed")
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._private.public_key()
        self.public_key = public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_base64(cls, encoded: str) -> TrailKey:
        return cls(base64.b64decode(encoded, validate=True))

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def public_document(self) -> dict[str, str]:
        """What `GET /trail/public-key` serves and `verify_pack.py --public-key` reads."""
        return {
            "algorithm": "Ed25519",
            "key_id": self.key_id,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "pem": self.public_pem,
        }


@dataclass(frozen=True, slots=True)
class Trail:
    """A tenant's stored chain hashes as read in one snapshot, and the tree over them."""

    chain_hashes: list[bytes]
    tree: MerkleTree

    @property
    def size(self) -> int:
        return self.tree.size


def head_document(
    tenant_id: UUID, seq: int, chain_hash: bytes, root: bytes, signed_at: datetime, key: str
) -> dict[str, Any]:
    return {
        "kind": HEAD_KIND,
        "tenant_id": str(tenant_id),
        "seq": seq,
        "chain_hash": chain_hash.hex(),
        "root_hash": root.hex(),
        "signed_at": format_timestamp(signed_at),
        "key_id": key,
    }


async def read_trail(conn: Any, tenant_id: UUID, size: int | None = None) -> Trail:
    """The chain hashes of seq 1..size (all, by default) and their tree; TrailCorrupted on a gap."""
    rows = await conn.fetch(
        "SELECT seq, chain_hash FROM events WHERE tenant_id = $1"
        " AND ($2::bigint IS NULL OR seq <= $2) ORDER BY seq",
        tenant_id,
        size,
    )
    hashes = []
    for expected, row in enumerate(rows, start=1):
        if row["seq"] != expected:
            raise TrailCorrupted(f"tenant {tenant_id}: seq {expected} is missing")
        hashes.append(bytes(row["chain_hash"]))
    if size is not None and len(hashes) != size:
        raise TrailCorrupted(f"tenant {tenant_id}: the trail ends before seq {size}")
    return Trail(hashes, MerkleTree(hashes))


async def sign_head(
    pool: ConnectionSource, key: TrailKey, tenant_id: UUID, now: datetime
) -> dict[str, Any] | None:
    """Sign the tenant's current head unless the latest signed head already covers it; returns
    the head that covers it now (None: the tenant has no events). Signers racing on one seq
    keep one head: the loser's snapshot cannot see the winner's row, so PostgreSQL refuses its
    insert as a serialization failure, and the next attempt returns the winner's head."""
    for attempt in range(1, _SIGNING_ATTEMPTS + 1):
        try:
            return await _sign_once(pool, key, tenant_id, now)
        except asyncpg.SerializationError:
            if attempt == _SIGNING_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _sign_once(
    pool: ConnectionSource, key: TrailKey, tenant_id: UUID, now: datetime
) -> dict[str, Any] | None:
    async with snapshot(pool, tenant_id) as conn:
        current = await conn.fetchval(
            "SELECT coalesce(max(seq), 0) FROM events WHERE tenant_id = $1", tenant_id
        )
        latest = await _latest(conn, tenant_id, key.key_id)
        if current == 0 or (latest is not None and latest["seq"] >= current):
            return latest
        trail = await read_trail(conn, tenant_id, current)
        head = head_document(
            tenant_id, current, trail.chain_hashes[-1], trail.tree.root, now, key.key_id
        )
        signature = key.sign(head_message(head))
        inserted = await conn.fetchrow(
            f"INSERT INTO signed_heads ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
            tenant_id,
            current,
            trail.chain_hashes[-1],
            trail.tree.root,
            now,
            key.key_id,
            signature,
        )
        if inserted is None:  # signed meanwhile by another process: that head stands
            return await head_at_in(conn, tenant_id, current, key.key_id)
        return _document(inserted)


@asynccontextmanager
async def snapshot(pool: ConnectionSource, tenant_id: UUID) -> AsyncIterator[Any]:
    """One repeatable-read transaction bound to the tenant: the events and heads read in it
    are one consistent state of the trail."""
    async with tenant_transaction(pool, tenant_id, isolation="repeatable_read") as conn:
        yield conn


async def latest_head(pool: ConnectionSource, tenant_id: UUID, key: str) -> dict[str, Any] | None:
    """The tenant's latest head signed by the key with id `key`."""
    async with snapshot(pool, tenant_id) as conn:
        return await _latest(conn, tenant_id, key)


async def head_at_in(conn: Any, tenant_id: UUID, seq: int, key: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM signed_heads WHERE tenant_id = $1 AND seq = $2 AND key_id = $3",
        tenant_id,
        seq,
        key,
    )
    return None if row is None else _document(row)


async def _latest(conn: Any, tenant_id: UUID, key: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM signed_heads WHERE tenant_id = $1 AND key_id = $2"
        " ORDER BY seq DESC LIMIT 1",
        tenant_id,
        key,
    )
    return None if row is None else _document(row)


def _document(row: Any) -> dict[str, Any]:
    head = head_document(
        UUID(str(row["tenant_id"])),
        row["seq"],
        bytes(row["chain_hash"]),
        bytes(row["root_hash"]),
        row["signed_at"],
        row["key_id"],
    )
    head["signature"] = base64.b64encode(bytes(row["signature"])).decode("ascii")
    return head


async def sign_every_head(pool: ConnectionSource, key: TrailKey, now: datetime) -> dict[UUID, int]:
    """Sign each provider group's current head (the scheduled job); seq signed, by tenant.
    A tenant whose chain cannot be read whole is skipped and logged, the others still signed."""
    signed = {}
    for tenant_id in await provider_tenants(pool):
        try:
            head = await sign_head(pool, key, tenant_id, now)
        except TrailCorrupted:
            log.exception("trail head not signed", tenant_id=str(tenant_id))
            continue
        if head is not None:
            signed[tenant_id] = head["seq"]
    return signed
