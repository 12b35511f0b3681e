"""Seeding through the same path as the API: body validation, reference checks, decide, append.

Ids are uuid5 names, so the demo is the same on every run; a simulated clock puts each change at
its business time (an action completed in May is completed in May), while the event store still
stamps every event with the real moment it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from services.http.principal import Principal
from services.http.records import Lookups, RecordApi
from services.kernel.handling import Caller, Records

DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://caretrail.example/demo")


def demo_id(*parts: object) -> UUID:
    return uuid5(DEMO_NAMESPACE, "/".join(str(p) for p in parts))


@dataclass
class SimulatedClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Driver:
    """Creates records and runs commands as a given user, at a given simulated moment."""

    records: Records
    clock: SimulatedClock

    async def create(
        self,
        api: RecordApi[Any],
        actor: Principal,
        record_id: UUID,
        body: dict[str, Any],
        at: datetime | None = None,
    ) -> Any:
        parsed: Any = msgspec.convert(body, api.create_body)
        facts = (
            await api.check_create(parsed, Lookups(self.records, actor)) if api.check_create else {}
        )
        self.clock.now = at or datetime.now(UTC)
        outcome = await self.records.execute(
            _caller(actor),
            api.decider,
            record_id,
            api.to_create(parsed, record_id, actor),
            creating=True,
            facts=facts,
            reference_prefix=api.reference_prefix,
        )
        return outcome.state

    async def command(
        self,
        api: RecordApi[Any],
        name: str,
        actor: Principal,
        record_id: UUID,
        body: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Any:
        (route,) = [r for r in api.commands if r.name == name]
        parsed = msgspec.convert(body, route.body) if route.body is not None else None
        facts = await route.check(parsed, Lookups(self.records, actor)) if route.check else {}
        self.clock.now = at or datetime.now(UTC)
        outcome = await self.records.execute(
            _caller(actor),
            api.decider,
            record_id,
            route.to_command(parsed, record_id, actor),
            facts=facts,
        )
        return outcome.state


def _caller(principal: Principal) -> Caller:
    return Caller(principal.tenant_id, principal.user_id, principal.organisation_id, "demo-seed")
