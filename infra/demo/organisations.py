"""The demo's provider groups, homes, users and people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from infra.demo.driver import Driver, demo_id
from services.api_keys import decide as api_keys
from services.http.principal import Principal
from services.identities.controller import API as IDENTITY_LINKS_API
from services.kernel.handling import Caller
from services.organisations import directory
from services.organisations.controller import LOCATIONS_API, PEOPLE_API, REGIONS_API, USERS_API

LEEDS, BRADFORD = "E08000035", "E08000032"

GROUPS = {
    "Meadowbank Care Group": (
        "meadowbank.example",
        [
            ("Meadowbank House", "residential", LEEDS),
            ("Rosewood Lodge", "nursing", LEEDS),
            ("Aire Valley Homecare", "homecare", LEEDS),
            ("Holly Bank", "residential", BRADFORD),
            ("Saltaire View", "nursing", BRADFORD),
            ("Brook Lane Supported Living", "supported_living", BRADFORD),
        ],
    ),
    "Northern Lights Homes": (
        "northernlights.example",
        [
            ("Kirkstall Court", "residential", LEEDS),
            ("Roundhay Grange", "nursing", LEEDS),
            ("Shipley Gardens", "residential", BRADFORD),
            ("Ilkley Moor Care", "homecare", BRADFORD),
        ],
    ),
}

FIRST = [
    "Amelia",
    "Oliver",
    "Priya",
    "George",
    "Fatima",
    "Harry",
    "Grace",
    "Mohammed",
    "Chloe",
    "Jack",
    "Sofia",
    "Thomas",
    "Aisha",
    "William",
    "Ella",
    "Daniel",
    "Zara",
    "Samuel",
]
LAST = [
    "Hughes",
    "Khan",
    "Walker",
    "Patel",
    "Robinson",
    "Wood",
    "Thompson",
    "Ali",
    "Wright",
    "Shaw",
    "Green",
    "Begum",
    "Clarke",
    "Hall",
    "Jackson",
    "Lee",
    "Turner",
    "Hussain",
]


@dataclass
class Home:
    id: UUID
    name: str
    manager: Principal
    staff: list[Principal]
    residents: list[UUID] = field(default_factory=list)
    relatives: list[UUID] = field(default_factory=list)


@dataclass
class DemoGroup:
    tenant_id: UUID
    name: str
    admin: Principal
    quality_lead: Principal
    homes: list[Home]


def principal(
    user_id: UUID, tenant_id: UUID, roles: tuple[str, ...], homes: tuple[UUID, ...] = ()
) -> Principal:
    return Principal(
        user_id=user_id,
        organisation_id=tenant_id,
        organisation_kind="provider",
        roles=roles,
        location_ids=homes,
    )


async def seed_groups(driver: Driver, start: datetime) -> list[DemoGroup]:
    groups, counter = [], 0
    for name, (domain, homes) in GROUPS.items():
        tenant_id, admin_id = demo_id("group", name), demo_id("user", name, "admin")
        await directory.create_provider_group(
            driver.records,
            name,
            f"admin@{domain}",
            "Helen Ashworth" if counter == 0 else "Marcus Boyd",
            tenant_id=tenant_id,
            admin_user_id=admin_id,
        )
        admin = principal(admin_id, tenant_id, ("group_admin",))
        lead_id = demo_id("user", name, "quality-lead")
        await driver.create(
            USERS_API,
            admin,
            lead_id,
            {
                "name": _person_name(counter),
                "email": f"quality@{domain}",
                "roles": ["quality_lead"],
            },
            start,
        )
        # Her OpenID Connect login (services/identities/): how a real sign-in maps here.
        await driver.create(
            IDENTITY_LINKS_API,
            admin,
            demo_id("login", name, "quality-lead"),
            {"user_id": str(lead_id), "issuer": f"https://login.{domain}", "subject": "ql-0001"},
            start,
        )
        # A read-only key for the group's BI dashboard (the key itself is discarded: shown once).
        _plaintext, issue = api_keys.new_key(tenant_id, "BI dashboard", "read")
        await driver.records.execute(
            Caller(tenant_id, admin_id, tenant_id), api_keys.API_KEYS, issue.key_id, issue,
            creating=True,
        )  # fmt: skip
        counter += 1
        group = DemoGroup(
            tenant_id, name, admin, principal(lead_id, tenant_id, ("quality_lead",)), []
        )
        for area, region in ((LEEDS, "Leeds"), (BRADFORD, "Bradford")):
            await driver.create(
                REGIONS_API, admin, demo_id("region", name, area), {"name": region}, start
            )
        for index, (home_name, service_type, area) in enumerate(homes):
            group.homes.append(
                await _seed_home(driver, group, domain, index, home_name, service_type, area, start)
            )
            counter += 3
        groups.append(group)
    return groups


async def _seed_home(
    driver: Driver,
    group: DemoGroup,
    domain: str,
    index: int,
    name: str,
    service_type: str,
    area: str,
    start: datetime,
) -> Home:
    home_id = demo_id("home", group.name, name)
    await driver.create(
        LOCATIONS_API,
        group.admin,
        home_id,
        {
            "name": name,
            "service_type": service_type,
            "local_authority": area,
            "region_id": str(demo_id("region", group.name, area)),
            "cqc_location_id": f"1-{abs(hash_number(name)) % 10**9:09d}",
        },
        start,
    )
    slug = name.lower().split()[0]
    people: list[Principal] = []
    for role, label in (("home_manager", "manager"), ("staff", "senior"), ("staff", "carer")):
        user_id = demo_id("user", group.name, name, label)
        n = hash_number(f"{name}{label}")
        await driver.create(
            USERS_API,
            group.admin,
            user_id,
            {
                "name": f"{FIRST[n % len(FIRST)]} {LAST[(n // 7) % len(LAST)]}",
                "email": f"{label}.{slug}@{domain}",
                "roles": [role],
                "location_ids": [str(home_id)],
            },
            start,
        )
        people.append(principal(user_id, group.tenant_id, (role,), (home_id,)))
    await driver.command(
        LOCATIONS_API,
        "assign-manager",
        group.admin,
        home_id,
        {"user_id": str(people[0].user_id)},
        start,
    )
    home = Home(home_id, name, people[0], people[1:])
    for r in range(4):
        resident = demo_id("person", home_id, "resident", r)
        n = hash_number(f"{name}-resident-{r}")
        await driver.create(
            PEOPLE_API,
            home.manager,
            resident,
            {
                "kind": "resident",
                "name": f"{FIRST[n % len(FIRST)]} {LAST[(n // 5) % len(LAST)]}",
                "date_of_birth": f"19{30 + n % 25}-0{1 + n % 9}-1{n % 9}",
                "location_id": str(home_id),
            },
            start + timedelta(days=r),
        )
        home.residents.append(resident)
    relative = demo_id("person", home_id, "relative")
    await driver.create(
        PEOPLE_API,
        home.manager,
        relative,
        {
            "kind": "relative",
            "name": f"{FIRST[(index + 3) % len(FIRST)]} {LAST[(index + 11) % len(LAST)]}",
            "contact": f"07700 900{100 + index:03d}",
            "location_id": str(home_id),
        },
        start,
    )
    home.relatives.append(relative)
    return home


def _person_name(n: int) -> str:
    return f"{FIRST[(n * 5 + 2) % len(FIRST)]} {LAST[(n * 3 + 4) % len(LAST)]}"


def hash_number(text: str) -> int:
    """A stable number from text (Python's hash() is salted per process)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big")
