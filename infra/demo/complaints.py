"""The demo's complaints and feedback: most handled in time, one acknowledged late, one still
waiting for its response, one escalated to the Ombudsman; compliments and "you said, we did"."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import DemoGroup, Home
from services.complaints.controller import API as COMPLAINTS_API
from services.feedback.controller import API as FEEDBACK_API

COMPLAINTS = [
    ("email", "Laundry returned to the wrong room three times this month."),
    ("phone", "Visiting hours were changed without telling families."),
    ("letter", "Call bell took too long to be answered at night."),
]
FEEDBACK = [
    ("compliment", "relative", "The staff made Mum's 90th birthday so special - thank you.", None),
    ("suggestion", "resident", "Could we have a vegetable patch in the garden?", None),
    (
        "survey_response",
        "relative",
        "Annual survey: communication with families could be better.",
        3,
    ),
    ("meeting_point", "resident", "Residents' meeting asked for more trips out.", None),
]


async def seed_complaints(driver: Driver, groups: list[DemoGroup], today: datetime) -> None:
    for g, group in enumerate(groups):
        for h, home in enumerate(group.homes):
            for k, (channel, summary) in enumerate(COMPLAINTS[: 1 + (h % 3)]):
                received = today - timedelta(days=160 - 45 * k - 3 * h, hours=2)
                await _complaint(
                    driver, home, demo_id("complaint", home.id, k), channel, summary, received
                )
            await _feedback(driver, home, today, h)
        if g == 0:
            await _late_acknowledgement(driver, group.homes[1], today)
            await _awaiting_response(driver, group.homes[2], today)
            await _escalated(driver, group.homes[5], today)


async def _complaint(
    driver: Driver,
    home: Home,
    complaint_id: UUID,
    channel: str,
    summary: str,
    received: datetime,
    ack_after: timedelta = timedelta(days=1),
) -> None:
    await driver.create(
        COMPLAINTS_API,
        home.manager,
        complaint_id,
        {
            "location_id": str(home.id),
            "received_at": received.isoformat(),
            "channel": channel,
            "summary": summary,
            "complainant_id": str(home.relatives[0]),
        },
        received + timedelta(hours=1),
    )
    acknowledged = received + ack_after
    await driver.command(
        COMPLAINTS_API,
        "acknowledge",
        home.manager,
        complaint_id,
        {"acknowledged_at": acknowledged.isoformat()},
        acknowledged,
    )
    started = acknowledged + timedelta(hours=4)
    await driver.command(
        COMPLAINTS_API,
        "investigate",
        home.manager,
        complaint_id,
        {"investigator_id": str(home.manager.user_id), "started_at": started.isoformat()},
        started,
    )
    responded = received + timedelta(days=14)
    await driver.command(
        COMPLAINTS_API,
        "respond",
        home.manager,
        complaint_id,
        {
            "outcome": "partly_upheld",
            "responded_at": responded.isoformat(),
            "summary": "Apologised; process changed and shared with the team.",
        },
        responded,
    )
    await driver.command(
        COMPLAINTS_API,
        "close",
        home.manager,
        complaint_id,
        {"note": "Complainant satisfied."},
        responded + timedelta(days=2),
    )


async def _late_acknowledgement(driver: Driver, home: Home, today: datetime) -> None:
    """Acknowledged after seven days: the three-working-day target was missed."""
    received = today - timedelta(days=50, hours=3)
    await _complaint(
        driver,
        home,
        demo_id("complaint", home.id, "late"),
        "email",
        "My father's hearing aids have gone missing twice.",
        received,
        timedelta(days=7),
    )


async def _awaiting_response(driver: Driver, home: Home, today: datetime) -> None:
    """Acknowledged in time but still not answered after more than twenty working days."""
    received = today - timedelta(days=40)
    complaint_id = demo_id("complaint", home.id, "unanswered")
    await driver.create(
        COMPLAINTS_API,
        home.manager,
        complaint_id,
        {
            "location_id": str(home.id),
            "received_at": received.isoformat(),
            "channel": "in_person",
            "summary": "Meals are often served cold in the upstairs dining room.",
        },
        received,
    )
    await driver.command(
        COMPLAINTS_API,
        "acknowledge",
        home.manager,
        complaint_id,
        {"acknowledged_at": (received + timedelta(days=1)).isoformat()},
        received + timedelta(days=1),
    )


async def _escalated(driver: Driver, home: Home, today: datetime) -> None:
    received = today - timedelta(days=120)
    complaint_id = demo_id("complaint", home.id, "ombudsman")
    await _complaint(
        driver, home, complaint_id, "letter", "Fees were increased without notice.", received
    )
    escalated = received + timedelta(days=30)
    await driver.command(
        COMPLAINTS_API,
        "escalate",
        home.manager,
        complaint_id,
        {"to": "ombudsman", "escalated_at": escalated.isoformat(), "reference": "LGSCO-24-0193"},
        escalated,
    )


async def _feedback(driver: Driver, home: Home, today: datetime, h: int) -> None:
    for k, (kind, source, summary, rating) in enumerate(FEEDBACK):
        feedback_id = demo_id("feedback", home.id, k)
        received = today - timedelta(days=150 - 35 * k - h)
        body: dict[str, object] = {
            "location_id": str(home.id),
            "kind": kind,
            "summary": summary,
            "source": source,
            "received_at": received.isoformat(),
        }
        if rating is not None:
            body["rating"] = rating
        await driver.create(FEEDBACK_API, home.manager, feedback_id, body, received)
        if kind in ("suggestion", "meeting_point"):
            responded = received + timedelta(days=10)
            await driver.command(
                FEEDBACK_API,
                "respond",
                home.manager,
                feedback_id,
                {
                    "response": "You said, we did: agreed at the residents' meeting and planned for next month.",
                    "responded_at": responded.isoformat(),
                },
                responded,
            )
            await driver.command(
                FEEDBACK_API,
                "link-action",
                home.manager,
                feedback_id,
                {"action_id": str(demo_id("action", home.id, 0))},
                responded,
            )
