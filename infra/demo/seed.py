"""`caretrail up --demo`: seed once, the same data every time (uuid5 ids, fixed anchor date)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import structlog

from infra.admin import open_records
from infra.demo.access import seed_external_viewers
from infra.demo.actions import seed_actions
from infra.demo.audits import seed_audits
from infra.demo.complaints import seed_complaints
from infra.demo.driver import Driver, SimulatedClock
from infra.demo.incidents import seed_incidents
from infra.demo.organisations import GROUPS, seed_groups
from infra.demo.subscriptions import seed_subscriptions
from infra.embedded import Runtime
from infra.settings import Settings
from services.organisations import directory

log = structlog.get_logger()


def anchor_day() -> datetime:
    """History is dated back from the start of today (UTC), so it is always "the last six months"."""
    return datetime.combine(datetime.now(UTC).date(), time(9, 0), tzinfo=UTC)


async def seed_demo(settings: Settings, runtime: Runtime) -> None:
    async with open_records(runtime) as records:
        existing = {o["name"] for o in await directory.organisations(records)}
        if set(GROUPS) <= existing:
            log.info("demo data already present")
            return
        clock = SimulatedClock()
        records.clock = clock
        driver = Driver(records, clock)
        today = anchor_day()
        groups = await seed_groups(driver, today - timedelta(days=185))
        await seed_actions(driver, groups, today)
        await seed_incidents(driver, groups, today)
        await seed_audits(driver, groups, today)
        await seed_complaints(driver, groups, today)
        await seed_external_viewers(driver, groups, today - timedelta(days=185), today)
        await seed_subscriptions(driver, groups, today)
        log.info(
            "demo data seeded",
            groups=[g.name for g in groups],
            homes=sum(len(g.homes) for g in groups),
        )
