"""After a write: the port through which the API asks for a tenant's views to catch up. A write
route leaves its tenant in the request's state (WRITTEN_TENANT); once the answer is a 2xx, the
middleware calls `app.state.nudger(tenant_id)`, which the composition root fills (infra/app.py:
a workers.nudge.Nudger sending `catch_up_tenant`). Services never import the workers."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

#: Where a write route leaves the tenant it writes for (records.py: caller_of).
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
