"""The nudge: after a write commits, the API asks the workers to catch that tenant's projections
up (a `catch_up_tenant` message carrying the tenant id), so views follow writes within moments.

Sending must never fail or slow a write: `Nudger` only records the tenant in a set and a daemon
thread sends, one message per tenant however many writes arrived meanwhile. If the broker is
down the send is logged and dropped; the scheduler's periodic sweep catches the tenant up later
(a lost nudge only delays).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import UUID

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infra.embedded import Runtime
from infra.settings import Settings
from workers import broker as worker_broker

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


def start_nudging(settings: Settings, runtime: Runtime) -> Nudger:
    """Configure the broker and start a Nudger sending `catch_up_tenant` on it; stop it with
    `stop_nudging` (the API's lifespan does both)."""
    broker = worker_broker.configure(settings, runtime)
    from workers.projections import catch_up_tenant

    return Nudger(
        lambda tenant_id: broker.enqueue(catch_up_tenant.message(str(tenant_id))), broker.close
    )


def stop_nudging(nudger: Nudger) -> None:
    """Send what is pending, then close the nudger's own broker (not whichever is global now)."""
    nudger.close()


#: Where a write route leaves the tenant it writes for (services/http/records.py: caller_of).
WRITTEN_TENANT = "caretrail_written_tenant"


def nudge_after_writes(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: once a write request has been answered 2xx (and was not an idempotent
    replay, which wrote nothing), nudge the tenant it wrote for (`app.state.nudger`). Runs after
    the response is sent, and the nudge only records the tenant, so the write pays nothing."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await app(scope, receive, send)
            return
        if scope.get("state") is None:
            scope["state"] = {}
        status, replayed = 0, False

        async def watching(message: Message) -> None:
            nonlocal status, replayed
            if message["type"] == "http.response.start":
                status = message["status"]
                replayed = any(k.lower() == b"idempotent-replayed" for k, _ in message["headers"])
            await send(message)

        await app(scope, receive, watching)
        tenant_id = scope["state"].get(WRITTEN_TENANT)
        nudger = getattr(scope["app"].state, "nudger", None)
        if tenant_id is not None and nudger is not None and 200 <= status < 300 and not replayed:
            nudger(tenant_id)

    return middleware
