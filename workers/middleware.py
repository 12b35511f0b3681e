"""dramatiq middleware: structlog context per message, a log line when one is dead-lettered, and
periodic messages that outlived their interval dropped quietly."""

from __future__ import annotations

import inspect
from typing import Any

import dramatiq
import structlog
from dramatiq.common import current_millis
from dramatiq.middleware import AgeLimit, Middleware, SkipMessage

log = structlog.get_logger()


def tenant_of(broker: dramatiq.Broker, message: dramatiq.Message[Any]) -> str | None:
    """The message's `tenant_id` kwarg, or its first argument when the actor names it so."""
    if "tenant_id" in message.kwargs:
        return str(message.kwargs["tenant_id"])
    if not message.args:
        return None
    try:
        actor = broker.get_actor(message.actor_name)
        first = next(iter(inspect.signature(actor.fn).parameters), None)
    except (dramatiq.ActorNotFound, TypeError, ValueError):
        return None
    return str(message.args[0]) if first == "tenant_id" else None


def message_context(broker: dramatiq.Broker, message: dramatiq.Message[Any]) -> dict[str, Any]:
    context: dict[str, Any] = {"message_id": message.message_id, "actor": message.actor_name}
    if (tenant := tenant_of(broker, message)) is not None:
        context["tenant_id"] = tenant
    if retries := message.options.get("retries"):
        context["retries"] = retries
    return context


class LogContext(Middleware):
    """Binds message_id, actor and tenant_id (and retries) into structlog's context variables in
    the worker thread for the message's duration; async actors see them too (the coroutine runs
    in a copy of the calling thread's context)."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**message_context(broker, message))

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        structlog.contextvars.clear_contextvars()


class DeadLetters(Middleware):
    """One error line for every message that failed for good (retries exhausted): it now sits in
    the broker's dead letters (postgres: state 'rejected' in dramatiq.queue; RabbitMQ: the
    queue's `.XQ`; Redis: its dead-letter set)."""

    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        traceback = str(message.options.get("traceback") or "").strip().splitlines()
        log.error(
            "message dead-lettered",
            **message_context(broker, message),
            queue=message.queue_name,
            error=traceback[-1] if traceback else None,
        )


class Expiry(AgeLimit):
    """dramatiq's AgeLimit, except that a message past its `max_age` is skipped and acknowledged,
    not failed: a periodic job's message that waited longer than its interval is superseded by
    the next one (workers/schedule.py), so it is neither an error nor a dead letter."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        actor = broker.get_actor(message.actor_name)
        max_age = message.options.get("max_age") or actor.options.get("max_age", self.max_age)
        if max_age and current_millis() - message.message_timestamp >= max_age:
            log.info("message expired", **message_context(broker, message), max_age_ms=max_age)
            raise SkipMessage("superseded by a newer message")
