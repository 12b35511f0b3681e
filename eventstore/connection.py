"""Where the event store gets its connections: its own asyncpg pool, bound to one tenant (or one
outside organisation) per transaction.

An append runs one statement, with no other round trip: on a connection the store keeps for its
appends while they keep coming (eventstore/held.py), or (personal data, ANY_VERSION) on one it
borrows and gives back.
`raw_connection`, `bound_transaction` and `tenant_transaction` accept an `asyncpg.Pool` or (for callers that hold
one) a SQLAlchemy `AsyncEngine`, whose pooled asyncpg connection is borrowed instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from eventstore.binding import Binding, bind

#: Anything connections can be borrowed from: an `asyncpg.Pool` (has `acquire()`) or a
#: SQLAlchemy `AsyncEngine` (has `connect()`).
ConnectionSource = Any


def _json_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode()


def _text(value: str) -> str:
    return value


async def init_connection(conn: asyncpg.Connection) -> None:
    """json and jsonb travel as text both ways: callers pass JSON they encoded themselves (str
    or bytes) and read it back as str to decode with msgspec. (This is asyncpg's default too;
    stating it here keeps it true whatever codecs someone else registers.)"""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=_json_text, decoder=_text, format="text"
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: the tenant is bound per
    transaction (SET LOCAL, eventstore/binding.py) and the store keeps no session state, so asyncpg's
    default reset query would only cost a round trip per append. (asyncpg still rolls back a
    connection returned inside a transaction, and terminates one it cannot reset.)"""


async def open_pool(dsn: str, min_size: int = 0, max_size: int = 10) -> asyncpg.Pool:
    """The event store's own asyncpg pool: plain connections, no per-release reset query."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_keep_session,
        max_inactive_connection_lifetime=300,
    )


def borrower(source: ConnectionSource) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """A function that borrows one raw asyncpg connection from `source` per call."""
    if hasattr(source, "acquire"):
        return source.acquire  # type: ignore[no-any-return]
    if hasattr(source, "connect"):
        return lambda: _from_engine(source)
    raise TypeError(f"cannot borrow connections from {type(source).__name__}")


@asynccontextmanager
async def _from_engine(engine: Any) -> AsyncIterator[Any]:
    """The pooled asyncpg connection under a SQLAlchemy AsyncEngine."""
    async with engine.connect() as conn:
        fairy = await conn.get_raw_connection()
        yield fairy.driver_connection


@asynccontextmanager
async def raw_connection(source: ConnectionSource) -> AsyncIterator[Any]:
    """One raw asyncpg connection, borrowed for the block (autocommit unless you open a
    transaction on it)."""
    async with borrower(source)() as conn:
        yield conn


@asynccontextmanager
async def bound_transaction(
    source: ConnectionSource, binding: Binding, **options: Any
) -> AsyncIterator[Any]:
    """A transaction whose row-level security sees what `binding` may (eventstore/binding.py):
    one tenant whole, or an outside organisation's grants. `options` go to
    `Connection.transaction` (isolation, readonly)."""
    async with borrower(source)() as conn, conn.transaction(**options):
        await bind(conn, binding)
        yield conn


def tenant_transaction(
    source: ConnectionSource, tenant_id: UUID, **options: Any
) -> AbstractAsyncContextManager[Any]:
    """`bound_transaction` as the tenant itself: the system's work for it, and its own users'."""
    return bound_transaction(source, Binding.tenant(tenant_id), **options)
