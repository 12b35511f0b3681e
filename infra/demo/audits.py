"""The demo's audits: six months of monthly audits per home, one home whose standards slip, and a
medication question failing in three homes within thirty days."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import DemoGroup, Home, hash_number
from services.actions.controller import API as ACTIONS_API
from services.audits.controller import API as AUDITS_API
from services.audits.template_controller import TEMPLATE_API

MONTHLY = ("medication", "ipc", "care-plans")
QUARTERLY = ("environment",)
SLIPPING = (0, 4)  # group 0, home 4: scores fall month by month
MEDICATION_FAILURES = (0, 1, 2)  # group 0 homes failing "MAR charts complete" in the last month
MAR_QUESTION = "medication.mar-complete"


async def seed_audits(driver: Driver, groups: list[DemoGroup], today: datetime) -> None:
    for g, group in enumerate(groups):
        templates = {}
        for key in (*MONTHLY, *QUARTERLY):
            template_id = demo_id("template", group.name, key)
            templates[key] = await driver.create(
                TEMPLATE_API,
                group.quality_lead,
                template_id,
                {"from_library": key},
                today - timedelta(days=190),
            )
        for h, home in enumerate(group.homes):
            for month in range(6, 0, -1):
                due = today - timedelta(days=30 * month - 20 + h)
                for key in MONTHLY + (QUARTERLY if month % 3 == 0 else ()):
                    quality = _quality(g, h, month, key)
                    await _audit(driver, home, templates[key], key, due, quality, g, h, month)
            overdue_id = demo_id("audit", home.id, "overdue")
            if h == 2:  # an audit left undone past its due date: a "large gap" for the workers
                await driver.create(
                    AUDITS_API,
                    group.quality_lead,
                    overdue_id,
                    {
                        "location_id": str(home.id),
                        "template_id": str(templates["environment"].template_id),
                        "due_date": (today - timedelta(days=10)).date().isoformat(),
                    },
                    today - timedelta(days=40),
                )


def _quality(group: int, home: int, month: int, key: str) -> float:
    """The share of questions answered yes: high and steady, except the slipping home."""
    if (group, home) == SLIPPING:
        return 0.97 - 0.07 * (6 - month)
    return 0.93 + (hash_number(f"{group}{home}{month}{key}") % 7) / 100


async def _audit(
    driver: Driver,
    home: Home,
    template: Any,
    key: str,
    due: datetime,
    quality: float,
    g: int,
    h: int,
    month: int,
) -> None:
    audit_id = demo_id("audit", home.id, key, month)
    await driver.create(
        AUDITS_API,
        home.manager,
        audit_id,
        {
            "location_id": str(home.id),
            "template_id": str(template.template_id),
            "due_date": due.date().isoformat(),
        },
        due - timedelta(days=14),
    )
    questions = template.current.questions
    failing = max(0, round(len(questions) * (1 - quality)))
    answers = []
    for n, question in enumerate(questions):
        answer = "no" if n >= len(questions) - failing else "yes"
        if (
            question.library_key == MAR_QUESTION
            and month == 1
            and g == 0
            and h in MEDICATION_FAILURES
        ):
            answer = "no"
        if (g, h) == SLIPPING and question.library_key == MAR_QUESTION and month <= 2:
            answer = "no"  # the same question failing in consecutive audits: failing to learn
        if answer == "yes" and n == 1 and hash_number(f"{audit_id}na") % 5 == 0:
            answer = "na"
        comment = "Gaps found on two MAR charts" if answer == "no" else None
        answers.append({"question_id": str(question.id), "answer": answer, "comment": comment})
    completed = due - timedelta(days=1 + hash_number(str(audit_id)) % 4)
    audit = await driver.command(
        AUDITS_API, "complete", home.manager, audit_id, {"answers": answers}, completed
    )
    if audit.findings and month == 1:
        await _action_for_first_finding(driver, home, audit_id, audit, completed)


async def _action_for_first_finding(
    driver: Driver, home: Home, audit_id: UUID, audit: Any, at: datetime
) -> None:
    finding = audit.findings[0]
    action_id = demo_id("action", audit_id, "finding")
    await driver.create(
        ACTIONS_API,
        home.manager,
        action_id,
        {
            "location_id": str(home.id),
            "title": "Put right the failed audit question",
            "description": "Raised from the monthly audit finding; discuss at the next team meeting.",
            "success_measure": "The question is answered yes at the next audit",
            "owner_id": str(home.manager.user_id),
            "due_date": (at + timedelta(days=21)).date().isoformat(),
            "priority": "high",
            "source": {"kind": "audit_finding", "id": str(finding.finding_id)},
            "quality_statements": [finding.quality_statement],
        },
        at,
    )
    await driver.command(
        AUDITS_API,
        "link_finding",
        home.manager,
        audit_id,
        {"finding_id": str(finding.finding_id), "action_id": str(action_id)},
        at,
    )
