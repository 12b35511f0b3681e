"""Database URLs, role bootstrap and engines: the one place that knows how we reach PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from eventstore.connection import open_pool
from infra.settings import Settings

#: Seconds after which SQLAlchemy replaces a pooled connection (instead of pinging it before
#: every checkout, which costs three round trips each time).
POOL_RECYCLE_SECONDS = 1800


@dataclass(frozen=True, slots=True)
class DatabaseUrls:
    """libpq-style URLs (postgresql://…) for the schema owner and the application role."""

    owner: str
    app: str


def sqlalchemy_url(url: str) -> str:
    """The same URL for SQLAlchemy's asyncpg dialect."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The same URL without a SQLAlchemy driver suffix, for asyncpg.connect."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def with_credentials(url: str, user: str, password: str | None, database: str | None = None) -> str:
    parsed = make_url(url).set(username=user, password=password)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """A SQLAlchemy engine, for what is not the event store's hot path (the /ready check,
    migrations). No pre-ping: connections are recycled after a while instead."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=POOL_RECYCLE_SECONDS,
    )


async def open_database(url: str, pool_size: int = 10, min_size: int = 0) -> asyncpg.Pool:
    """The event store's own pool of plain asyncpg connections (up to `pool_size`) for a libpq
    URL. Connections open on first use unless `min_size` says otherwise, so a process can start
    before the database answers (as with SQLAlchemy's engine; /ready reports it meanwhile).
    The caller closes it (`await database.close()`)."""
    return await open_pool(asyncpg_dsn(url), min_size=min_size, max_size=pool_size)


async def bootstrap(
    admin_url: str, settings: Settings, owner_password: str, app_password: str
) -> DatabaseUrls:
    """As a superuser: create the owner and application roles and the database, and take
    every default privilege away from PUBLIC. Safe to run again."""
    owner, app, name = settings.owner_role, settings.app_role, settings.database_name
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        roles = {r["rolname"] for r in await conn.fetch("SELECT rolname FROM pg_roles")}
        if owner not in roles:
            await conn.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOBYPASSRLS')
        if app not in roles:
            await conn.execute(
                f'CREATE ROLE "{app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
            )
        await conn.execute(f'ALTER ROLE "{app}" NOBYPASSRLS PASSWORD {_literal(app_password)}')
        await conn.execute(f'ALTER ROLE "{owner}" PASSWORD {_literal(owner_password)}')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        await conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{app}"')
    finally:
        await conn.close()
    db_conn = await asyncpg.connect(
        asyncpg_dsn(make_url(admin_url).set(database=name).render_as_string(False))
    )
    try:
        await db_conn.execute(f'ALTER SCHEMA public OWNER TO "{owner}"')
        await db_conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        await db_conn.execute(f'GRANT USAGE ON SCHEMA public TO "{app}"')
    finally:
        await db_conn.close()
    return DatabaseUrls(
        owner=with_credentials(admin_url, owner, owner_password, name),
        app=with_credentials(admin_url, app, app_password, name),
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
