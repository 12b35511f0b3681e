"""The scheduler process until its periodic jobs exist (the workers issue): it starts, waits and stops."""

from __future__ import annotations

import signal
import threading

import structlog

log = structlog.get_logger()


def run_until_stopped(role: str) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("process ready", role=role)
    stop.wait()
    log.info("process stopping", role=role)
    return 0
