"""Real local receivers for alert delivery tests: an HTTP server that verifies Standard Webhooks
signatures with the reference library, and an SMTP server (aiosmtpd) that keeps what it gets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    verified: bool
    payload: Any
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    """Answers 500 to the first `fail_first` requests, sleeps `delay` seconds before answering
    (to hold a sender mid-delivery), and otherwise 204. Every request is kept, verified or not."""

    secret: str | None = None
    fail_first: int = 0
    delay: float = 0.0
    url: str = ""
    received: list[Received] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        self.started.set()
        verified, payload = False, None
        if self.secret is not None:
            with suppress(WebhookVerificationError):
                payload, verified = Webhook(self.secret).verify(body, headers), True
        with self._lock:
            self.received.append(
                Received(headers.get("webhook-id", ""), verified, payload, headers)
            )
            failing = len(self.received) <= self.fail_first
        if self.delay:
            time.sleep(self.delay)
        return 500 if failing else 204

    def ids(self) -> set[str]:
        return {r.webhook_id for r in self.received}

    def wait_for(self, condition: Callable[[WebhookReceiver], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver never saw that; it got {self.received!r}")
            time.sleep(0.05)


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = receiver.handle(body, {k.lower(): v for k, v in self.headers.items()})
            try:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender went away (killed) while we held the request

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/caretrail"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class MailSink:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(login: tuple[str, str] | None = None) -> Iterator[MailSink]:
    """An SMTP server on a free loopback port; with `login`, it refuses mail without that
    user and password (AUTH over plain text: a test server, no TLS)."""
    import socket

    from aiosmtpd.smtp import AuthResult, LoginPassword

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink("127.0.0.1", port)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and login is not None
        ok = ok and (data.login.decode(), data.password.decode()) == login
        return AuthResult(success=ok, handled=False)

    options: dict[str, Any] = {}
    if login is not None:
        options = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
