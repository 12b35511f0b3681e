"""The scheduled job that signs every provider group's current trail head (services/trail/).

Idempotent: a head already signed at a tenant's current seq is not signed again, and two
workers signing the same seq at once keep one head (the table's key is (tenant, seq)).
"""

from __future__ import annotations

from datetime import UTC, datetime

import dramatiq
import structlog

from services.trail.heads import sign_every_head
from workers.runtime import context

log = structlog.get_logger()


@dramatiq.actor
async def sign_trail_heads() -> None:
    """Sign each tenant's head if it moved since the last signed one (sent by the scheduler)."""
    ctx = await context()
    if ctx.trail_key is None:
        log.warning("trail heads not signed: no CARETRAIL_TRAIL_SIGNING_KEY")
        return
    signed = await sign_every_head(ctx.pool, ctx.trail_key, datetime.now(UTC))
    log.info("trail heads signed", tenants=len(signed))
