"""One external-viewer scope per HTTP request, and the access log written before a response
that disclosed a provider's data starts (a read that cannot be logged is answered 503)."""

from __future__ import annotations

import msgspec
import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from services.access.access_log import record_reads
from services.access.binding import request_scope

log = structlog.get_logger()

_UNLOGGED = msgspec.json.encode(
    {
        "type": "about:blank",
        "status": 503,
        "title": "Service unavailable",
        "detail": "this read could not be recorded in the access log, so it was not served",
    }
)


def external_viewers(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        with request_scope() as slot:
            refused = False

            async def send_logged(message: Message) -> None:
                nonlocal refused
                if refused:
                    return
                if (
                    message["type"] == "http.response.start"
                    and slot.disclosed
                    and 200 <= message["status"] < 300
                ):
                    try:
                        store = scope["app"].state.records.store
                        await record_reads(store, slot, str(scope.get("method")), scope["path"])
                    except Exception:
                        log.exception("external read not recorded: refused")
                        refused = True
                        await _refuse(send)
                        return
                await send(message)

            await app(scope, receive, send_logged)

    return middleware


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(_UNLOGGED)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _UNLOGGED, "more_body": False})
