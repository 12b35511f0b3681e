"""Projection rebuild throughput and governance view latency as the history grows.

Run on demand (tests/bench/README.md). For each size in BENCH_SIZES (events; default
100000,1000000) one provider group of BENCH_HOMES homes (default 300) is generated with
tests/bench/datagen.py (COPY, valid chain), then:
- a raw sequential read of its events (plain SQL in `seq` order, batches of the runner's size);
- a rebuild of each projection from seq 1 (`Runner.rebuild`, what `caretrail projections
  rebuild` runs), events/s and the ratio to the raw read;
- GET /locations/{id}/dashboard and GET /group/overview over HTTP against the real app
  (uvicorn on loopback, the e2e `live_api` fixture), sequential requests, p50 and p95.
Target: each view's p95 at the largest size is at most 1.5x its p95 at the smallest.
Assertions are about correctness only (every response 200, the overview lists every home and
its open actions match the record index); the figures and targets are printed.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import httpx
import pytest

from eventstore.binding import Binding, bind
from eventstore.reading import EVENT_COLUMNS
from infra.database import asyncpg_dsn
from projections import PROJECTIONS, Runner
from services.http.principal import mint_token
from services.kernel.handling import Records
from tests.bench.datagen import GeneratedGroup, generate_group
from tests.e2e.conftest import LiveApi, http, live_api, records  # noqa: F401  (fixtures)

pytestmark = pytest.mark.bench

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
HOMES = int(os.environ.get("BENCH_HOMES", "300"))
DASHBOARD_REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "200"))
OVERVIEW_REQUESTS = int(os.environ.get("BENCH_OVERVIEW_REQUESTS", "40"))
#: Events per runner batch for the rebuilds (and the raw read). Each batch rewrites every
#: per-home document it touches once, so bigger batches write less; the app's runner uses 500.
BATCH = int(os.environ.get("BENCH_BATCH", "5000"))
WARMUP_REQUESTS = 5
P95_GROWTH_TARGET = 1.5

_READ = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
)


@dataclass
class SizeResult:
    events: int
    generated_seconds: float
    raw_read_rate: float = 0.0
    rebuild_rates: dict[str, float] = field(default_factory=dict)
    rebuild_all_rate: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    #: Mean size of a home's live home_dashboard document and records held per section: what
    #: each view reads per home, so the first thing to look at when a view's latency grows.
    document_bytes: int = 0
    #: Mean size of a home's overview summary (what the group overview reads per home).
    summary_bytes: int = 0
    held: dict[str, float] = field(default_factory=dict)

    def p(self, view: str, q: int) -> float:
        cuts = statistics.quantiles(self.latencies[view], n=100, method="inclusive")
        return cuts[q - 1] * 1000


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def raw_read(app_dsn: str, tenant_id: UUID, batch: int) -> tuple[int, float]:
    """Every event of the tenant in `seq` order, fetched and nothing else (the floor)."""
    conn = await asyncpg.connect(app_dsn)
    try:
        started, after, count = time.perf_counter(), 0, 0
        async with conn.transaction():
            await bind(conn, Binding.tenant(tenant_id))
            while True:
                rows = await conn.fetch(_READ, tenant_id, after, batch)
                if not rows:
                    break
                count += len(rows)
                after = rows[-1]["seq"]
        return count, time.perf_counter() - started
    finally:
        await conn.close()


async def timed_gets(
    client: httpx.AsyncClient, paths: list[list[tuple[str, dict[str, str]]]]
) -> list[list[float]]:
    """Per size, one list of (path, headers); the sizes' requests interleaved one by one, so
    whatever else the machine does meanwhile falls on every size alike. Seconds per request."""
    for per_size in paths:
        for path, headers in per_size[:WARMUP_REQUESTS]:
            (await client.get(path, headers=headers)).raise_for_status()
    seconds: list[list[float]] = [[] for _ in paths]
    for i in range(max(len(p) for p in paths)):
        for n, per_size in enumerate(paths):
            path, headers = per_size[i]
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            seconds[n].append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return seconds


SECTIONS = ("actions", "incidents", "complaints", "audits")
_HELD = (
    "SELECT avg(octet_length(d.doc::text))::int AS bytes,"
    " avg(octet_length(d.summary::text))::int AS summary_bytes, "
    + ", ".join(
        f"avg((SELECT count(*) FROM jsonb_object_keys(d.doc->'{s}'))) AS {s}" for s in SECTIONS
    )
    + " FROM projection_documents d JOIN projection_generations g ON g.tenant_id = d.tenant_id"
    " AND g.projection = d.projection AND g.live_generation = d.generation"
    " WHERE d.tenant_id = $1 AND d.projection = 'home_dashboard'"
)


async def documents_held(superuser: str, tenant_id: UUID) -> tuple[int, int, dict[str, float]]:
    conn = await asyncpg.connect(superuser)
    try:
        row = await conn.fetchrow(_HELD, tenant_id)
        return int(row["bytes"]), int(row["summary_bytes"]), {s: float(row[s]) for s in SECTIONS}
    finally:
        await conn.close()


async def open_actions_in_index(superuser: str, tenant_id: UUID) -> int:
    conn = await asyncpg.connect(superuser)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM records WHERE tenant_id = $1 AND collection = 'actions'"
                " AND status IN ('open', 'in_progress')",
                tenant_id,
            )
        )
    finally:
        await conn.close()


@dataclass
class Built:
    group: GeneratedGroup
    result: SizeResult
    headers: dict[str, str]


async def build(size: int, api: LiveApi, command_path: Records) -> Built:
    """Generate one group of about `size` events, read its log raw, rebuild each projection."""
    superuser = asyncpg_dsn(api.database.superuser)
    started = time.perf_counter()
    group = await generate_group(command_path, superuser, homes=HOMES, events=size)
    result = SizeResult(group.events, time.perf_counter() - started)
    progress(f"{size:,}: generated {group.events:,} events in {result.generated_seconds:.0f}s")
    runner = Runner(command_path.store, PROJECTIONS, batch_size=BATCH)

    count, seconds = await raw_read(asyncpg_dsn(api.database.app), group.tenant_id, BATCH)
    assert count == group.events
    result.raw_read_rate = count / seconds
    total = 0.0
    for projection in PROJECTIONS:
        started = time.perf_counter()
        swapped = await runner.rebuild(projection.name, group.tenant_id)
        seconds = time.perf_counter() - started
        assert swapped == 1
        result.rebuild_rates[projection.name] = group.events / seconds
        progress(f"{size:,}: rebuilt {projection.name} in {seconds:.0f}s")
        total += seconds
    result.rebuild_all_rate = group.events / total
    result.document_bytes, result.summary_bytes, result.held = await documents_held(
        superuser, group.tenant_id
    )
    token = mint_token(
        api.runtime.signing_key,
        user_id=group.admin_id,
        organisation_id=group.tenant_id,
        organisation_kind="provider",
        roles=["group_admin"],
        location_ids=[],
    )
    return Built(group, result, {"Authorization": f"Bearer {token}"})


async def check_overview(client: httpx.AsyncClient, api: LiveApi, built: Built) -> None:
    """Every home listed, and the open actions shown are those of the record index."""
    body = (await client.get("/group/overview", headers=built.headers)).json()
    assert len(body["homes"]) == HOMES
    shown = sum(h["open_actions"]["count"] for h in body["homes"])
    superuser = asyncpg_dsn(api.database.superuser)
    assert shown == await open_actions_in_index(superuser, built.group.tenant_id)


async def test_projection_throughput_and_view_latency(
    live_api: LiveApi,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    records: Records,  # noqa: F811
) -> None:
    built = [await build(size, live_api, records) for size in SIZES]
    rng = random.Random(7)
    dashboards = [
        [
            (f"/locations/{rng.choice(b.group.homes)}/dashboard", b.headers)
            for _ in range(DASHBOARD_REQUESTS)
        ]
        for b in built
    ]
    overviews = [[("/group/overview", b.headers)] * OVERVIEW_REQUESTS for b in built]
    for view, paths in (("home dashboard", dashboards), ("group overview", overviews)):
        for b, seconds in zip(built, await timed_gets(http, paths), strict=True):
            b.result.latencies[view] = seconds
            progress(f"{b.result.events:,}: {view} p95 {b.result.p(view, 95):.1f} ms")
    for b in built:
        await check_overview(http, live_api, b)
    results = [b.result for b in built]

    names = [p.name for p in PROJECTIONS]
    lines = [
        "",
        f"Projections and views: one group of {HOMES} homes per size; {os.cpu_count()} CPUs;"
        f" views over HTTP (uvicorn, loopback), sequential requests"
        f" ({DASHBOARD_REQUESTS} dashboards of random homes, {OVERVIEW_REQUESTS} overviews);"
        f" rebuilds and raw read in batches of {BATCH} events",
        "",
        f"{'events':>9}{'gen s':>7}{'raw read ev/s':>15}"
        + "".join(f"{'rebuild ' + n + ' ev/s':>32}" for n in names)
        + f"{'rebuild all ev/s':>18}{'all/raw':>9}",
    ]
    for r in results:
        lines.append(
            f"{r.events:>9,}{r.generated_seconds:>7.0f}{r.raw_read_rate:>15,.0f}"
            + "".join(f"{r.rebuild_rates[n]:>32,.0f}" for n in names)
            + f"{r.rebuild_all_rate:>18,.0f}{r.rebuild_all_rate / r.raw_read_rate:>9.3f}"
        )
    lines += [
        "",
        f"{'events':>9}{'home doc bytes':>16}{'summary bytes':>15}"
        + "".join(f"{s:>12}" for s in SECTIONS),
    ]
    for r in results:
        lines.append(
            f"{r.events:>9,}{r.document_bytes:>16,}{r.summary_bytes:>15,}"
            + "".join(f"{r.held[s]:>12.1f}" for s in SECTIONS)
        )
    lines += ["", f"{'view':<16}{'events':>9}{'p50 ms':>9}{'p95 ms':>9}"]
    for view in ("home dashboard", "group overview"):
        for r in results:
            lines.append(f"{view:<16}{r.events:>9,}{r.p(view, 50):>9.1f}{r.p(view, 95):>9.1f}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        lines.append("")
        for view in ("home dashboard", "group overview"):
            growth = last.p(view, 95) / first.p(view, 95)
            verdict = "met" if growth <= P95_GROWTH_TARGET else "MISSED"
            lines.append(
                f"p95 growth {view}, {first.events:,} -> {last.events:,} events: {growth:.2f}x"
                f" (target <= {P95_GROWTH_TARGET}x) {verdict}"
            )
    print("\n".join(lines))
