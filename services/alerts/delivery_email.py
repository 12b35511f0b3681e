"""Alert e-mail: an immediate mail for one high-severity alert, a daily digest listing a day's
alerts, and sending either over SMTP (stdlib smtplib, in a thread so the event loop runs on)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

from services.alerts.delivery_plan import AlertEvent
from services.kernel.calendar import ENGLAND


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "caretrail@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_seconds: float = 30.0


def _lines(event: AlertEvent, public_url: str) -> list[str]:
    alert = event.alert
    raised = alert.raised_at.astimezone(ENGLAND).strftime("%d %b %Y %H:%M")
    lines = [
        f"{alert.severity.upper()}: {alert.title}",
        f"  kind: {alert.kind}; raised {raised} (occurrence {alert.occurrence})",
    ]
    if alert.detail:
        lines.append(f"  {alert.detail}")
    lines.extend(f"  - {r.collection}: {public_url}{r.url or ''}" for r in alert.records)
    lines.append(f"  alert: {public_url}/api/v1/alerts/{alert.alert_id}")
    return lines


def _message(delivery_id: UUID, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    # The delivery id: a retried send carries the same Message-ID, so mail systems can tell.
    message["Message-ID"] = f"<{delivery_id}@caretrail>"
    message.set_content(body)
    return message


def immediate_mail(
    delivery_id: UUID, sender: str, to: str, event: AlertEvent, public_url: str = ""
) -> EmailMessage:
    alert = event.alert
    subject = f"[caretrail] {alert.severity.upper()} alert: {alert.title}"[:200]
    body = "\n".join([*_lines(event, public_url), "", "Sent by caretrail alert delivery."])
    message = _message(delivery_id, sender, to, subject, body)
    message["Date"] = format_datetime(event.recorded_at)
    return message


def digest_mail(
    delivery_id: UUID,
    sender: str,
    to: str,
    day: date,
    events: Sequence[AlertEvent],
    public_url: str = "",
) -> EmailMessage:
    heading = f"{len(events)} alert{'s' if len(events) != 1 else ''} raised on {day:%d %b %Y}"
    lines = [heading, ""]
    for event in events:
        lines.extend([*_lines(event, public_url), ""])
    lines.append("Sent by caretrail alert delivery (daily digest).")
    return _message(
        delivery_id, sender, to, f"[caretrail] Daily alert digest: {heading}", "\n".join(lines)
    )


def _send_blocking(config: SmtpConfig, message: EmailMessage) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.user:
            smtp.login(config.user, config.password or "")
        smtp.send_message(message)


async def send_mail(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; raises on refusal or timeout (the attempt failed)."""
    await asyncio.to_thread(_send_blocking, config, message)
