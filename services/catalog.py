"""Every context's HTTP API and event types, in one list the composition root reads (the views
over them are listed in services/views/governance.py)."""

from __future__ import annotations

from typing import Any

from services.access import access_log
from services.access.controller import API as GRANTS_API
from services.access.events import ExternalRecordsRead
from services.actions.controller import API as ACTIONS_API
from services.alerts import controller as alerts
from services.alerts import subscriptions_controller
from services.alerts.events import EVENTS as ALERT_EVENTS
from services.alerts.subscriptions import SUBSCRIPTION_EVENTS
from services.api_keys import controller as api_keys
from services.api_keys.events import EVENTS as API_KEY_EVENTS
from services.audits.controller import API as AUDITS_API
from services.audits.template_controller import TEMPLATE_API
from services.complaints.controller import API as COMPLAINTS_API
from services.feedback.controller import API as FEEDBACK_API
from services.frameworks import controller as frameworks
from services.http.records import RecordApi
from services.identities.controller import API as IDENTITY_LINKS_API
from services.incidents.controller import API as INCIDENTS_API
from services.kernel.events import Event, EventRegistry
from services.organisations import controller as organisations
from services.organisations.events import EVENTS as ORGANISATION_EVENTS
from services.trail import controller as trail

RECORD_APIS: tuple[RecordApi[Any], ...] = (
    *organisations.APIS,
    ACTIONS_API,
    TEMPLATE_API,
    AUDITS_API,
    INCIDENTS_API,
    COMPLAINTS_API,
    FEEDBACK_API,
    IDENTITY_LINKS_API,
    GRANTS_API,
)
HANDLERS: tuple[Any, ...] = (
    *organisations.HANDLERS,
    *frameworks.HANDLERS,
    *alerts.HANDLERS,
    api_keys.ROUTER,
    subscriptions_controller.ROUTER,
    access_log.access_log,
    *trail.HANDLERS,
)
EVENT_TYPES: tuple[type[Event], ...] = (
    *ORGANISATION_EVENTS,
    *API_KEY_EVENTS,
    *SUBSCRIPTION_EVENTS,
    *ALERT_EVENTS,
    ExternalRecordsRead,
)


def event_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.add(*EVENT_TYPES)
    for api in RECORD_APIS:
        registry.add(*api.decider.events)
    return registry
