"""Read your writes: a view read first brings the tenant's projections up to `Caretrail-Min-Seq`."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.exceptions import ServiceUnavailableException, ValidationException

MIN_SEQ_HEADER = "caretrail-min-seq"
#: How long a read waits for its projections before answering 503.
WAIT_BOUND_SECONDS = 2.0


def min_seq_of(request: Request[Any, Any, Any]) -> int | None:
    header = request.headers.get(MIN_SEQ_HEADER)
    if header is None:
        return None
    if not header.strip().isdigit():
        raise ValidationException(
            "Caretrail-Min-Seq must be a non-negative integer (a Caretrail-Seq answered earlier)",
            extra=[{"key": "Caretrail-Min-Seq", "message": "expected a non-negative integer"}],
        )
    return int(header)


async def up_to_date(request: Request[Any, Any, Any], tenant_id: UUID) -> None:
    """Catch the tenant's projections up; with `Caretrail-Min-Seq: N`, 503 unless every one of
    them has reached seq N within the bound."""
    runner = request.app.state.runner
    min_seq = min_seq_of(request)
    if min_seq is None:
        # The worker sweeps every few seconds; until dramatiq nudges make the background lag
        # small, a read catches its tenant up first (cheap when nothing is new). The runner is
        # the system's work, bound to the tenant whoever asked; nothing of it is returned.
        await runner.catch_up(tenant_id)
        return
    try:
        async with asyncio.timeout(WAIT_BOUND_SECONDS):
            await runner.catch_up(tenant_id)
            lags = await runner.lag(tenant_id)
    except TimeoutError:
        raise ServiceUnavailableException(
            f"the views have not reached seq {min_seq} yet; retry shortly"
        ) from None
    if any(lag.checkpoint < min_seq for lag in lags):
        raise ServiceUnavailableException(
            f"the views have not reached seq {min_seq}: this provider group's log is not that long"
        )
