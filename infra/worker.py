"""`caretrail worker`: the worker process, wired (the projection sweep, until dramatiq lands)."""

from __future__ import annotations

import asyncio
import signal

import structlog

from infra.app import build_records
from infra.database import open_database
from infra.embedded import Runtime
from infra.settings import Settings
from projections import PROJECTIONS, Runner
from workers.projection_sweep import sweep_until_stopped

log = structlog.get_logger()


async def run_worker(settings: Settings, runtime: Runtime) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    pool = await open_database(runtime.urls.app, pool_size=4)
    try:
        runner = Runner(build_records(pool, runtime).store, PROJECTIONS)
        log.info("process ready", role="worker", sweep_seconds=settings.projection_sweep_seconds)
        await sweep_until_stopped(runner, settings.projection_sweep_seconds, stop)
    finally:
        await pool.close()
    log.info("process stopping", role="worker")
    return 0
