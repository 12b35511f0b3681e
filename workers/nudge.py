"""The nudge: after a write commits, the API asks the workers to catch that tenant's projections
up (a `catch_up_tenant` message carrying the tenant id), so views follow writes within moments.
The API calls it through a port (services/http/after_write.py) that infra/app.py fills.

Sending must never fail or slow a write: `Nudger` only records the tenant in a set and a daemon
thread sends, one message per tenant however many writes arrived meanwhile. If the broker is
down the send is logged and dropped; the scheduler's periodic sweep catches the tenant up later
(a lost nudge only delays).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import UUID

import dramatiq
import structlog

log = structlog.get_logger()


class Nudger:
    """Sends `send(tenant_id)` from its own thread for each tenant nudged; never blocks callers."""

    def __init__(
        self, send: Callable[[UUID], object], on_close: Callable[[], object] | None = None
    ) -> None:
        self._send = send
        self._on_close = on_close
        self._pending: set[UUID] = set()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="caretrail-nudger", daemon=True)
        self._thread.start()

    def __call__(self, tenant_id: UUID) -> None:
        with self._wake:
            self._pending.add(tenant_id)
            self._wake.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Send what is pending (within `timeout`), stop the thread, then call `on_close`."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
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
                batch, self._pending = self._pending, set()
            for tenant_id in batch:
                try:
                    self._send(tenant_id)
                except Exception as exc:  # the sweep catches the tenant up later
                    log.warning("nudge not sent", tenant_id=str(tenant_id), error=repr(exc))


def catch_up_nudger(broker: dramatiq.Broker) -> Nudger:
    """A Nudger sending `catch_up_tenant` on `broker` (the API's composition root fills the
    nudge port with it); `close()` sends what is pending, then closes that broker (not
    whichever is global by then)."""
    from workers.projections import catch_up_tenant

    return Nudger(
        lambda tenant_id: broker.enqueue(catch_up_tenant.message(str(tenant_id))), broker.close
    )
