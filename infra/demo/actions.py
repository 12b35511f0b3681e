"""The demo's action plans: completed and verified work, work in progress, and overdue actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import DemoGroup
from services.actions.controller import API as ACTIONS_API

PLAN = [
    (
        "Refresh moving and handling training for night staff",
        "safe.safe-effective-staffing",
        "high",
    ),
    ("Replace worn pressure-relieving mattresses", "safe.safe-environments", "urgent"),
    (
        "Introduce monthly relatives' meeting with minutes",
        "responsive.listening-to-involving-people",
        "medium",
    ),
    ("Audit PRN protocols for every resident", "safe.medicines-optimisation", "high"),
    ("Update fire evacuation plans (PEEPs)", "safe.safe-environments", "urgent"),
    ("Review care plans for oral health", "effective.assessing-needs", "low"),
]


async def seed_actions(driver: Driver, groups: list[DemoGroup], today: datetime) -> None:
    """Per home: two completed-and-verified actions, one in progress, and one past its due date."""
    for group in groups:
        for h, home in enumerate(group.homes):
            for k, (title, statement, priority) in enumerate(PLAN[h % 3 : h % 3 + 4]):
                action_id = demo_id("action", home.id, k)
                raised = today - timedelta(days=150 - 20 * k - h)
                due = raised + timedelta(days=30 if k < 3 else 21)
                await driver.create(
                    ACTIONS_API,
                    group.quality_lead,
                    action_id,
                    {
                        "location_id": str(home.id),
                        "title": title,
                        "description": f"{title} at {home.name}, agreed at the monthly governance meeting.",
                        "success_measure": "Checked at the next audit with no exceptions",
                        "owner_id": str(home.manager.user_id),
                        "due_date": due.date().isoformat(),
                        "priority": priority,
                        "quality_statements": [statement],
                    },
                    raised,
                )
                if k < 2:
                    await driver.command(
                        ACTIONS_API,
                        "note",
                        home.manager,
                        action_id,
                        {"text": "Started: plan shared at handover."},
                        raised + timedelta(days=3),
                    )
                    await driver.command(
                        ACTIONS_API,
                        "complete",
                        home.manager,
                        action_id,
                        {"evidence": "Records checked and signed off; see the audit file."},
                        due - timedelta(days=2),
                    )
                    await driver.command(
                        ACTIONS_API,
                        "verify",
                        group.quality_lead,
                        action_id,
                        {"note": "Verified on the quality visit."},
                        due + timedelta(days=5),
                    )
                elif k == 2 and due < today:
                    await driver.command(
                        ACTIONS_API,
                        "redate",
                        home.manager,
                        action_id,
                        {
                            "due_date": (today + timedelta(days=14)).date().isoformat(),
                            "reason": "Supplier delay; interim checks in place",
                        },
                        due - timedelta(days=1),
                    )
                    await driver.command(
                        ACTIONS_API,
                        "note",
                        home.manager,
                        action_id,
                        {"text": "Interim weekly checks in place."},
                        due,
                    )
                # k == 3 stays open past its due date: an overdue action for the workers to catch.
