"""Migrations under test: each revision's frozen SQL, fresh databases beside the session's, a
database created at head in one step, and a schema dump to compare."""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import ModuleType

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from infra.database import asyncpg_dsn, bootstrap, sqlalchemy_url
from infra.migrate import MIGRATIONS
from infra.schema import head_sql
from tests.conftest import MigratedDatabase
from tests.postgres import pg_bin

SCRIPTS = ScriptDirectory(str(MIGRATIONS))


def revision(name: str) -> ModuleType:
    """A revision's module (`revision("0012_stream_heads").DOWNGRADE`): the SQL exactly as the
    migration runs it."""
    script = SCRIPTS.get_revision(name)
    assert script is not None, name
    return script.module


def revisions() -> list[str]:
    """Every revision id, from the first to head."""
    return [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]


@dataclass(frozen=True)
class Scratch:
    """A database of its own on the session's server, with the session's roles."""

    name: str
    owner: str
    superuser: str


@asynccontextmanager
async def scratch_database(database: MigratedDatabase) -> AsyncIterator[Scratch]:
    """An empty database made as `caretrail migrate` makes one (bootstrap, with the session's
    own role passwords, so the session's connections keep working), dropped afterwards."""
    name = f"caretrail_scratch_{secrets.token_hex(4)}"
    server = make_url(database.superuser).set(database="postgres")
    owner_password = make_url(database.owner).password
    app_password = make_url(database.app).password
    settings = database.settings.with_(database_name=name)
    urls = await bootstrap(
        server.render_as_string(hide_password=False),
        settings,
        str(owner_password),
        str(app_password),
    )
    superuser = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield Scratch(name, urls.owner, superuser)
    finally:
        import asyncpg

        conn = await asyncpg.connect(asyncpg_dsn(server.render_as_string(hide_password=False)))
        try:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def create_at_head(owner_url: str, app_role: str) -> None:
    """The schema at head in one step (infra/schema.py), stamped at head, in one transaction."""
    engine = create_async_engine(sqlalchemy_url(owner_url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_stamp_head)
            for statement in head_sql(f'"{app_role}"'):
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def _stamp_head(conn: Connection) -> None:
    MigrationContext.configure(conn).stamp(SCRIPTS, "head")


async def current_revision(owner_url: str) -> str | None:
    engine = create_async_engine(sqlalchemy_url(owner_url))
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()


# pg_dump 16.10+ wraps its output in `\restrict KEY` / `\unrestrict KEY`, a random key per run.
_RESTRICT = re.compile(r"^\\(un)?restrict .*$", re.MULTILINE)


def schema_dump(superuser_url: str) -> str:
    """`pg_dump --schema-only` of the database, without what differs between any two runs."""
    dump = subprocess.run(
        [pg_bin("pg_dump"), "--schema-only", "--dbname", superuser_url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return _RESTRICT.sub("", dump)
