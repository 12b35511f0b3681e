"""The pure parts of the worker runtime: the scheduler's timetable, the nudger's thread, what a
message binds into the log context, and which broker a URL picks."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

import dramatiq
import pytest
from dramatiq import Message
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq_postgres import PostgresBroker

from infra.settings import Settings
from workers.broker import UnknownBroker, broker_for, describe
from workers.middleware import message_context
from workers.nudge import Nudger
from workers.schedule import PeriodicJob, Timetable


def test_each_job_is_due_at_start_then_every_interval_skipping_slots_it_missed() -> None:
    jobs = [
        PeriodicJob("fast", "a", lambda s: s.projection_sweep_seconds),
        PeriodicJob("slow", "b", lambda s: 10.0),
    ]
    timetable = Timetable.starting(jobs, Settings(projection_sweep_seconds=2.0), now=100.0)

    assert sorted(timetable.due(100.0)) == ["fast", "slow"]
    assert timetable.due(101.9) == []
    assert timetable.seconds_until_next(101.0) == pytest.approx(1.0)
    assert timetable.due(102.0) == ["fast"]
    assert timetable.due(109.5) == ["fast"]  # 104, 106 and 108 were missed: sent once, not thrice
    assert timetable.next_due["fast"] == pytest.approx(110.0)
    assert sorted(timetable.due(110.0)) == ["fast", "slow"]


def test_the_nudger_sends_once_per_tenant_however_many_writes_queued_meanwhile() -> None:
    sent: list[UUID] = []
    gate, sending = threading.Event(), threading.Event()

    def send(tenant_id: UUID) -> None:
        sending.set()
        gate.wait(5)
        sent.append(tenant_id)

    closed: list[bool] = []
    nudger = Nudger(send, on_close=lambda: closed.append(True))
    first, second = uuid4(), uuid4()
    nudger(first)  # the thread takes it and blocks in send
    assert sending.wait(5)
    for _ in range(50):
        nudger(first)
        nudger(second)
    gate.set()
    nudger.close()

    assert sent[0] == first
    assert sorted(map(str, sent[1:])) == sorted([str(first), str(second)])
    assert closed == [True]  # its broker is closed once what was pending is sent


def test_a_nudge_that_fails_to_send_is_dropped_and_the_next_still_goes() -> None:
    sent: list[UUID] = []
    calls = 0

    def send(tenant_id: UUID) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("broker down")
        sent.append(tenant_id)

    nudger = Nudger(send)
    lost, later = uuid4(), uuid4()
    nudger(lost)
    assert nudger.wait_sent()  # the failed send is over before the next nudge
    nudger(later)
    nudger.close()

    assert sent == [later]


def test_a_message_binds_its_id_actor_and_tenant_from_a_kwarg_or_a_first_tenant_argument() -> None:
    broker = StubBroker()

    def by_tenant(tenant_id: str) -> None: ...

    def by_record(record_id: str) -> None: ...

    dramatiq.Actor(
        by_tenant, broker=broker, actor_name="by_tenant", queue_name="q", priority=0, options={}
    )
    dramatiq.Actor(
        by_record, broker=broker, actor_name="by_record", queue_name="q", priority=0, options={}
    )

    def message(actor: str, args: tuple[str, ...], kwargs: dict[str, str]) -> Message[None]:
        return Message(queue_name="q", actor_name=actor, args=args, kwargs=kwargs, options={})

    as_arg = message("by_tenant", ("t-1",), {})
    assert message_context(broker, as_arg) == {
        "message_id": as_arg.message_id,
        "actor": "by_tenant",
        "tenant_id": "t-1",
    }
    assert (
        message_context(broker, message("by_record", (), {"tenant_id": "t-2"}))["tenant_id"]
        == "t-2"
    )
    assert "tenant_id" not in message_context(broker, message("by_record", ("r-1",), {}))
    retried = message("by_tenant", ("t-3",), {})
    retried.options["retries"] = 2
    assert message_context(broker, retried)["retries"] == 2


def test_the_broker_is_chosen_by_the_url_scheme_and_logged_without_its_password() -> None:
    postgres = broker_for("postgresql://app:secret@db.example:5432/caretrail")
    try:
        assert isinstance(postgres, PostgresBroker)
    finally:
        postgres.close()
    assert isinstance(broker_for("amqp://caretrail:secret@rabbitmq:5672"), RabbitmqBroker)
    assert isinstance(broker_for("redis://localhost:6379/0"), RedisBroker)
    with pytest.raises(UnknownBroker, match="'kafka'"):
        broker_for("kafka://somewhere")
    assert describe("amqp://caretrail:secret@rabbitmq:5672/") == "amqp://rabbitmq:5672/"
    assert (
        describe("postgresql://app:pw@/caretrail?host=/tmp/sock")
        == "postgresql:///tmp/sock/caretrail"
    )
