"""The deliveries table's statements. Each runs inside a transaction the caller holds with the
tenant bound, so row-level security applies to every one.

An attempt is claimed for a lease: `attempts` goes up and the row is `sending` until the lease
ends. The outcome is written only by the claim that made it (same `attempts`), so a worker that
outlived its lease cannot overwrite a later attempt. A worker killed mid-send leaves a `sending`
row whose lease runs out; it is then due again, and the same delivery id is sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.alerts.delivery_plan import OwedDelivery

_COLUMNS = (
    "delivery_id, subscription_id, channel, purpose, alert_event_id, alert_id, digest_day,"
    " status, attempts, last_error, next_attempt_at, lease_until, created_at, delivered_at,"
    " dead_lettered_at"
)
#: Due: pending and its time has come, or `sending` with a lease that ran out (a dead worker).
_DUE = (
    "((status = 'pending' AND next_attempt_at <= now())"
    " OR (status = 'sending' AND lease_until < now()))"
)


@dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: UUID
    subscription_id: UUID
    channel: str
    purpose: str
    alert_event_id: UUID | None
    digest_day: date | None
    attempt: int


async def insert_owed(conn: Any, tenant_id: UUID, owed: Sequence[OwedDelivery]) -> list[UUID]:
    """Insert each delivery unless it exists already; returns the ids that were new."""
    if not owed:
        return []
    rows = await conn.fetch(
        "INSERT INTO alert_deliveries (tenant_id, delivery_id, subscription_id, channel, purpose,"
        " alert_event_id, alert_id, digest_day)"
        " SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::uuid[],"
        " $7::uuid[], $8::date[])"
        " ON CONFLICT DO NOTHING RETURNING delivery_id",
        tenant_id,
        [o.delivery_id for o in owed],
        [o.subscription_id for o in owed],
        [o.channel for o in owed],
        [o.purpose for o in owed],
        [o.alert_event_id for o in owed],
        [o.alert_id for o in owed],
        [o.digest_day for o in owed],
    )
    return [UUID(str(r["delivery_id"])) for r in rows]


async def claim(
    conn: Any, tenant_id: UUID, delivery_id: UUID, lease_seconds: float
) -> Claim | None:
    """Take the delivery for one attempt if it is due; None if it is not (done, or leased)."""
    row = await conn.fetchrow(
        "UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1,"
        " lease_until = now() + make_interval(secs => $3), updated_at = now()"
        f" WHERE tenant_id = $1 AND delivery_id = $2 AND {_DUE}"
        " RETURNING delivery_id, subscription_id, channel, purpose, alert_event_id, digest_day,"
        " attempts",
        tenant_id,
        delivery_id,
        lease_seconds,
    )
    if row is None:
        return None
    return Claim(
        delivery_id=UUID(str(row["delivery_id"])),
        subscription_id=UUID(str(row["subscription_id"])),
        channel=row["channel"],
        purpose=row["purpose"],
        alert_event_id=_uuid(row["alert_event_id"]),
        digest_day=row["digest_day"],
        attempt=row["attempts"],
    )


async def finish(
    conn: Any,
    tenant_id: UUID,
    claimed: Claim,
    status: str,
    error: str | None = None,
    retry_in_seconds: float | None = None,
) -> bool:
    """Record an attempt's outcome: `delivered`, `pending` (retry after `retry_in_seconds`),
    `dead` or `cancelled`. False if a later claim has taken the delivery since."""
    result = await conn.execute(
        "UPDATE alert_deliveries SET status = $4, last_error = coalesce($5, last_error),"
        " next_attempt_at = coalesce(now() + make_interval(secs => $6), next_attempt_at),"
        " lease_until = NULL, updated_at = now(),"
        " delivered_at = CASE WHEN $4 = 'delivered' THEN now() END,"
        " dead_lettered_at = CASE WHEN $4 = 'dead' THEN now() END"
        " WHERE tenant_id = $1 AND delivery_id = $2 AND attempts = $3 AND status = 'sending'",
        tenant_id,
        claimed.delivery_id,
        claimed.attempt,
        status,
        error[:1000] if error else None,
        retry_in_seconds,
    )
    return bool(result == "UPDATE 1")


async def due(conn: Any, tenant_id: UUID, limit: int = 100) -> list[UUID]:
    rows = await conn.fetch(
        f"SELECT delivery_id FROM alert_deliveries WHERE tenant_id = $1 AND {_DUE}"
        " ORDER BY next_attempt_at LIMIT $2",
        tenant_id,
        limit,
    )
    return [UUID(str(r["delivery_id"])) for r in rows]


async def of_subscription(
    conn: Any,
    tenant_id: UUID,
    subscription_id: UUID,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Any]:
    """A subscription's deliveries, oldest first, after a (created_at, delivery_id) cursor."""
    return list(
        await conn.fetch(
            f"SELECT {_COLUMNS} FROM alert_deliveries WHERE tenant_id = $1"
            " AND subscription_id = $2 AND ($3::text IS NULL OR status = $3)"
            " AND ($4::timestamptz IS NULL OR (created_at, delivery_id) > ($4, $5::uuid))"
            " ORDER BY created_at, delivery_id LIMIT $6",
            tenant_id,
            subscription_id,
            status,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
    )


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(str(value))
