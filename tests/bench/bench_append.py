"""Append throughput: caretrail's EventStore against raw asyncpg and the `eventsourcing` library.

Run on demand (see tests/bench/README.md for the exact command). Everything runs in one
process against the one migrated database of the `database` fixture; rates are machine-
dependent, so the test only asserts that every path wrote the rows it claims to have written.

Knobs (environment): BENCH_EVENTS (events per single-writer measurement, default 1000),
BENCH_ROUNDS (interleaved rounds, best kept, default 5), BENCH_TENANTS (default 32),
BENCH_STREAMS (streams per writer, default 8), BENCH_PROFILE=1 (cProfile one extra
single-writer eventstore run and print where its time goes).
"""

from __future__ import annotations

import asyncio
import cProfile
import hashlib
import io
import os
import pstats
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
import psutil
import pytest
import rfc8785
from sqlalchemy.engine import make_url

eventsourcing = pytest.importorskip("eventsourcing", reason="run with: uv run --group bench ...")
psycopg = pytest.importorskip("psycopg")
from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from eventstore import EventStore, Keyring, NewEvent, StreamRef, chain  # noqa: E402
from infra.database import asyncpg_dsn, create_engine, open_database  # noqa: E402

pytestmark = pytest.mark.bench

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "32"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "8"))
WARMUP = 200
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0", "no")

STREAM_TYPE = "care-plan"
EVENT_TYPE = "CarePlanReviewed"


# --------------------------------------------------------------------------- payloads


def payload(i: int, plan_id: str) -> dict[str, Any]:
    """A realistic, non-personal care-plan review: ~300 bytes of JSON."""
    return {
        "care_plan_id": plan_id,
        "section": "nutrition",
        "status": "reviewed",
        "review_number": i,
        "review_due": "2025-03-01",
        "risk_level": "medium",
        "assessment_tool": "MUST",
        "score": 2,
        "actions": [
            {"code": "HYD-01", "frequency": "daily", "owner_role": "senior-carer"},
            {"code": "WGT-02", "frequency": "weekly", "owner_role": "nurse"},
        ],
    }


def personal(i: int) -> dict[str, Any]:
    """Synthetic personal fields (encrypted per data subject by the eventstore)."""
    return {
        "resident_name": f"Example Resident {i % 97}",
        "date_of_birth": "1941-05-17",
        "next_of_kin_phone": "07700 900123",
    }


PAYLOAD_BYTES = len(msgspec.json.encode(payload(123, str(uuid4()))))


# --------------------------------------------------------------------------- results


@dataclass
class Series:
    label: str
    events: int = 0
    rates: list[float] = field(default_factory=list)
    cpu_per_event: list[float] = field(default_factory=list)  # this process's CPU seconds
    server_cpu_per_event: list[float] = field(default_factory=list)  # PostgreSQL's CPU seconds
    written: list[tuple[int, int]] = field(default_factory=list)  # (expected, counted)

    def add(self, events: int, seconds: float, cpu: float, server_cpu: float | None = None) -> None:
        self.events = events
        self.rates.append(events / seconds)
        self.cpu_per_event.append(cpu / events)
        if server_cpu is not None:
            self.server_cpu_per_event.append(server_cpu / events)

    @property
    def best(self) -> float:
        return max(self.rates)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def total_cpu(self) -> float:
        """Client + server CPU seconds per event, the median round's."""
        return statistics.median(
            map(sum, zip(self.cpu_per_event, self.server_cpu_per_event, strict=True))
        )


