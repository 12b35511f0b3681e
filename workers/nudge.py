"""The nudge: after a write commits, the API asks the workers to catch that tenant's projections
up (a `catch_up_tenant` message carrying the tenant id), so views follow writes within moments.
The API calls it through a port (services/http/after_write.py) that infra/app.py fills.

Sending must never fail or slow a write: `Nudger` only records the tenant in a set and a daemon
thread sends, one message per tenant however many writes arrived meanwhile. If the broker is
down the send is logged and dropped; the scheduler's periodic sweep catches the tenant up later
(a lost nudge only delays).

At most one nudge per tenant waits in the queue, on any broker: before sending, the thread
claims the tenant's row for its broker in `dramatiq.pending_nudges` (one statement per batch of
tenants), and sends only for those it could claim; `catch_up_tenant` deletes the tenant's rows
as it starts, so a write during a catch-up is nudged again. (Rows are per broker, as queues are:
a message waiting on one broker says nothing about another.) A claim older than PENDING_LOST_AFTER_SECONDS counts as a
lost message and is taken again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from typing import Any
from uuid import UUID

import dramatiq
import psycopg
import structlog

log = structlog.get_logger()

#: A nudge claimed this long ago and still not taken by a worker is taken as lost.
PENDING_LOST_AFTER_SECONDS = 30.0
#: The tenants of a batch that had no nudge waiting (or only a lost one), now claimed.
CLAIM_SQL = """
INSERT INTO dramatiq.pending_nudges (broker, tenant_id) SELECT %s, unnest(%s::uuid[])
ON CONFLICT (broker, tenant_id) DO UPDATE SET sent_at = now()
 WHERE dramatiq.pending_nudges.sent_at < now() - make_interval(secs => %s)
RETURNING tenant_id"""
#: Run by catch_up_tenant as it starts: the next write may nudge again.
RELEASE_SQL = "DELETE FROM dramatiq.pending_nudges WHERE tenant_id = $1"

Claim = Callable[[Collection[UUID]], Collection[UUID]]


class Nudger:
    """Sends `send(tenant_id)` from its own thread for each tenant nudged; never blocks callers."""

    def __init__(
        self,
        send: Callable[[UUID], object],
        on_close: Callable[[], object] | None = None,
        claim: Claim | None = None,
    ) -> None:
        self._send = send
        self._on_close = on_close
        self._claim = claim
        self._pending: set[UUID] = set()
        self._sending = False
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="caretrail-nudger", daemon=True)
        self._thread.start()

    def __call__(self, tenant_id: UUID) -> None:
        with self._wake:
            self._pending.add(tenant_id)
            self._wake.notify_all()

    def wait_sent(self, timeout: float = 5.0) -> bool:
        """Wait until every tenant nudged so far has been sent (or dropped); False on timeout."""
        with self._wake:
            return self._wake.wait_for(lambda: not self._pending and not self._sending, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is pending (within `timeout`), stop the thread, then call `on_close`."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self._thread.join(timeout)
        if self._on_close is not None:
            self._on_close()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                if not self._pending:
                    return
                batch, self._pending, self._sending = self._pending, set(), True
            try:
                self._send_batch(batch)
            finally:
                with self._wake:
                    self._sending = False
                    self._wake.notify_all()

    def _send_batch(self, batch: set[UUID]) -> None:
        for tenant_id in self._claimed(batch):
            try:
                self._send(tenant_id)
            except Exception as exc:  # the sweep catches the tenant up later
                log.warning("nudge not sent", tenant_id=str(tenant_id), error=repr(exc))

    def _claimed(self, batch: set[UUID]) -> Collection[UUID]:
        if self._claim is None:
            return batch
        try:
            return self._claim(batch)
        except Exception as exc:  # better a nudge too many than a write's views left behind
            log.warning("nudges not claimed, sent anyway", error=repr(exc))
            return batch


class PendingNudges:
    """The claim a Nudger makes before sending, on its own connection (opened on first use in
    the nudger's thread, opened again after a failure) as the application role."""

    def __init__(self, database_url: str, broker: str) -> None:
        self._url = database_url
        self._broker = broker
        self._conn: Any = None

    def __call__(self, tenants: Collection[UUID]) -> Collection[UUID]:
        try:
            if self._conn is None:
                self._conn = psycopg.connect(self._url, autocommit=True)
            rows = self._conn.execute(
                CLAIM_SQL, (self._broker, list(tenants), PENDING_LOST_AFTER_SECONDS)
            ).fetchall()
        except psycopg.Error:
            self.close()
            raise
        return {UUID(str(row[0])) for row in rows}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def catch_up_nudger(broker: dramatiq.Broker, database_url: str, broker_name: str) -> Nudger:
    """A Nudger sending `catch_up_tenant` on `broker` (called `broker_name` in the claims: its
    URL without credentials), at most one waiting per tenant (claimed in the application
    database at `database_url`); the API's composition root fills the nudge port with it.
    `close()` sends what is pending, then closes that broker (not whichever is global by then)
    and the claim's connection."""
    from workers.projections import catch_up_tenant

    pending = PendingNudges(database_url, broker_name)

    def closed() -> None:
        broker.close()
        pending.close()

    return Nudger(
        lambda tenant_id: broker.enqueue(catch_up_tenant.message(str(tenant_id))), closed, pending
    )
