"""Request context: a request id on every log line and response, bound with structlog."""

from __future__ import annotations

import re
import uuid

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = structlog.get_logger()


def request_context(app: ASGIApp) -> ASGIApp:
    """Bind `request_id` (the caller's X-Request-Id when sane, else a new one) for the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info("request", method=scope.get("method"), path=scope["path"], status=status)
            structlog.contextvars.clear_contextvars()

    return middleware
