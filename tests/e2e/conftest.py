"""HTTP fixtures: the real app served by uvicorn on a free port, and provider groups to call it as."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import pytest_asyncio
import uvicorn

from infra.app import create_app
from infra.database import DatabaseUrls, asyncpg_dsn, open_database
from infra.embedded import Runtime
from services.http.principal import mint_token
from services.kernel.handling import Records
from tests.conftest import MigratedDatabase


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    runtime: Runtime
    database: MigratedDatabase


@pytest.fixture(scope="session")
def live_api(database: MigratedDatabase) -> Iterator[LiveApi]:
    runtime = Runtime(
        DatabaseUrls(database.owner, database.app),
        database.kek,
        secrets.token_urlsafe(32),
        trail_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    app = create_app(database.settings.with_(log_level="WARNING"), runtime)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    yield LiveApi(f"http://127.0.0.1:{port}", runtime, database)
    server.should_exit = True
    thread.join(timeout=10)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def http(live_api: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_api.base_url + "/api/v1", timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def records(live_api: LiveApi) -> AsyncIterator[Records]:
    """The command path on its own pool: for setting up groups without HTTP."""
    from infra.records import build_records

    pool = await open_database(live_api.database.app, pool_size=5)
    yield build_records(pool, live_api.runtime)
    await pool.close()


@dataclass
class Group:
    """A provider group with two homes and a user of each role (manager and staff at home 0)."""

    tenant_id: UUID
    homes: list[UUID]
    users: dict[str, UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str = "group_admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


async def make_group(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi, name: str
) -> Group:
    from services.organisations.directory import create_provider_group

    suffix = secrets.token_hex(3)
    created = await create_provider_group(
        records, f"{name} {suffix}", f"admin-{suffix}@example.org", "Ada Admin"
    )
    key = live_api.runtime.signing_key
    group = Group(tenant_id=created.tenant_id, homes=[])
    group.users["group_admin"] = created.admin_user_id
    group.tokens["group_admin"] = mint_token(
        key,
        user_id=created.admin_user_id,
        organisation_id=created.tenant_id,
        organisation_kind="provider",
        roles=["group_admin"],
        location_ids=[],
    )
    for index, home in enumerate(("Oak House", "Willow Court")):
        body = {
            "name": home,
            "service_type": "residential" if index == 0 else "nursing",
            "local_authority": "E08000025",
            "cqc_location_id": f"1-{100000 + index}",
        }
        response = await http.post("/locations", json=body, headers=group.auth())
        assert response.status_code == 201, response.text
        group.homes.append(UUID(response.json()["id"]))
    for role, homes in (
        ("quality_lead", []),
        ("home_manager", [group.homes[0]]),
        ("staff", [group.homes[0]]),
    ):
        body = {
            "name": f"{role} {suffix}",
            "email": f"{role}-{suffix}@example.org",
            "roles": [role],
            "location_ids": [str(h) for h in homes],
        }
        response = await http.post("/users", json=body, headers=group.auth())
        assert response.status_code == 201, response.text
        user_id = UUID(response.json()["id"])
        group.users[role] = user_id
        group.tokens[role] = mint_token(
            key,
            user_id=user_id,
            organisation_id=group.tenant_id,
            organisation_kind="provider",
            roles=[role],
            location_ids=homes,
        )
    return group


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def group(http: httpx.AsyncClient, records: Records, live_api: LiveApi) -> Group:
    """Tenant A, shared by the session's tests (each test creates its own records in it)."""
    return await make_group(http, records, live_api, "Sunrise Care")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def other_group(http: httpx.AsyncClient, records: Records, live_api: LiveApi) -> Group:
    """Tenant B: must never be visible to tenant A."""
    return await make_group(http, records, live_api, "Harbour Homes")


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_group(http: httpx.AsyncClient, records: Records, live_api: LiveApi) -> Group:
    """A provider group of this test's own, for counting its events exactly."""
    return await make_group(http, records, live_api, "Fresh Group")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo_seeded(live_api: LiveApi, records: Records) -> LiveApi:
    """The demo data (infra/demo), seeded once into the test database for the session."""
    from infra.demo import seed_demo

    await seed_demo(live_api.database.settings, live_api.runtime)
    return live_api


def demo_auth(
    live_api: LiveApi, group: str, user: UUID, roles: list[str], homes: list[UUID] | None = None
) -> dict[str, str]:
    """Bearer headers for a demo user of the demo provider group called `group`."""
    from infra.demo.driver import demo_id

    minted = mint_token(
        live_api.runtime.signing_key,
        user_id=user,
        organisation_id=demo_id("group", group),
        organisation_kind="provider",
        roles=roles,
        location_ids=homes or [],
    )
    return {"Authorization": f"Bearer {minted}"}


async def event_count(database: MigratedDatabase, tenant_id: UUID) -> int:
    """How many events the tenant has (as superuser: independent of the app's own reads)."""
    conn = await asyncpg.connect(asyncpg_dsn(database.superuser))
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", tenant_id)
        )
    finally:
        await conn.close()


@pytest.fixture
def count_events(live_api: LiveApi) -> Any:
    async def count(tenant_id: UUID) -> int:
        return await event_count(live_api.database, tenant_id)

    return count


@pytest.fixture(scope="session")
def rabbitmq_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private RabbitMQ node (Debian's rabbitmq-server, which .ci/run installs) started for
    the session on free ports; its amqp:// URL. Fails, never skips, when the server is missing."""
    from tests.e2e.live_processes import rabbitmq_server

    with rabbitmq_server(tmp_path_factory.mktemp("rabbitmq")) as url:
        yield url


@pytest.fixture
def live_workers(live_api: LiveApi, tmp_path: Path) -> Iterator[Any]:
    """Start real `caretrail` processes against the test database (stopped after the test):
    `live_workers(broker_url=None, roles=("worker", "scheduler"), env={...})` returns a
    tests.e2e.live_processes.LiveProcesses (per-role JSON logs, `wait_for_log`, `api_url` when
    "api" is a role). broker_url None = the default postgresql:// broker (the test database);
    pass `rabbitmq_url` for RabbitMQ. `env` sets CARETRAIL_* settings of the processes."""
    from tests.e2e.live_processes import running

    with contextlib.ExitStack() as stack:

        def start(
            broker_url: str | None = None,
            roles: tuple[str, ...] = ("worker", "scheduler"),
            env: dict[str, str] | None = None,
        ) -> Any:
            folder = Path(tempfile.mkdtemp(prefix="processes-", dir=tmp_path))
            return stack.enter_context(
                running(live_api.database, live_api.runtime, folder, roles, broker_url, env or {})
            )

        yield start


_ = asyncio
