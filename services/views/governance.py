"""Every view's routes (dashboards, overviews, timeline, action plan, evidence, trends), in one
tuple the composition root reads beside services/catalog.py."""

from __future__ import annotations

from services.views import dashboard_controller, external_overview
from services.views.action_plan import action_plan
from services.views.evidence import evidence
from services.views.timeline import location_timeline
from services.views.trends import trends

HANDLERS = (
    location_timeline,
    action_plan,
    evidence,
    trends,
    *dashboard_controller.HANDLERS,
    *external_overview.HANDLERS,
)
