"""Borrowing a raw asyncpg connection from a SQLAlchemy engine, bound to one tenant per transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.schema import TENANT_SETTING


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """The pooled asyncpg connection under SQLAlchemy: the hot path skips SQL compilation."""
    async with engine.connect() as conn:
        fairy = await conn.get_raw_connection()
        yield fairy.driver_connection


@asynccontextmanager
async def tenant_transaction(engine: AsyncEngine, tenant_id: UUID) -> AsyncIterator[Any]:
    """A transaction whose row-level security sees only `tenant_id` (set_config(..., true):
    local to the transaction, so nothing leaks to the next user of a pooled connection)."""
    async with raw_connection(engine) as conn, conn.transaction():
        await conn.execute("SELECT set_config($1, $2, true)", TENANT_SETTING, str(tenant_id))
        yield conn
