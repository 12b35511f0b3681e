"""Shared fixtures: one migrated database per test session, reached as owner and as the app."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore import EventStore, Keyring, Upcasters
from infra import migrate
from infra.database import bootstrap, create_engine, open_database
from infra.settings import Settings
from tests.postgres import superuser_url


@dataclass(frozen=True)
class MigratedDatabase:
    superuser: str  # superuser on the test database: for tampering and pg_dump
    owner: str
    app: str
    kek: str
    settings: Settings


@pytest.fixture(scope="session")
def database() -> Iterator[MigratedDatabase]:
    import asyncio

    with superuser_url() as server_url:
        name = f"caretrail_test_{secrets.token_hex(4)}"
        settings = Settings(database_name=name, kek=base64.b64encode(os.urandom(32)).decode())
        urls = asyncio.run(
            bootstrap(server_url, settings, secrets.token_urlsafe(16), secrets.token_urlsafe(16))
        )
        asyncio.run(migrate.upgrade(urls.owner, settings.app_role))
        superuser = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        assert settings.kek is not None
        yield MigratedDatabase(superuser, urls.owner, urls.app, settings.kek, settings)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app_engine(database: MigratedDatabase) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database.app, pool_size=20)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app_pool(database: MigratedDatabase) -> AsyncIterator[asyncpg.Pool]:
    """The event store's own asyncpg pool, as the application role (what the app runs on)."""
    pool = await open_database(database.app, pool_size=20)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def upcasters() -> Upcasters:
    return Upcasters()


@pytest.fixture(scope="session")
def store(app_pool: asyncpg.Pool, database: MigratedDatabase, upcasters: Upcasters) -> EventStore:
    return EventStore(app_pool, Keyring.from_base64(database.kek), upcasters)


@pytest.fixture
def tenant() -> UUID:
    """A fresh tenant per test: events are immutable, so tests isolate by tenant, not by cleanup."""
    return uuid4()


#: Fixtures that start processes of their own (workers, scheduler, a RabbitMQ node).
LIVE_PROCESS_FIXTURES = frozenset({"live_workers", "rabbitmq_url", "broker_url"})


def run_order(item: pytest.Item) -> int:
    """Unit tests first, then integration (real PostgreSQL), then HTTP against the in-process
    API, then the tests that run other processes (workers, RabbitMQ, the CLI), slowest last."""
    path = str(item.path)
    fixtures = set(getattr(item, "fixturenames", ()))
    if f"{os.sep}unit{os.sep}" in path:
        return 0
    if f"{os.sep}integration{os.sep}" in path:
        return 1
    if fixtures & LIVE_PROCESS_FIXTURES or _needs_rabbitmq(item) or item.path.name == "test_cli.py":
        return 3
    return 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the run (run_order: stable within each group), and a session that will need
    RabbitMQ starts installing it now (when missing, as root on Debian), so the install
    overlaps the tests that run before the first RabbitMQ one."""
    items.sort(key=run_order)
    if any(_needs_rabbitmq(item) for item in items):
        from tests.e2e.live_processes import start_rabbitmq_install

        start_rabbitmq_install()


def _needs_rabbitmq(item: pytest.Item) -> bool:
    """Asks for `rabbitmq_url` directly, or through a `broker_url` parametrized as "amqp"."""
    if "rabbitmq_url" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "amqp" in callspec.params.values()
