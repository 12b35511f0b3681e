"""The governance views' routes (timeline, action plan, evidence, trends), in one tuple for the catalog."""

from __future__ import annotations

from services.views.action_plan import action_plan
from services.views.evidence import evidence
from services.views.timeline import location_timeline
from services.views.trends import trends

HANDLERS = (location_timeline, action_plan, evidence, trends)
