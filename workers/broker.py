"""The dramatiq broker, chosen by URL, and the middleware every process runs it with.

`configure(url, settings)` is the one call a process makes before it sends or runs actors: it
builds the broker for `url`, sets it as dramatiq's global broker, moves any actor declared
earlier onto it, and imports every module in `workers.ACTOR_MODULES`. The composition root
(infra/broker.py) calls it in the API, `caretrail worker` and `caretrail scheduler`, with
`CARETRAIL_BROKER_URL` or, unset, the application database itself (dramatiq-postgres, so the
embedded start needs no other server).

URL schemes: `postgresql://` (the queue lives in the `dramatiq` schema, migration 0004),
`amqp://` / `amqps://` (RabbitMQ, the production broker of docker-compose.yml), `redis://` /
`rediss://`.

Middleware, on every broker: dramatiq's defaults (age limits, as Expiry: an expired message is
dropped without being dead-lettered; time limits, shutdown notifications,
callbacks, pipelines) with Retries set from settings (`worker_max_retries` retries, exponential
backoff from `worker_min_backoff_ms` up to `worker_max_backoff_ms`; an actor may override with
`@dramatiq.actor(max_retries=..., min_backoff=...)`), AsyncIO (so `async def` actors run on one
event loop per worker process), LogContext (message_id, actor, tenant_id bound into structlog
for the message) and DeadLetters (an error line when a message exhausts its retries and is
dead-lettered).
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dramatiq
import dramatiq.broker
import structlog
from dramatiq.middleware import (
    AsyncIO,
    Callbacks,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

import workers
from workers.config import WorkerSettings
from workers.middleware import DeadLetters, Expiry, LogContext

log = structlog.get_logger()

POSTGRES_SCHEMES = ("postgresql", "postgres")
AMQP_SCHEMES = ("amqp", "amqps")
REDIS_SCHEMES = ("redis", "rediss")

#: How long an idle postgresql:// consumer waits before it polls again. NOTIFY normally wakes it
#: at once, but a notification landing between its empty claim and its wait is missed (a race in
#: dramatiq-postgres), and this bounds the delay that costs a nudge (the target is p95 < 0.5 s).
POSTGRES_POLL_SECONDS = 0.25


class UnknownBroker(ValueError):
    """A broker URL whose scheme is none of postgresql, amqp or redis."""


def middleware_for(settings: WorkerSettings) -> list[Middleware]:
    return [
        LogContext(),
        Expiry(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=settings.worker_max_retries,
            min_backoff=settings.worker_min_backoff_ms,
            max_backoff=settings.worker_max_backoff_ms,
        ),
        AsyncIO(),
        DeadLetters(),
    ]


def describe(url: str) -> str:
    """The URL without its credentials, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get(
        "host", ""
    )
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def broker_for(url: str, middleware: list[Middleware] | None = None) -> dramatiq.Broker:
    """A broker for `url` (no I/O: connections open on first use)."""
    scheme = urlsplit(url).scheme.split("+", 1)[0].lower()
    if scheme in POSTGRES_SCHEMES:
        from dramatiq_postgres import PostgresBroker

        return PostgresBroker(  # type: ignore[no-any-return]
            url=urlunsplit(urlsplit(url)._replace(scheme="postgresql")),  # no +driver suffix
            results=False,
            poll_interval=POSTGRES_POLL_SECONDS,
            middleware=middleware,
        )
    if scheme in AMQP_SCHEMES:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware)
    if scheme in REDIS_SCHEMES:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=middleware)
    raise UnknownBroker(f"broker URL scheme {scheme!r}: use postgresql://, amqp:// or redis://")


def configure(url: str, settings: WorkerSettings) -> dramatiq.Broker:
    """Build the broker for `url`, make it dramatiq's global broker (with every actor on it)."""
    broker = broker_for(url, middleware_for(settings))
    previous: Any = dramatiq.broker.global_broker
    if previous is not None and previous is not broker:
        for actor in list(previous.actors.values()):  # declared before configure: move them
            actor.broker = broker
            broker.declare_actor(actor)
    dramatiq.set_broker(broker)
    for name in workers.ACTOR_MODULES:
        importlib.import_module(name)
    log.info("broker configured", broker=describe(url), actors=sorted(broker.actors))
    return broker


def close() -> None:
    """Close the global broker's connections (at process exit)."""
    broker: Any = dramatiq.broker.global_broker
    if broker is not None:
        broker.close()
