"""Keeping every tenant's read models caught up: a sweep over all tenants every few seconds.

Until dramatiq nudges arrive (the workers issue), this sweep is what runs projections in the
worker process. The runner is restartable and exactly-once per event, so a sweep that is killed
or overlaps another loses and double-counts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from projections import Runner

log = structlog.get_logger()


async def sweep_until_stopped(runner: Runner, interval_seconds: float, stop: asyncio.Event) -> int:
    """Sweep, then wait `interval_seconds` or until `stop` is set; returns the number of sweeps."""
    sweeps = 0
    while not stop.is_set():
        try:
            applied = await runner.catch_up_all()
            busy = {str(t): n for t, n in applied.items() if any(n.values())}
            if busy:
                log.info("projections caught up", tenants=busy)
        except Exception:  # a failed sweep is retried by the next one; the log is the truth
            log.exception("projection sweep failed")
        sweeps += 1
        with contextlib.suppress(TimeoutError):  # the interval passed: sweep again
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
    return sweeps
