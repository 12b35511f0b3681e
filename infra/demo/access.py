"""The demo's external viewers: a local authority per area, each granted some (not all) of
both groups' homes there, and a CQC inspector with a grant that ends in two weeks."""

from __future__ import annotations

from datetime import datetime, timedelta

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import BRADFORD, LEEDS, DemoGroup
from services.access.controller import API as GRANTS_API
from services.access.organisations import add_external_user, create_external_organisation

COUNCILS = {
    LEEDS: ("Leeds City Council", "quality.officer@leeds.gov.example", "Ruth Ellison"),
    BRADFORD: (
        "City of Bradford Council",
        "quality.officer@bradford.gov.example",
        "Imran Siddiqui",
    ),
}
#: Homes each council commissions from, by name; the groups' other homes are not granted.
COMMISSIONED = {
    LEEDS: ("Meadowbank House", "Rosewood Lodge", "Kirkstall Court"),
    BRADFORD: ("Holly Bank", "Saltaire View", "Shipley Gardens"),
}
REGULATOR = ("Care Quality Commission", "inspector@cqc.example", "Joanna Pryce")
INSPECTED = "Roundhay Grange"


async def seed_external_viewers(
    driver: Driver, groups: list[DemoGroup], start: datetime, today: datetime
) -> None:
    homes = {home.name: (group, home) for group in groups for home in group.homes}
    for area, (name, email, officer) in COUNCILS.items():
        council = await create_external_organisation(
            driver.records, "local_authority", name, demo_id("organisation", name)
        )
        await add_external_user(
            driver.records, council, officer, email, demo_id("user", name, "officer")
        )
        for home_name in COMMISSIONED[area]:
            group, home = homes[home_name]
            body = {
                "location_id": str(home.id),
                "organisation_id": str(council),
                "purpose": "Quality monitoring of commissioned care",
            }
            await driver.create(
                GRANTS_API, group.admin, demo_id("grant", name, home_name), body, start
            )
    name, email, inspector = REGULATOR
    regulator = await create_external_organisation(
        driver.records, "regulator", name, demo_id("organisation", name)
    )
    await add_external_user(
        driver.records, regulator, inspector, email, demo_id("user", name, "inspector")
    )
    group, home = homes[INSPECTED]
    body = {
        "location_id": str(home.id),
        "organisation_id": str(regulator),
        "purpose": "CQC assessment: responsive and well-led",
        "from": (today - timedelta(days=1)).isoformat(),
        "until": (today + timedelta(days=14)).isoformat(),
    }
    await driver.create(GRANTS_API, group.admin, demo_id("grant", name, INSPECTED), body)
