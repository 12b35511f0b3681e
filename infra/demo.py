"""Demo data for `caretrail up --demo`."""

from __future__ import annotations

import structlog

from infra.embedded import Runtime
from infra.settings import Settings

log = structlog.get_logger()


async def seed_demo(settings: Settings, runtime: Runtime) -> None:
    log.info("demo data: the care-governance records arrive with the records issue; nothing seeded")
