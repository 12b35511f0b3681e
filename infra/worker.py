"""`caretrail worker`: a dramatiq worker running every actor of workers.ACTOR_MODULES."""

from __future__ import annotations

import signal
import threading

import dramatiq
import structlog
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from infra.broker import configure_workers
from infra.embedded import Runtime
from infra.settings import Settings
from workers import broker as worker_broker
from workers import runtime as worker_runtime

log = structlog.get_logger()

STOP_TIMEOUT_MS = 8000


class CloseContext(Middleware):
    """Closes the async actors' shared pool on the event loop before the loop stops."""

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            try:
                loop_thread.run_coroutine(worker_runtime.close())
            except Exception as exc:
                log.warning("worker context did not close cleanly", error=repr(exc))


def run_worker(settings: Settings, runtime: Runtime) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    broker = configure_workers(settings, runtime)
    broker.add_middleware(CloseContext())
    worker = dramatiq.Worker(broker, worker_threads=settings.worker_threads)
    worker.start()
    log.info(
        "process ready",
        role="worker",
        queues=sorted(broker.get_declared_queues()),
        threads=settings.worker_threads,
    )
    try:
        stop.wait()
    finally:
        log.info("process stopping", role="worker")
        worker.stop(timeout=STOP_TIMEOUT_MS)
        worker_broker.close()
    return 0
