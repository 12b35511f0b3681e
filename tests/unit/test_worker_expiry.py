"""A periodic message that waited past its max_age is dropped and acknowledged: superseded by
the next one, it is neither an error line nor a dead letter (issue 14 item 15). StubBroker and a
real dramatiq Worker, as dramatiq's own tests do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
import structlog
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis

from workers.middleware import DeadLetters, Expiry

ran: list[str] = []


@pytest.fixture
def broker() -> Iterator[StubBroker]:
    stub = StubBroker(middleware=[Expiry(), DeadLetters()])
    stub.emit_after("process_boot")
    yield stub
    stub.close()


def sweep(name: str) -> None:
    ran.append(name)


def message(actor: Any, waited_ms: int) -> Any:
    sent = actor.message_with_options(args=("sweep",), max_age=1000)
    return sent.copy(message_timestamp=current_millis() - waited_ms)


def test_an_expired_message_is_acknowledged_without_running_or_dead_lettering(
    broker: StubBroker,
) -> None:
    actor = dramatiq.actor(sweep, broker=broker)
    ran.clear()
    worker = dramatiq.Worker(broker, worker_timeout=100)
    worker.start()
    try:
        with structlog.testing.capture_logs() as logs:
            broker.enqueue(message(actor, waited_ms=5000))  # expired
            broker.enqueue(message(actor, waited_ms=0))  # fresh
            broker.join(actor.queue_name)
            worker.join()
    finally:
        worker.stop()
    assert ran == ["sweep"]  # only the fresh one ran
    assert broker.dead_letters == []
    assert [e["event"] for e in logs if e["log_level"] == "error"] == []
    assert [e["event"] for e in logs if e["event"] == "message expired"] == ["message expired"]
