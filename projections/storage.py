"""The SQL behind the runner: documents, checkpoints and generation pointers, on one connection."""

# Every function here runs inside a transaction the caller holds with
# the tenant bound, so row-level security applies to each statement.

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from projections.projection import Changes, Document, Projection


@dataclass(frozen=True, slots=True)
class Generations:
    """A tenant's live generation of one projection and the one being rebuilt, if any, each
    with its checkpoint (None once a generation has been swapped out)."""

    live: int
    live_version: int
    live_seq: int | None
    building: int | None
    building_version: int | None
    building_seq: int | None


class Swap(Enum):
    SWAPPED = "swapped"
    BEHIND = "behind"  # the new generation has not reached the tenant's head yet
    SUPERSEDED = "superseded"  # another rebuild started since


_GENERATIONS = """
SELECT g.live_generation, g.live_version, lc.last_seq AS live_seq,
       g.building_generation, g.building_version, bc.last_seq AS building_seq
  FROM projection_generations g
  LEFT JOIN projection_checkpoints lc ON lc.tenant_id = g.tenant_id
       AND lc.projection = g.projection AND lc.generation = g.live_generation
  LEFT JOIN projection_checkpoints bc ON bc.tenant_id = g.tenant_id
       AND bc.projection = g.projection AND bc.generation = g.building_generation
 WHERE g.tenant_id = $1 AND g.projection = $2"""


async def generations(conn: Any, tenant_id: UUID, projection: Projection) -> Generations:
    """The projection's generations for this tenant; the first call starts generation 1."""
    started = await conn.fetchval(
        "INSERT INTO projection_generations (tenant_id, projection, live_generation, live_version)"
        " VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING RETURNING 1",
        tenant_id,
        projection.name,
        projection.version,
    )
    if started:
        await _start_checkpoint(conn, tenant_id, projection.name, 1)
    row = await conn.fetchrow(_GENERATIONS, tenant_id, projection.name)
    return Generations(*row)


async def lock_checkpoint(conn: Any, tenant_id: UUID, name: str, generation: int) -> int | None:
    """The generation's checkpoint, locked until commit (so one batch at a time advances it);
    None if the generation was swapped out or abandoned."""
    value = await conn.fetchval(
        "SELECT last_seq FROM projection_checkpoints"
        " WHERE tenant_id = $1 AND projection = $2 AND generation = $3 FOR UPDATE",
        tenant_id,
        name,
        generation,
    )
    return None if value is None else int(value)


async def advance_checkpoint(
    conn: Any, tenant_id: UUID, name: str, generation: int, last_seq: int
) -> None:
    await conn.execute(
        "UPDATE projection_checkpoints SET last_seq = $4, updated_at = now()"
        " WHERE tenant_id = $1 AND projection = $2 AND generation = $3",
        tenant_id,
        name,
        generation,
        last_seq,
    )


async def load_documents(
    conn: Any, tenant_id: UUID, name: str, generation: int, doc_ids: set[str]
) -> dict[str, Document]:
    if not doc_ids:
        return {}
    rows = await conn.fetch(
        "SELECT doc_id, doc::text AS doc FROM projection_documents WHERE tenant_id = $1"
        " AND projection = $2 AND generation = $3 AND doc_id = ANY($4::text[])",
        tenant_id,
        name,
        generation,
        sorted(doc_ids),
    )
    return {row["doc_id"]: msgspec.json.decode(row["doc"]) for row in rows}


async def write_changes(
    conn: Any, tenant_id: UUID, projection: Projection, generation: int, changes: Changes
) -> None:
    """Store a batch's changed documents (each with its summary, if the projection keeps one)
    and delete the removed ones."""
    name = projection.name
    kept = {doc_id: doc for doc_id, doc in changes.items() if doc is not None}
    removed = [doc_id for doc_id, doc in changes.items() if doc is None]
    if kept:
        summarize = projection.summary
        await conn.execute(
            "INSERT INTO projection_documents"
            " (tenant_id, projection, generation, doc_id, doc, summary)"
            " SELECT $1, $2, $3, d.doc_id, d.doc::jsonb, d.summary::jsonb"
            " FROM unnest($4::text[], $5::text[], $6::text[]) AS d(doc_id, doc, summary)"
            " ON CONFLICT (tenant_id, projection, generation, doc_id)"
            " DO UPDATE SET doc = excluded.doc, summary = excluded.summary",
            tenant_id,
            name,
            generation,
            list(kept),
            [msgspec.json.encode(doc).decode() for doc in kept.values()],
            [
                msgspec.json.encode(summarize(doc)).decode() if summarize else None
                for doc in kept.values()
            ],
        )
    if removed:
        await conn.execute(
            "DELETE FROM projection_documents WHERE tenant_id = $1 AND projection = $2"
            " AND generation = $3 AND doc_id = ANY($4::text[])",
            tenant_id,
            name,
            generation,
            removed,
        )


