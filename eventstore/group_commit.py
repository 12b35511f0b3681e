"""Group commit: the one-event appends a process makes concurrently go to PostgreSQL together.

Each lease (a connection; EventStore uses one) carries one statement at a time. An append that
finds a lease free and nothing queued sends its own statement at once (`eventstore_append_one`,
in the caller's task: a lone writer waits for nothing and hops to no other task). Appends
arriving while every lease is busy queue; when a statement ends, a task drains the queue on that
lease, up to `max_batch` entries per statement (`eventstore_append_many`, one transaction), until
it is empty. Each statement takes about half of the appends in play (those queued and those just
answered, whose callers append again), so that with many writers two statements alternate: one
runs on the server while the client prepares the other. Each entry is its own append: its refusal
(ConcurrencyError, IdempotencyConflict, StreamTypeMismatch) comes back as its row's status and is
raised to its caller only. If the batch statement raises (a duplicate event id, say), nothing of
it was stored, and each entry is run alone, so each caller gets its own result or error. If the
connection fails, the outcome is unknown, as for any append whose connection fails: each caller
of that batch gets the error. A batch waits for the head lock of each of its tenants, so a
transaction holding one (`append_in` in a caller's transaction) delays the whole batch.

A caller's result is set once its statement has committed. A caller cancelled while its entry
waits in the queue has nothing written. One cancelled after its entry was sent in a batch cannot
take it back: the append commits or not, exactly once (every entry carries its expected version,
so even running it alone after a failed batch cannot write it twice), and the outcome is not
reported; the drain task is never a caller's, so cancelling a caller never interrupts a batch
that carries others. A caller cancelled during its own statement cancels that statement, as
before group commit (the connection then goes back to the pool to be reset)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from eventstore.append_many_sql import APPEND_MANY
from eventstore.appending import APPEND_ONE, refusal, translated
from eventstore.model import AppendResult, EventStoreError, StreamRef

log = logging.getLogger(__name__)

#: Where a statement's connection comes from, one statement at a time.
Lease = Callable[[], AbstractAsyncContextManager[Any]]

# eventstore_append_one's arguments (appending.append_statement) that eventstore_append_many
# takes as arrays, in its parameters' order: everything but personal data and keys.
_MANY_COLUMNS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15)


@dataclass(slots=True)
class Pending:
    """One append: eventstore_append_one's arguments, and where its caller waits (if queued)."""

    stream: StreamRef
    idempotency_key: str | None
    arguments: tuple[Any, ...]
    future: asyncio.Future[AppendResult] | None = None

    @property
    def tenant_id(self) -> Any:
        return self.arguments[0]

    @property
    def expected(self) -> int:
        return int(self.arguments[3])


@dataclass(slots=True)
class GroupStats:
    """What group commit did: `appends` went to the database in `statements` statements, of
    which `batches` carried more than one; `fallbacks` batches raised and were run entry by
    entry."""

    appends: int = 0
    statements: int = 0
    batches: int = 0
    fallbacks: int = 0
    largest: int = 0


