"""Wiring the workers into a process (composition root): the dramatiq broker for the settings,
and what actors need (pool, Records, Runner, delivery config, trail key) installed as the
factory workers.runtime.context() calls. The API, `caretrail worker` and `caretrail scheduler`
each call `configure_workers` once, before they send or run actors."""

from __future__ import annotations

import dramatiq

from infra.database import open_database
from infra.embedded import Runtime
from infra.records import build_records
from infra.settings import Settings
from projections import PROJECTIONS, Runner
from services.alerts.delivery_attempt import DeliveryConfig
from services.alerts.delivery_email import SmtpConfig
from services.trail.heads import TrailKey
from workers import broker as worker_broker
from workers import runtime as worker_runtime
from workers.runtime import ContextFactory, WorkerContext


def broker_url(settings: Settings, runtime: Runtime) -> str:
    """CARETRAIL_BROKER_URL, or the application role's database URL (the default broker)."""
    return settings.broker_url or runtime.urls.app


def delivery_config(settings: Settings) -> DeliveryConfig:
    smtp = None
    if settings.smtp_host:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    allow_private = settings.webhook_allow_private
    return DeliveryConfig(
        max_attempts=settings.delivery_max_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
        backoff_cap_seconds=settings.delivery_backoff_cap_seconds,
        lease_seconds=settings.delivery_lease_seconds,
        webhook_timeout_seconds=settings.webhook_timeout_seconds,
        webhook_allow_private=allow_private
        if allow_private is not None
        else not settings.production,
        public_url=settings.public_url,
        smtp=smtp,
    )


def context_factory(settings: Settings, runtime: Runtime) -> ContextFactory:
    """Makes one process's actor context: its own pool as the application role, and the rest."""
    trail_key = TrailKey.from_base64(runtime.trail_key) if runtime.trail_key else None
    delivery = delivery_config(settings)

    async def make() -> WorkerContext:
        pool = await open_database(runtime.urls.app, pool_size=settings.db_pool_size)
        records = build_records(pool, runtime)
        runner = Runner(records.store, PROJECTIONS)
        return WorkerContext(settings, pool, records, runner, delivery, trail_key)

    return make


def configure_workers(settings: Settings, runtime: Runtime) -> dramatiq.Broker:
    """Set the global broker (with every actor) and install the actors' context factory."""
    broker = worker_broker.configure(broker_url(settings, runtime), settings)
    worker_runtime.install(context_factory(settings, runtime))
    return broker
