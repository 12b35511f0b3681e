"""Reaching the test database directly as one role, around the event store, to check its rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from eventstore.binding import Binding, bind
from infra.database import asyncpg_dsn


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Any]:
    """A plain asyncpg connection (no pool, nothing set) as whoever `url` names."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        yield conn
    finally:
        await conn.close()


async def bind_tenant(conn: Any, tenant_id: UUID) -> None:
    """Bind `tenant_id` to the current transaction, exactly as the event store does."""
    await bind(conn, Binding.tenant(tenant_id))
