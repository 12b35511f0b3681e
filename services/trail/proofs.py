"""Inclusion proofs of single events and consistency proofs between signed heads, as the API
serves them. Reading the event itself respects the caller's scope; the chain hashes the proof is
built from are read for the whole tenant (they disclose nothing of other events' content)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventstore import chain
from eventstore.binding import Binding
from eventstore.connection import ConnectionSource, bound_transaction
from eventstore.reading import EVENT_COLUMNS
from eventstore.verify import row_envelope
from services.kernel.errors import InvalidCommand, RecordNotFound
from services.trail.heads import TrailKey, head_at_in, latest_head, read_trail, sign_head, snapshot

#: Raises RecordNotFound unless the caller may see an event at this home (None: no home).
ScopeCheck = Callable[[UUID | None], None]


async def current_head(
    pool: ConnectionSource, key: TrailKey, tenant_id: UUID, now: datetime, *, at_least: int = 1
) -> dict[str, Any]:
    """The latest signed head, or a freshly signed one when none covers `at_least` yet."""
    head = await latest_head(pool, tenant_id, key.key_id)
    if head is None or head["seq"] < at_least:
        head = await sign_head(pool, key, tenant_id, now)
    if head is None:
        raise RecordNotFound("trail heads", tenant_id)
    return head


async def inclusion_proof(
    pool: ConnectionSource,
    key: TrailKey,
    tenant_id: UUID,
    event_id: UUID,
    in_scope: ScopeCheck,
    now: datetime,
    *,
    binding: Binding,
) -> dict[str, Any]:
    """The event's envelope, its chain hash and the audit path from it to a signed head. The
    event is looked up as `binding` may see it (an external viewer: granted homes' events only);
    the audit path, made of chain hashes only, from the whole trail."""
    async with bound_transaction(pool, binding) as conn:
        row = await conn.fetchrow(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND event_id = $2",
            tenant_id,
            event_id,
        )
    if row is None:
        raise RecordNotFound("events", event_id)
    in_scope(row["location_id"])
    head = await current_head(pool, key, tenant_id, now, at_least=row["seq"])
    async with snapshot(pool, tenant_id) as conn:
        trail = await read_trail(conn, tenant_id, head["seq"])
    seq = row["seq"]
    return {
        "event_id": str(event_id),
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": head["seq"],
        "chain_hash": bytes(row["chain_hash"]).hex(),
        "previous_chain_hash": (trail.chain_hashes[seq - 2] if seq > 1 else chain.GENESIS).hex(),
        "envelope": row_envelope(row),
        "audit_path": [p.hex() for p in trail.tree.inclusion_proof(seq - 1)],
        "head": head,
    }


async def consistency_proof(
    pool: ConnectionSource, key: TrailKey, tenant_id: UUID, first: int, second: int
) -> dict[str, Any]:
    """The RFC 6962 proof that the signed head at `second` extends the one at `first`."""
    if first < 1:
        raise InvalidCommand("first", "must be the seq of a signed head (1 or more)")
    if second < first:
        raise InvalidCommand("second", f"must not be below first ({first})")
    async with snapshot(pool, tenant_id) as conn:
        heads = [await head_at_in(conn, tenant_id, seq, key.key_id) for seq in (first, second)]
        for name, seq, head in zip(("first", "second"), (first, second), heads, strict=True):
            if head is None:
                raise RecordNotFound("signed heads", f"{seq} ({name})")
        trail = await read_trail(conn, tenant_id, second)
    return {
        "first": heads[0],
        "second": heads[1],
        "proof": [p.hex() for p in trail.tree.consistency_proof(first, second)],
    }