async def begin_build(conn: Any, tenant_id: UUID, projection: Projection) -> int:
    """Start a fresh generation to rebuild into from seq 1, abandoning any earlier rebuild."""
    await generations(conn, tenant_id, projection)
    row = await conn.fetchrow(
        "SELECT live_generation, building_generation FROM projection_generations"
        " WHERE tenant_id = $1 AND projection = $2 FOR UPDATE",
        tenant_id,
        projection.name,
    )
    if row["building_generation"] is not None:
        await _drop_generation(conn, tenant_id, projection.name, row["building_generation"])
    generation = max(row["live_generation"], row["building_generation"] or 0) + 1
    await conn.execute(
        "UPDATE projection_generations SET building_generation = $3, building_version = $4"
        " WHERE tenant_id = $1 AND projection = $2",
        tenant_id,
        projection.name,
        generation,
        projection.version,
    )
    await _start_checkpoint(conn, tenant_id, projection.name, generation)
    return int(generation)


async def swap(conn: Any, tenant_id: UUID, name: str, generation: int) -> Swap:
    """Make a rebuilt generation live if it has reached the tenant's head, then drop the old
    one. Dropping the old checkpoint waits for a batch still writing to it, and that batch's
    documents are then deleted with the rest."""
    row = await conn.fetchrow(
        "SELECT live_generation, building_generation FROM projection_generations"
        " WHERE tenant_id = $1 AND projection = $2 FOR UPDATE",
        tenant_id,
        name,
    )
    if row is None or row["building_generation"] != generation:
        return Swap.SUPERSEDED
    built = await conn.fetchval(
        "SELECT last_seq FROM projection_checkpoints"
        " WHERE tenant_id = $1 AND projection = $2 AND generation = $3",
        tenant_id,
        name,
        generation,
    )
    head = await conn.fetchval(
        "SELECT coalesce(max(seq), 0) FROM tenant_heads WHERE tenant_id = $1", tenant_id
    )
    if built < head:
        return Swap.BEHIND
    await conn.execute(
        "UPDATE projection_generations SET live_generation = building_generation,"
        " live_version = building_version, building_generation = NULL,"
        " building_version = NULL, swapped_at = now() WHERE tenant_id = $1 AND projection = $2",
        tenant_id,
        name,
    )
    await _drop_generation(conn, tenant_id, name, row["live_generation"])
    return Swap.SWAPPED


async def live_documents(conn: Any, tenant_id: UUID, name: str) -> dict[str, Document]:
    """Every document readers see now: the live generation's, never a half-built one."""
    rows = await conn.fetch(
        "SELECT d.doc_id, d.doc::text AS doc FROM projection_documents d"
        " JOIN projection_generations g ON g.tenant_id = d.tenant_id"
        "  AND g.projection = d.projection AND g.live_generation = d.generation"
        " WHERE d.tenant_id = $1 AND d.projection = $2 ORDER BY d.doc_id",
        tenant_id,
        name,
    )
    return {row["doc_id"]: msgspec.json.decode(row["doc"]) for row in rows}


async def _start_checkpoint(conn: Any, tenant_id: UUID, name: str, generation: int) -> None:
    await conn.execute(
        "INSERT INTO projection_checkpoints (tenant_id, projection, generation, last_seq)"
        " VALUES ($1, $2, $3, 0)",
        tenant_id,
        name,
        generation,
    )


async def _drop_generation(conn: Any, tenant_id: UUID, name: str, generation: int) -> None:
    """The checkpoint first: deleting it waits for a batch that holds it, so the documents
    that batch wrote are committed, and seen, by the next statement."""
    for table in ("projection_checkpoints", "projection_documents"):
        await conn.execute(
            f"DELETE FROM {table} WHERE tenant_id = $1 AND projection = $2 AND generation = $3",
            tenant_id,
            name,
            generation,
        )
