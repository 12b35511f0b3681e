"""The records behind each alert kind, made through the real HTTP API, for the alerts tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Group

MEDS = "safe.medicines-optimisation"
IPC = "safe.infection-prevention-control"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


@dataclass
class Scenarios:
    """One provider group's records, created as its group admin."""

    http: httpx.AsyncClient
    group: Group

    async def post(self, path: str, body: Any = None, role: str = "group_admin") -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers=self.group.auth(role))
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def settings(self, **values: int) -> None:
        response = await self.http.put(
            "/settings", json={"settings": values}, headers=self.group.auth()
        )
        assert response.status_code in (200, 201), response.text

    async def third_home(self) -> None:
        body = {
            "name": "Cedar Lodge",
            "service_type": "residential",
            "local_authority": "E08000025",
            "cqc_location_id": "1-100002",
        }
        self.group.homes.append((await self.post("/locations", body))["id"])

    async def overdue_action(self, home: int = 0) -> str:
        body = {
            "location_id": str(self.group.homes[home]),
            "title": "Fix the call bell in room 4",
            "description": "Replace the faulty call bell unit",
            "success_measure": "Call bell answered in tests for a week",
            "owner_id": str(self.group.users["home_manager"]),
            "due_date": (date.today() - timedelta(days=2)).isoformat(),
            "priority": "high",
        }
        return str((await self.post("/actions", body))["id"])

    async def incident(self, home: int = 0, **changes: Any) -> str:
        body = {
            "location_id": str(self.group.homes[home]),
            "category": "fall",
            "severity": "no_harm",
            "occurred_at": ago(hours=2),
            "description": "Found sitting on the lounge floor; no injury seen.",
            "immediate_actions": "Checked by the nurse.",
            **changes,
        }
        return str((await self.post("/incidents", body))["id"])

    async def death_not_notified(self, home: int = 0) -> str:
        """A death reported now, with the tenant's CQC window set to 0 hours: overdue at once."""
        await self.settings(**{"incidents.cqc_death_hours": 0})
        return await self.incident(
            home, category="death", severity="death", occurred_at=ago(hours=1)
        )

    async def three_falls(self, home: int = 1) -> list[str]:
        return [await self.incident(home, occurred_at=ago(days=d)) for d in (5, 3, 1)]

    async def late_complaint(self, home: int = 0) -> str:
        body = {
            "location_id": str(self.group.homes[home]),
            "received_at": ago(days=14),
            "channel": "email",
            "summary": "Laundry repeatedly returned to the wrong room",
        }
        return str((await self.post("/complaints", body))["id"])

    async def medication_template(self) -> dict[str, Any]:
        body = {
            "name": "Medication audit",
            "questions": [
                {"text": "Are MAR charts complete for the last 7 days?", "quality_statement": MEDS},
                {"text": "Are hand-wash stations stocked?", "quality_statement": IPC},
            ],
        }
        return await self.post("/audit-templates", body)

    async def audit(self, template: dict[str, Any], home: int, *values: str) -> str:
        body = {
            "location_id": str(self.group.homes[home]),
            "template_id": template["id"],
            "due_date": date.today().isoformat(),
        }
        audit_id = str((await self.post("/audits", body))["id"])
        questions = template["record"]["questions"]
        answers = [
            {"question_id": q["id"], "answer": v, "comment": None}
            for q, v in zip(questions, values, strict=True)
        ]
        await self.post(f"/audits/{audit_id}/complete", {"answers": answers})
        return audit_id

    async def medication_failed_in_three_homes(self) -> list[str]:
        template = await self.medication_template()
        return [await self.audit(template, home, "no", "yes") for home in range(3)]
