"""Does `chain.canonical`'s fast path (msgspec beside rfc8785) matter on the command path?

Appends one event per transaction through `EventStore.append_in`, as the API's command path
does (BEGIN, the tenant bound, the append, COMMIT), once with `chain.canonical` and once with
it replaced by plain `rfc8785.dumps`, interleaved over several rounds on one connection, and
prints each rate and the ratio. Nothing is asserted but the rows written."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import rfc8785

from eventstore import EventStore, Keyring, NewEvent, StreamRef, chain
from eventstore.binding import Binding, bind
from infra.database import asyncpg_dsn, open_database

EVENTS = int(os.environ.get("BENCH_EVENTS", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
STREAMS = 8


def payload(i: int, home: str) -> dict[str, Any]:
    """An action raised: about the size and shape of what the API appends."""
    return {
        "action_id": str(uuid4()),
        "location_id": home,
        "title": f"Review the medication round at {i % 24:02d}:00 with the night staff",
        "description": "Two missed signatures on the MAR chart this week; retrain and audit.",
        "priority": ("urgent", "high", "medium", "low")[i % 4],
        "due_date": "2027-01-15",
        "owner_id": str(uuid4()),
        "quality_statements": ["safe.medicines", "well_led.learning"],
        "source": {"kind": "audit", "id": str(uuid4())},
        "reference": f"ACT-{i:05d}",
    }


async def appends(store: EventStore, conn: Any, n: int) -> tuple[UUID, float, float]:
    """`n` appends; the tenant, wall seconds and this process's CPU seconds."""
    tenant, home = uuid4(), str(uuid4())
    streams = [StreamRef("action", uuid4()) for _ in range(STREAMS)]
    versions = [0] * STREAMS
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        k = i % STREAMS
        async with conn.transaction():
            await bind(conn, Binding.tenant(tenant))
            result = await store.append_in(
                conn,
                tenant,
                streams[k],
                versions[k],
                [NewEvent("ActionRaised", payload(i, home))],
                metadata={"actor": str(uuid4()), "request_id": f"req-{i}"},
            )
        versions[k] = result.stream_version
    return tenant, time.perf_counter() - started, time.process_time() - cpu


async def test_canonical_fast_path_on_the_command_path(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = await open_database(database.app, pool_size=1)
    store = EventStore(pool, Keyring.from_base64(database.kek))
    conn = await asyncpg.connect(asyncpg_dsn(database.app))  # append_in runs on it
    fast: Callable[[Any], bytes] = chain.canonical
    rates: dict[str, list[float]] = {"chain.canonical": [], "rfc8785.dumps": []}
    cpu_us: dict[str, list[float]] = {"chain.canonical": [], "rfc8785.dumps": []}
    try:
        for warm in (fast, rfc8785.dumps):
            monkeypatch.setattr(chain, "canonical", warm)
            await appends(store, conn, 100)
        for round_ in range(ROUNDS):
            order = [("chain.canonical", fast), ("rfc8785.dumps", rfc8785.dumps)]
            for name, canonical in order if round_ % 2 == 0 else order[::-1]:
                monkeypatch.setattr(chain, "canonical", canonical)
                tenant, seconds, cpu = await appends(store, conn, EVENTS)
                async with conn.transaction():
                    await bind(conn, Binding.tenant(tenant))
                    written = await conn.fetchval(
                        "SELECT count(*) FROM events WHERE tenant_id = $1", tenant
                    )
                assert written == EVENTS
                rates[name].append(EVENTS / seconds)
                cpu_us[name].append(cpu / EVENTS * 1e6)
    finally:
        await conn.close()
        await pool.close()
    print(f"\ncommand path (append_in, one event per transaction), {ROUNDS} rounds x {EVENTS}:")
    for name, found in rates.items():
        print(
            f"  {name:16} median {statistics.median(found):8.0f} ev/s  best {max(found):8.0f}"
            f"  client cpu {statistics.median(cpu_us[name]):6.0f} µs/ev"
        )
    ratio = statistics.median(rates["chain.canonical"]) / statistics.median(rates["rfc8785.dumps"])
    print(f"  fast path / plain rfc8785 (median rates): {ratio:.3f}")
    saved = statistics.median(cpu_us["rfc8785.dumps"]) - statistics.median(
        cpu_us["chain.canonical"]
    )
    print(f"  client cpu saved by the fast path: {saved:.0f} µs per event")
