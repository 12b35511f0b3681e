"""How far each projection is behind a tenant's event log, in events and in seconds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

# The tenant's head and, per projection, its live checkpoint and the oldest event it has yet
# to process. A projection never run for the tenant counts from seq 0.
_LAG = """
SELECT p.name, coalesce(c.last_seq, 0) AS last_seq, coalesce(h.seq, 0) AS head,
       coalesce(extract(epoch FROM now() - e.recorded_at), 0)::float8 AS seconds
  FROM unnest($2::text[]) AS p(name)
  LEFT JOIN projection_generations g ON g.tenant_id = $1 AND g.projection = p.name
  LEFT JOIN projection_checkpoints c ON c.tenant_id = $1 AND c.projection = p.name
       AND c.generation = g.live_generation
  LEFT JOIN tenant_heads h ON h.tenant_id = $1
  LEFT JOIN events e ON e.tenant_id = $1 AND e.seq = coalesce(c.last_seq, 0) + 1
 ORDER BY p.name"""


@dataclass(frozen=True, slots=True)
class Lag:
    """One projection for one tenant: the events it has still to process (head seq minus its
    checkpoint) and how long the oldest of them has waited (0 when caught up)."""

    projection: str
    tenant_id: UUID
    checkpoint: int
    head: int
    events_behind: int
    seconds_behind: float


async def tenant_lag(conn: Any, tenant_id: UUID, names: Sequence[str]) -> list[Lag]:
    """Inside a transaction with `tenant_id` bound: the lag of each named projection."""
    rows = await conn.fetch(_LAG, tenant_id, list(names))
    return [
        Lag(
            projection=row["name"],
            tenant_id=tenant_id,
            checkpoint=row["last_seq"],
            head=row["head"],
            events_behind=max(row["head"] - row["last_seq"], 0),
            seconds_behind=max(float(row["seconds"]), 0.0),
        )
        for row in rows
    ]
