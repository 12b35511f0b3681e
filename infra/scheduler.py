"""`caretrail scheduler`: sends every periodic job of workers/schedule.py when it is due."""

from __future__ import annotations

import signal
import threading
import time

import dramatiq
import structlog

from infra.broker import configure_workers
from infra.embedded import Runtime
from infra.settings import Settings
from workers import broker as worker_broker
from workers.schedule import JOBS, PeriodicJob, Timetable

log = structlog.get_logger()


def send(broker: dramatiq.Broker, job: PeriodicJob, interval: float) -> None:
    actor = broker.get_actor(job.actor)
    actor.send_with_options(kwargs=dict(job.kwargs), max_age=int(interval * 1000))


def run_scheduler(settings: Settings, runtime: Runtime) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    broker = configure_workers(settings, runtime)
    jobs = {job.name: job for job in JOBS}
    missing = [job.actor for job in JOBS if job.actor not in broker.actors]
    if missing:
        log.error("periodic jobs name unknown actors", actors=missing)
        return 2
    timetable = Timetable.starting(JOBS, settings, time.monotonic())
    log.info("process ready", role="scheduler", jobs=timetable.intervals)
    try:
        while not stop.is_set():
            for name in timetable.due(time.monotonic()):
                try:
                    send(broker, jobs[name], timetable.intervals[name])
                except Exception as exc:  # the broker is down: the next slot tries again
                    log.warning("periodic job not sent", job=name, error=repr(exc))
            stop.wait(timetable.seconds_until_next(time.monotonic()))
    finally:
        worker_broker.close()
    log.info("process stopping", role="scheduler")
    return 0
