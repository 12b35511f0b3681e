"""A projection runner in a process of its own that pauses inside each batch's transaction,
for tests/integration/test_projection_kill.py to SIGKILL there. Usage: TENANT BATCH PAUSE."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from uuid import UUID

from eventstore import EventStore, Keyring, RecordedEvent
from infra.database import open_database
from projections import RECORD_COUNTS, Runner


async def run(tenant_id: UUID, batch_size: int, pause: float) -> None:
    database = await open_database(os.environ["CARETRAIL_TEST_APP_URL"], pool_size=2)
    store = EventStore(database, Keyring.from_base64(os.environ["CARETRAIL_TEST_KEK"]))

    async def slow_batch(tenant: UUID, name: str, events: Sequence[RecordedEvent]) -> None:
        print(f"applying {events[0].seq} {events[-1].seq}", flush=True)
        await asyncio.sleep(pause)

    try:
        runner = Runner(store, [RECORD_COUNTS], batch_size, before_commit=slow_batch)
        applied = await runner.catch_up(tenant_id)
    finally:
        await database.close()
    print(f"done {applied[RECORD_COUNTS.name]}", flush=True)


if __name__ == "__main__":
    asyncio.run(run(UUID(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
