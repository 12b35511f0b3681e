"""The demo's incidents: ordinary months, a run of falls, and a death nobody notified to CQC."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import DemoGroup, Home, hash_number
from services.incidents.controller import API as INCIDENTS_API

ROUTINE = [
    ("fall", "low", "Found sitting on the bedroom floor; no injury. Sensor mat checked."),
    ("medication_error", "no_harm", "Evening dose given 90 minutes late after a delayed delivery."),
    (
        "pressure_ulcer",
        "moderate",
        "Category 2 pressure ulcer found on the left heel at skin check.",
    ),
    ("missed_visit", "low", "Lunchtime call missed after a rota change; family alerted us."),
    ("fall", "moderate", "Fall in the lounge; skin tear dressed, GP informed."),
]


async def seed_incidents(driver: Driver, groups: list[DemoGroup], today: datetime) -> None:
    for group in groups:
        for h, home in enumerate(group.homes):
            for k, (category, severity, text) in enumerate(ROUTINE):
                when = today - timedelta(
                    days=170 - 33 * k - 2 * h, hours=hash_number(f"{home.id}{k}") % 9
                )
                person = home.residents[(h + k) % len(home.residents)]
                incident = await _report(
                    driver,
                    home,
                    demo_id("incident", home.id, k),
                    when,
                    category,
                    severity,
                    text,
                    [person],
                )
                await _notify_everything(
                    driver, home, demo_id("incident", home.id, k), incident, when
                )
        await _falls_run(driver, group.homes[1], today)
    first = groups[0]
    await _unnotified_death(driver, first.homes[3], today)
    await _notified_death(driver, first.homes[0], today)


async def _report(
    driver: Driver,
    home: Home,
    incident_id: Any,
    when: datetime,
    category: str,
    severity: str,
    text: str,
    people: list[Any],
) -> Any:
    return await driver.create(
        INCIDENTS_API,
        home.staff[0],
        incident_id,
        {
            "location_id": str(home.id),
            "category": category,
            "severity": severity,
            "occurred_at": when.isoformat(),
            "description": text,
            "immediate_actions": "First aid given, observations started, manager informed.",
            "people_involved": [str(p) for p in people],
        },
        when + timedelta(minutes=40),
    )


async def _notify_everything(
    driver: Driver, home: Home, incident_id: Any, incident: Any, when: datetime
) -> None:
    """Each statutory notification made in time, then the investigation closed."""
    at = when + timedelta(hours=3)
    for required in incident.required:
        if required.recipient == "duty_of_candour":
            for step in ("informed", "apologised", "true_account", "written_follow_up"):
                at += timedelta(hours=2)
                await driver.command(
                    INCIDENTS_API,
                    "duty_of_candour_step",
                    home.manager,
                    incident_id,
                    {"step": step, "done_at": at.isoformat()},
                    at,
                )
        else:
            await driver.command(
                INCIDENTS_API,
                "notify",
                home.manager,
                incident_id,
                {
                    "recipient": required.recipient,
                    "notified_at": at.isoformat(),
                    "reference": f"REF-{hash_number(str(incident_id)) % 100000:05d}",
                },
                at,
            )
    await driver.command(
        INCIDENTS_API,
        "investigate",
        home.manager,
        incident_id,
        {
            "investigator_id": str(home.manager.user_id),
            "started_at": (at + timedelta(hours=1)).isoformat(),
        },
        at + timedelta(hours=1),
    )
    await driver.command(
        INCIDENTS_API,
        "root_cause",
        home.manager,
        incident_id,
        {"text": "Change in need not reflected in the care plan in time."},
        at + timedelta(days=2),
    )
    await driver.command(
        INCIDENTS_API,
        "lessons",
        home.manager,
        incident_id,
        {"text": "Review care plans within 24 hours of any change; shared at team meeting."},
        at + timedelta(days=3),
    )
    await driver.command(
        INCIDENTS_API,
        "close",
        home.manager,
        incident_id,
        {"summary": "Investigated; lessons shared; care plan updated."},
        at + timedelta(days=4),
    )


async def _falls_run(driver: Driver, home: Home, today: datetime) -> None:
    """Three falls for the same resident within a week: a recurring-incident pattern."""
    resident = home.residents[0]
    for n in range(3):
        when = today - timedelta(days=9 - 2 * n, hours=3)
        await _report(
            driver,
            home,
            demo_id("incident", home.id, "falls-run", n),
            when,
            "fall",
            "low",
            "Unwitnessed fall at night on the way to the bathroom; no injury found.",
            [resident],
        )


async def _unnotified_death(driver: Driver, home: Home, today: datetime) -> None:
    """An expected death reported in the system, but CQC was never notified (reg 16)."""
    when = today - timedelta(days=12, hours=5)
    await _report(
        driver,
        home,
        demo_id("incident", home.id, "death"),
        when,
        "death",
        "death",
        "Resident died peacefully at night; GP verified the death.",
        [home.residents[2]],
    )


async def _notified_death(driver: Driver, home: Home, today: datetime) -> None:
    when = today - timedelta(days=40, hours=2)
    incident_id = demo_id("incident", home.id, "death")
    incident = await _report(
        driver,
        home,
        incident_id,
        when,
        "death",
        "death",
        "Resident died in hospital after admission with pneumonia.",
        [home.residents[3]],
    )
    await _notify_everything(driver, home, incident_id, incident, when)
