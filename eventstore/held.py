"""One pooled connection that the event store keeps for its appends while they keep coming.

Borrowing a connection from an asyncpg pool and giving it back costs about 50 µs of client CPU
per append (a task per release, an inactivity timer re-armed per connection). Appends on this
connection run one at a time (eventstore/group_commit.py sees to that), so one connection is
enough: it is taken from the pool on first use and given back once no append has used it for
`hold_seconds` (one timer per period, not per append), and at once if it may be broken (an
error other than one the server raised, or a cancelled call). The timer also gives it back
between appends when the pool is closing (so `Pool.close()` waits at most `hold_seconds` more)
or has no idle connection left and cannot grow (so readers sharing the pool wait for it at most
`hold_seconds`)."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

import asyncpg

log = logging.getLogger(__name__)


class HeldConnection:
    """`async with held as conn:` one statement's use of the held connection (never nested)."""

    def __init__(self, pool: asyncpg.Pool, hold_seconds: float = 0.1) -> None:
        self._pool = pool
        self._hold = hold_seconds
        self._conn: Any = None
        self._in_use = False
        self._wanted = False
        self._last_used = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._releasing: set[asyncio.Task[None]] = set()
        #: How many times a connection was taken from the pool (tests and the bench read it).
        self.acquired = 0

    async def __aenter__(self) -> Any:
        assert not self._in_use, "the held connection is used by one statement at a time"
        conn = self._conn
        if conn is None or not _usable(conn):
            if conn is not None:
                self._give_back()
            conn = await self._pool.acquire()
            self._conn = conn
            self.acquired += 1
            self._loop = asyncio.get_running_loop()
            self._timer = self._loop.call_later(self._hold, self._check_idle)
        self._in_use = True
        return conn

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._in_use = False
        pool = self._pool
        if (
            self._wanted
            or (kind is not None and not issubclass(kind, asyncpg.PostgresError))
            or pool.is_closing()
        ):
            self._give_back()
        else:
            assert self._loop is not None
            self._last_used = self._loop.time()

    def _check_idle(self) -> None:
        self._timer = None
        if self._conn is None or self._loop is None:
            return
        pool = self._pool
        idle = self._loop.time() - self._last_used
        # Checked here, not per append: get_idle_size() visits every connection of the pool.
        wanted = pool.is_closing() or (
            pool.get_idle_size() == 0 and pool.get_size() >= pool.get_max_size()
        )
        if not self._in_use and (idle >= self._hold or wanted):
            self._give_back()
        elif wanted:
            self._wanted = True  # in use now: given back as soon as its statement ends
        else:
            self._timer = self._loop.call_later(max(self._hold - idle, 0.001), self._check_idle)

    def _give_back(self) -> None:
        """Return the connection to the pool, which resets it (waiting out a cancelled query)
        or, if it is broken, replaces it."""
        conn, self._conn = self._conn, None
        self._wanted = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if conn is None or self._loop is None:
            return
        task = self._loop.create_task(self._release(conn))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(self, conn: Any) -> None:
        try:
            await self._pool.release(conn)
        except Exception as exc:  # the pool terminates a connection it cannot reset
            log.warning("eventstore: releasing the append connection failed: %r", exc)


def _usable(conn: Any) -> bool:
    """Open and still ours: a pool takes back on its own a connection the server closed."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:  # "connection has been released back to the pool"
        return False