class GroupCommit:
    """`leases`: one per statement that may be in flight at once, each where that statement's
    connection comes from."""

    def __init__(self, leases: Sequence[Lease], max_batch: int = 64) -> None:
        self._free = list(leases)
        self._max_batch = max_batch
        self._queue: deque[Pending] = deque()
        self._drainers: set[asyncio.Task[None]] = set()
        self.stats = GroupStats()

    @property
    def queued(self) -> int:
        """Entries waiting for a statement (including any whose caller gave up meanwhile)."""
        return len(self._queue)

    async def append(self, pending: Pending) -> AppendResult:
        self.stats.appends += 1
        if self._free and not self._queue:
            lease = self._free.pop()
            try:
                self.stats.statements += 1
                return await self._alone(lease, pending)
            finally:
                self._hand_on(lease)
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        pending.future = future
        self._queue.append(pending)
        return await future  # cancelled: the future is, and the drain skips the entry

    def _hand_on(self, lease: Lease) -> None:
        """A statement ended: its connection drains what queued meanwhile, or is free."""
        if self._live():
            drainer = asyncio.get_running_loop().create_task(self._drain(lease))
            self._drainers.add(drainer)
            drainer.add_done_callback(self._drainers.discard)
        else:
            self._free.append(lease)

    def _live(self) -> bool:
        queue = self._queue
        while queue and _gone(queue[0]):
            queue.popleft()
        return bool(queue)

    async def _drain(self, lease: Lease) -> None:
        batch: list[Pending] = []
        answered = 1  # the statement that just ended (a caller's own) carried one append
        try:
            while self._live():
                # About half of the appends in play: those queued, and those of the callers
                # just answered, who will append again. So two statements alternate, one on
                # the server while the client prepares the other, where one that carried
                # every append would leave the client and the server waiting on each other.
                limit = min(self._max_batch, (len(self._queue) + answered + 1) // 2)
                batch = []
                while self._queue and len(batch) < limit:
                    pending = self._queue.popleft()
                    if not _gone(pending):
                        batch.append(pending)
                if batch:
                    await self._flush(lease, batch)
                    answered = len(batch)
                batch = []
        except BaseException as exc:  # cancelled (the loop is closing) or a bug: fail them all,
            for pending in [*batch, *self._queue]:  # so that no caller waits for ever
                _settle(pending, exc)
            self._queue.clear()
            raise
        finally:
            self._free.append(lease)

    async def _flush(self, lease: Lease, batch: list[Pending]) -> None:
        self.stats.statements += 1
        if len(batch) == 1:
            await self._alone_settled(lease, batch[0])
            return
        # Stable: each tenant's entries keep their order; every batch locks heads in one order.
        ordered = sorted(batch, key=_tenant_key)
        self.stats.batches += 1
        self.stats.largest = max(self.stats.largest, len(batch))
        columns = list(zip(*(p.arguments for p in ordered), strict=True))
        try:
            async with lease() as conn:
                rows = await conn.fetch(APPEND_MANY, *(columns[c] for c in _MANY_COLUMNS))
        except asyncpg.PostgresError as exc:
            # Rolled back as a whole: nothing of the batch is stored. Each entry alone, in order.
            self.stats.fallbacks += 1
            log.warning(
                "eventstore: a batch of %d appends raised %s; appending each alone",
                len(batch),
                exc.sqlstate,
            )
            for pending in ordered:
                if not _gone(pending):
                    await self._alone_settled(lease, pending)
            return
        except Exception as exc:  # the connection failed mid-statement: outcome unknown
            for pending in batch:
                _settle(pending, exc)
            return
        for pending, row in zip(ordered, rows, strict=True):
            error = row[1]
            if error is None:
                _settle(pending, AppendResult(row[3], row[4], row[5]))
            else:
                _settle(
                    pending,
                    refusal(
                        error, row[2], pending.stream, pending.expected, pending.idempotency_key
                    )
                    or EventStoreError(f"eventstore_append_many: unknown status {error}"),
                )

    async def _alone(self, lease: Lease, pending: Pending) -> AppendResult:
        try:
            async with lease() as conn:
                row = await conn.fetchrow(APPEND_ONE, *pending.arguments)
        except asyncpg.PostgresError as exc:
            error = translated(exc, pending.stream, pending.expected, pending.idempotency_key)
            if error is None:
                raise
            raise error from exc
        return AppendResult(row[0], row[1], row[2])

    async def _alone_settled(self, lease: Lease, pending: Pending) -> None:
        try:
            result = await self._alone(lease, pending)
        except Exception as exc:
            _settle(pending, exc)
        else:
            _settle(pending, result)


def _tenant_key(pending: Pending) -> int:
    """PostgreSQL's order of uuids (byte by byte) is the order of their 128-bit integers."""
    tenant = pending.tenant_id
    return tenant.int if isinstance(tenant, UUID) else UUID(str(tenant)).int


def _gone(pending: Pending) -> bool:
    """Its caller stopped waiting (cancelled) before the entry was sent."""
    return pending.future is not None and pending.future.done()


def _settle(pending: Pending, outcome: AppendResult | BaseException) -> None:
    future = pending.future
    if future is None or future.done():
        return
    if isinstance(outcome, asyncio.CancelledError):
        future.cancel()
    elif isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