class ServerCpu:
    """CPU seconds the PostgreSQL server's processes (the postmaster, every backend and the
    background writers) used since a snapshot. The server is the test session's own, so this is
    the database's share of the work measured. Each process's time on a CPU is read from
    /proc/<pid>/schedstat (nanoseconds; /proc/<pid>/stat counts 10 ms ticks, too coarse for
    32 writers of 31 events each), or from psutil where there is no schedstat."""

    def __init__(self, backend_pid: int) -> None:
        self.postmaster = psutil.Process(backend_pid).parent()

    @staticmethod
    def _used(process: psutil.Process) -> float:
        try:
            with open(f"/proc/{process.pid}/schedstat") as stat:
                return int(stat.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            times = process.cpu_times()
            return float(times.user + times.system)

    def snapshot(self) -> dict[int, float]:
        used = {}
        for process in [self.postmaster, *self.postmaster.children()]:
            try:
                used[process.pid] = self._used(process)
            except psutil.NoSuchProcess:  # a process that ended meanwhile
                continue
        return used

    def since(self, before: dict[int, float]) -> float:
        """Per process, so one that ends (an autovacuum worker) takes nothing off the total."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in self.snapshot().items())


# --------------------------------------------------------------------------- eventstore


async def eventstore_single(
    store: EventStore, n: int, *, with_personal: bool = False
) -> tuple[UUID, float]:
    """One writer, one event per append (each its own transaction), round-robin over a few
    new streams of a fresh tenant, always with the correct expected version."""
    tenant = uuid4()
    streams = [StreamRef(STREAM_TYPE, uuid4()) for _ in range(STREAMS)]
    subjects = [uuid4() for _ in range(STREAMS)]
    plans = [str(s.id) for s in streams]
    versions = [0] * STREAMS
    started = time.perf_counter()
    for i in range(n):
        k = i % STREAMS
        event = (
            NewEvent(EVENT_TYPE, payload(i, plans[k]), personal=personal(i), subject_id=subjects[k])
            if with_personal
            else NewEvent(EVENT_TYPE, payload(i, plans[k]))
        )
        result = await store.append(tenant, streams[k], versions[k], [event])
        versions[k] = result.stream_version
    return tenant, time.perf_counter() - started


async def eventstore_direct(
    store: EventStore, conn: asyncpg.Connection, n: int
) -> tuple[UUID, float]:
    """Informational: the same appends through `EventStore.append_in` on one plain asyncpg
    connection, each in a transaction of its own (BEGIN, the append, COMMIT: three round trips
    where `append` takes one), with no pool at all."""
    tenant = uuid4()
    streams = [StreamRef(STREAM_TYPE, uuid4()) for _ in range(STREAMS)]
    plans = [str(s.id) for s in streams]
    versions = [0] * STREAMS
    started = time.perf_counter()
    for i in range(n):
        k = i % STREAMS
        async with conn.transaction():
            result = await store.append_in(
                conn, tenant, streams[k], versions[k], [NewEvent(EVENT_TYPE, payload(i, plans[k]))]
            )
        versions[k] = result.stream_version
    return tenant, time.perf_counter() - started


def chain_cpu_seconds(n: int, canonical: Callable[[Any], bytes] = chain.canonical) -> float:
    """Informational: client CPU of what an append computes per event besides SQL: the data
    encoded to JSON once and decoded back, the envelope, its canonical form (`chain.canonical`,
    or the pure-Python `rfc8785.dumps` for comparison) and its sha256. (The chain link itself,
    sha256(previous || event hash), is computed by PostgreSQL.)"""
    tenant, stream = uuid4(), uuid4()
    started = time.perf_counter()
    for i in range(n):
        encoded = msgspec.json.encode(payload(i, "plan"))
        data = msgspec.json.decode(encoded)
        envelope = chain.envelope(
            tenant_id=tenant,
            event_id=uuid4(),
            stream_type=STREAM_TYPE,
            stream_id=stream,
            version=i + 1,
            event_type=EVENT_TYPE,
            schema_version=1,
            data=data,
            personal=None,
            subject_id=None,
            metadata={},
            location_id=None,
            recorded_at=datetime.now(UTC),
            idempotency_key=None,
        )
        hashlib.sha256(canonical(envelope)).digest()
        encoded.decode()
    return time.perf_counter() - started


async def eventstore_concurrent(
    store: EventStore, tenants: int, per_tenant: int
) -> tuple[list[UUID], float]:
    """`tenants` writers at once (asyncio.gather), each its own tenant, each as the single one."""
    tenant_ids = [uuid4() for _ in range(tenants)]

    async def writer(tenant: UUID) -> None:
        streams = [StreamRef(STREAM_TYPE, uuid4()) for _ in range(STREAMS)]
        plans = [str(s.id) for s in streams]
        versions = [0] * STREAMS
        for i in range(per_tenant):
            k = i % STREAMS
            result = await store.append(
                tenant, streams[k], versions[k], [NewEvent(EVENT_TYPE, payload(i, plans[k]))]
            )
            versions[k] = result.stream_version

    started = time.perf_counter()
    await asyncio.gather(*(writer(t) for t in tenant_ids))
    return tenant_ids, time.perf_counter() - started


# --------------------------------------------------------------------------- raw asyncpg

RAW_TABLE = "bench_raw_events"
RAW_INSERT = f"""
INSERT INTO {RAW_TABLE} (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                         schema_version, data, personal, subject_id, metadata, location_id,
                         recorded_at, idempotency_key, chain_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
"""


async def raw_asyncpg(
    conn: asyncpg.Connection, n: int, tenant: UUID | None = None
) -> tuple[UUID, float]:
    """The floor: one INSERT of an equivalent row per transaction on one asyncpg connection."""
    tenant = tenant or uuid4()
    streams = [uuid4() for _ in range(STREAMS)]
    plans = [str(s) for s in streams]
    versions = [0] * STREAMS
    started = time.perf_counter()
    for i in range(n):
        k = i % STREAMS
        versions[k] += 1
        data = msgspec.json.encode(payload(i, plans[k])).decode()
        async with conn.transaction():
            await conn.execute(
                RAW_INSERT,
                tenant,
                i + 1,
                uuid4(),
                STREAM_TYPE,
                streams[k],
                versions[k],
                EVENT_TYPE,
                1,
                data,
                None,
                None,
                "{}",
                None,
                datetime.now(UTC),
                None,
                os.urandom(32),
            )
    return tenant, time.perf_counter() - started


async def raw_concurrent(
    conns: list[asyncpg.Connection], per_writer: int
) -> tuple[list[UUID], float]:
    """The floor's own scaling: one raw writer per connection at once, each its own tenant."""
    tenants = [uuid4() for _ in conns]
    started = time.perf_counter()
    await asyncio.gather(
        *(raw_asyncpg(c, per_writer, t) for c, t in zip(conns, tenants, strict=True))
    )
    return tenants, time.perf_counter() - started


# --------------------------------------------------------------------------- eventsourcing


class BenchCarePlan(Aggregate):
    """One stream of the eventsourcing path: created with a payload, then reviewed repeatedly."""

    def __init__(self, data: dict[str, Any]) -> None:
        pass

    @event("Reviewed")
    def review(self, data: dict[str, Any]) -> None:
        pass


class BenchApp(Application):
    """Configured from the environment: PERSISTENCE_MODULE=eventsourcing.postgres, POSTGRES_*."""


def eventsourcing_single(app: Any, aggregate_cls: type, n: int) -> tuple[list[UUID], float]:
    """One writer, one event per `save`: a few new aggregates (their Created events count), then
    one `review` + `save` each, round-robin. Synchronous (psycopg 3), timed directly."""
    plans = [str(uuid4()) for _ in range(STREAMS)]
    aggregates: list[Any] = []
    started = time.perf_counter()
    for i in range(n):
        k = i % STREAMS
        if len(aggregates) <= k:
            aggregate = aggregate_cls(payload(i, plans[k]))
            aggregates.append(aggregate)
        else:
            aggregate = aggregates[k]
            aggregate.review(payload(i, plans[k]))
        app.save(aggregate)
    return [a.id for a in aggregates], time.perf_counter() - started


def libpq_parts(url: str) -> dict[str, str]:
    """host/port/user/password of a libpq URL; a unix-socket URL's host is its socket directory."""
    parsed = make_url(url)
    host = parsed.host or parsed.query.get("host") or "/tmp"
    if isinstance(host, tuple):
        host = host[0]
    port = parsed.port or parsed.query.get("port") or 5432
    return {
        "POSTGRES_HOST": str(host),
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": parsed.username or "postgres",
        "POSTGRES_PASSWORD": parsed.password or "",
    }


# --------------------------------------------------------------------------- the benchmark


async def count(conn: asyncpg.Connection, sql: str, *args: Any) -> int:
    return int(await conn.fetchval(sql, *args))


async def test_append_throughput(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    superuser = await asyncpg.connect(asyncpg_dsn(database.superuser))
    owner = await asyncpg.connect(asyncpg_dsn(database.owner))
    # The production setting (infra.database.open_database: the event store's own asyncpg
    # pool), big enough that every concurrent tenant holds its own connection.
    pool = await open_database(database.app, pool_size=max(TENANTS, 32))
    store = EventStore(pool, Keyring.from_base64(database.kek))
    # Informational variants: a SQLAlchemy engine as the connection source (the production
    # engine settings, infra.database.create_engine), and no pool at all.
    engine = create_engine(database.app, pool_size=2)
    store_engine = EventStore(engine, store.keyring)
    app_conn = await asyncpg.connect(asyncpg_dsn(database.app))
    # The raw floor at TENANTS writers: a connection each, as the pool gives eventstore.
    raw_conns = [await asyncpg.connect(asyncpg_dsn(database.owner)) for _ in range(TENANTS)]
    server_cpu = ServerCpu(await superuser.fetchval("SELECT pg_backend_pid()"))

    # Same columns, defaults, constraints and indexes as `events`; no RLS, triggers or head row.
    await owner.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    await owner.execute(f"CREATE TABLE {RAW_TABLE} (LIKE events INCLUDING ALL)")

    # The eventsourcing library gets a database of its own, reached as the superuser.
    es_db = f"bench_eventsourcing_{secrets.token_hex(4)}"
    await superuser.execute(f'CREATE DATABASE "{es_db}"')
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")
    monkeypatch.setenv("POSTGRES_DBNAME", es_db)
    for key, setting in libpq_parts(database.superuser).items():
        monkeypatch.setenv(key, setting)
    app = BenchApp()
    es_table = app.recorder.events_table_name  # type: ignore[attr-defined]
    server_version = await superuser.fetchval("SHOW server_version")
    fsync, sync_commit = (
        await superuser.fetchval("SHOW fsync"),
        await superuser.fetchval("SHOW synchronous_commit"),
    )
    es_conn = await asyncpg.connect(
        asyncpg_dsn(make_url(database.superuser).set(database=es_db).render_as_string(False))
    )

    per_tenant = max(1, round(EVENTS / TENANTS))
    single = Series("eventstore, 1 writer")
    with_pii = Series("eventstore, 1 writer, + personal (encrypted)")
    raw = Series("raw asyncpg, 1 INSERT/tx")
    lib = Series(
        f"eventsourcing {version('eventsourcing')}"
        f" (psycopg {psycopg.__version__} {psycopg.pq.__impl__})"
    )
    multi = Series(f"eventstore, {TENANTS} tenants concurrently")
    raw_multi = Series(f"raw asyncpg, {TENANTS} writers concurrently")
    via_engine = Series("eventstore, 1 writer, SQLAlchemy engine as the pool")
    direct = Series("eventstore.append_in, 1 plain asyncpg conn, BEGIN/COMMIT")
    hashing = Series("CPU only: json + envelope + chain.canonical + sha256")
    hashing_rfc = Series("CPU only: json + envelope + rfc8785.dumps + sha256")

    by_tenant = "SELECT count(*) FROM events WHERE tenant_id = ANY($1::uuid[])"

    async def measure(
        series: Series, run: Awaitable[tuple[Any, float]], counting: str, conn: Any = superuser
    ) -> None:
        """Time one run (wall and this process's CPU), then count the rows it wrote."""
        cpu, server = time.process_time(), server_cpu.snapshot()
        written_by, seconds = await run
        series.add(
            series_events[series.label],
            seconds,
            time.process_time() - cpu,
            server_cpu.since(server),
        )
        ids = written_by if isinstance(written_by, list) else [written_by]
        counted = int(await conn.fetchval(counting, ids))
        series.written.append((series_events[series.label], counted))

    async def in_coroutine(run: Callable[..., tuple[Any, float]], *args: Any) -> tuple[Any, float]:
        return run(*args)  # a synchronous run, started only when `measure` awaits it

    series_events = {s.label: EVENTS for s in (single, with_pii, raw, lib, via_engine, direct)}
    series_events[multi.label] = series_events[raw_multi.label] = TENANTS * per_tenant

    async def run_single() -> None:
        await measure(single, eventstore_single(store, EVENTS), by_tenant)

    async def run_personal() -> None:
        await measure(
            with_pii,
            eventstore_single(store, EVENTS, with_personal=True),
            by_tenant + " AND personal IS NOT NULL",
        )

    async def run_raw() -> None:
        await measure(
            raw,
            raw_asyncpg(owner, EVENTS),
            f"SELECT count(*) FROM {RAW_TABLE} WHERE tenant_id = ANY($1::uuid[])",
        )

    async def run_raw_multi() -> None:
        await measure(
            raw_multi,
            raw_concurrent(raw_conns, per_tenant),
            f"SELECT count(*) FROM {RAW_TABLE} WHERE tenant_id = ANY($1::uuid[])",
        )

    async def run_library() -> None:
        await measure(
            lib,
            in_coroutine(eventsourcing_single, app, BenchCarePlan, EVENTS),
            f'SELECT count(*) FROM "{es_table}" WHERE originator_id = ANY($1::uuid[])',
            es_conn,
        )

    grouped = {"appends": 0, "statements": 0}

    async def run_multi() -> None:
        before = store.group.stats.appends, store.group.stats.statements
        await measure(multi, eventstore_concurrent(store, TENANTS, per_tenant), by_tenant)
        grouped["appends"] += store.group.stats.appends - before[0]
        grouped["statements"] += store.group.stats.statements - before[1]

    async def run_via_engine() -> None:
        await measure(via_engine, eventstore_single(store_engine, EVENTS), by_tenant)

    async def run_direct() -> None:
        await measure(direct, eventstore_direct(store, app_conn, EVENTS), by_tenant)

    async def run_hashing() -> None:
        for series, canonical in ((hashing, chain.canonical), (hashing_rfc, rfc8785.dumps)):
            cpu = time.process_time()
            seconds = chain_cpu_seconds(EVENTS, canonical)
            series.add(EVENTS, seconds, time.process_time() - cpu)

    try:
        # Warm-up: open every pooled connection, prepare statements, create the library's tables.
        await eventstore_single(store, WARMUP)
        await eventstore_single(store, WARMUP, with_personal=True)
        await eventstore_concurrent(store, TENANTS, max(2, WARMUP // TENANTS))
        await raw_asyncpg(owner, WARMUP)
        await raw_concurrent(raw_conns, max(2, WARMUP // TENANTS))
        await eventstore_single(store_engine, WARMUP)
        await eventstore_direct(store, app_conn, WARMUP)
        eventsourcing_single(app, BenchCarePlan, WARMUP)

        # Interleaved rounds (order rotated each round), best of ROUNDS kept.
        steps: list[Callable[[], Awaitable[None]]] = [
            run_single,
            run_raw,
            run_library,
            run_multi,
            run_raw_multi,
            run_personal,
            run_via_engine,
            run_direct,
            run_hashing,
        ]
        bench_started = time.perf_counter()
        for r in range(ROUNDS):
            order = steps[r % len(steps) :] + steps[: r % len(steps)]
            for step in order:
                await step()
                await asyncio.sleep(0)
        bench_seconds = time.perf_counter() - bench_started

        if PROFILE:
            profiler = cProfile.Profile()
            profiler.enable()
            await eventstore_single(store, EVENTS)
            profiler.disable()
    finally:
        app.close()
        await es_conn.close()
        await pool.close()
        await engine.dispose()
        await app_conn.close()
        for conn in raw_conns:
            await conn.close()
        await owner.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        await owner.close()
        await superuser.execute(f'DROP DATABASE IF EXISTS "{es_db}" WITH (FORCE)')
        await superuser.close()

    pg = libpq_parts(database.superuser)
    server = f"PostgreSQL {server_version} at {pg['POSTGRES_HOST']}:{pg['POSTGRES_PORT']}"
    series = [single, raw, lib, multi, raw_multi, with_pii]
    extra = [via_engine, direct, hashing, hashing_rfc]
    width = max(len(s.label) for s in series + extra) + 2
    rule = "-" * (width + 68)

    def row(s: Series) -> str:
        if not s.written:
            counted = "-"
        elif all(e == c for e, c in s.written):
            counted = f"ok ({sum(c for _, c in s.written)})"
        else:
            counted = f"MISMATCH {s.written}"
        cpu = 1e6 * statistics.median(s.cpu_per_event)
        server = (
            f"{1e6 * statistics.median(s.server_cpu_per_event):>10,.0f}"
            if s.server_cpu_per_event
            else "-"
        )
        return (
            f"{s.label:<{width}}{s.events:>7}{s.best:>11,.0f}{s.median:>11,.0f}"
            f"{1e6 / s.best:>10,.0f}{cpu:>10,.0f}{server:>10}   {counted}"
        )

    def cpu_ceiling(s: Series) -> float:
        """How far a path's single writer could scale if every CPU were busy with it: CPUs x
        its wall time per event / the CPU time (client + server) one event costs."""
        return (os.cpu_count() or 1) / (s.best * s.total_cpu)

    lines = [
        "",
        "Append throughput: one event per append, each its own transaction (eventstore with"
        f" {TENANTS} tenants: group commit);"
        f" {PAYLOAD_BYTES}-byte JSON payload; {STREAMS} streams per writer;"
        f" best and median of {ROUNDS} interleaved rounds"
        f" ({bench_seconds:.0f}s)",
        f"{server}; fsync={fsync}, synchronous_commit={sync_commit}; {os.cpu_count()} CPUs",
        "",
        f"{'path':<{width}}{'events':>7}{'best ev/s':>11}{'median':>11}"
        f"{'µs/event':>10}{'cpu µs/ev':>10}{'srv µs/ev':>10}"
        "   rows counted (all rounds)",
        rule,
        *(row(s) for s in series),
        rule,
        "informational (where eventstore's time goes):",
        *(row(s) for s in extra),
        "",
        f"{'ratio':<{width}}{'best':>7}{'target':>11}{'per-round':>11}",
        rule,
    ]

    def per_round(a: Series, b: Series) -> str:
        """The median of each round's own ratio: both measured minutes apart at most, so less
        at the mercy of other load on the machine than the best of each."""
        return f"{statistics.median(x / y for x, y in zip(a.rates, b.rates, strict=True)):.2f}"

    ratios: list[tuple[str, float, str, float | None, str]] = [
        ("eventstore / raw asyncpg", single.best / raw.best, ">= 0.7", 0.7, per_round(single, raw)),
        (
            "eventstore / eventsourcing",
            single.best / lib.best,
            ">= 1.5",
            1.5,
            per_round(single, lib),
        ),
        (
            f"{TENANTS} tenants / 1 writer",
            multi.best / single.best,
            ">= 3.0",
            3.0,
            per_round(multi, single),
        ),
        (
            f"  reference: raw asyncpg {TENANTS} / 1",
            raw_multi.best / raw.best,
            "-",
            None,
            per_round(raw_multi, raw),
        ),
        ("  CPU ceiling: eventstore", cpu_ceiling(single), "-", None, ""),
        ("  CPU ceiling: raw asyncpg", cpu_ceiling(raw), "-", None, ""),
        ("with personal / plain", with_pii.best / single.best, "-", None, ""),
    ]
    for label, value, target, minimum, median in ratios:
        verdict = "" if minimum is None else ("   met" if value >= minimum else "   MISSED")
        lines.append(f"{label:<{width}}{value:>7.2f}{target:>11}{median:>11}{verdict}")
    lines += [
        f"group commit, {TENANTS} tenants: {grouped['appends']} appends in"
        f" {grouped['statements']} statements (largest {store.group.stats.largest},"
        f" batches that fell back to one by one: {store.group.stats.fallbacks})",
        "(cpu µs/ev: this Python process's CPU per event, srv µs/ev: the PostgreSQL server's,",
        " each the median round's. CPU ceiling: CPUs x 1-writer µs/event / (cpu + srv) µs/event,",
        " the scaling that keeping every CPU busy with that path alone would give. While other",
        " processes share the CPUs, a single writer also waits for a CPU: every ratio rises.)",
    ]
    print("\n".join(lines))

    if PROFILE:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        print(
            f"\ncProfile of one single-writer eventstore run ({EVENTS} appends):\n{out.getvalue()}"
        )

    for s in series + extra:
        for expected, counted in s.written:
            assert counted == expected, f"{s.label}: wrote {counted} rows, expected {expected}"
