"""Where the event store gets its connections: its own asyncpg pool, bound to one tenant per
transaction.

An append runs one statement, with no other round trip: on a connection the store keeps for its
appends while they keep coming (eventstore/held.py), or (personal data, ANY_VERSION) on one it
borrows and gives back.
`raw_connection` and `tenant_transaction` accept an `asyncpg.Pool` or (for callers that hold
one) a SQLAlchemy `AsyncEngine`, whose pooled asyncpg connection is borrowed instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

import asyncpg

from eventstore.schema import TENANT_SETTING

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
    transaction (set_config(..., true)) and the store keeps no session state, so asyncpg's
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


#: Set for the length of a request whose caller may not read a whole tenant (an external
#: viewer, services/access/binding.py): given the tenant a transaction is for, the
#: (setting, value) to bind instead of it, or None to bind the tenant as usual.
ReadBinding = Callable[[UUID], "tuple[str, str] | None"]
read_binding: ContextVar[ReadBinding | None] = ContextVar("read_binding", default=None)


@asynccontextmanager
async def tenant_transaction(source: ConnectionSource, tenant_id: UUID) -> AsyncIterator[Any]:
    """A transaction whose row-level security sees only `tenant_id` (set_config(..., true):
    local to the transaction, so nothing leaks to the next user of a pooled connection), or
    only what the request's `read_binding` lets it see of that tenant."""
    narrowed = read_binding.get()
    setting, value = (narrowed(tenant_id) if narrowed else None) or (
        TENANT_SETTING,
        str(tenant_id),
    )
    async with borrower(source)() as conn, conn.transaction():
        await conn.execute("SELECT set_config($1, $2, true)", setting, value)
        yield conn
