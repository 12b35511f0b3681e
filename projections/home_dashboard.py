"""One document per home with what its dashboard needs now (no personal fields), kept bounded.

The document keeps ids, dates, categories, statuses and scores, keyed by record id, so that
every figure can name the records behind it. Anything that depends on "today" (overdue, ages,
the last twelve months) is left to read time: see services/views/home_figures.py.

So that a dashboard costs the same after ten years as after one, the document holds the
records that can still show, not the home's whole history:
- actions and complaints while open, and for CLOSED_KEPT_DAYS after they close;
- incidents that occurred within INCIDENTS_KEPT_DAYS, or with a required notification not made;
- audits scheduled or in progress, and of each template the last AUDITS_KEPT_PER_TEMPLATE
  completed and any completed within AUDITS_KEPT_DAYS (the dashboard uses the latest; the
  detectors the few before and those of the last months).
"Now" is the time of the event being folded, so a replay gives the same document. A record let
go of that comes back (a reopened action or complaint, an old incident amended) is kept as
`{"revived": true}`; readers fill it in from its home_records document
(projections/home_dashboard_reading.py).

Beside each document the runner stores its overview summary (projections/home_dashboard_summary.py):
what the group overview reads, so that it never folds every home's whole document.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from eventstore import RecordedEvent
from projections.home_dashboard_records import CREATIONS, KIND_OF, apply_to_record
from projections.home_dashboard_summary import summarize
from projections.projection import Document, Projection
from services.actions import events as actions
from services.audits import events as audits
from services.complaints import events as complaints
from services.incidents import events as incidents
from services.kernel.events import Event, EventRegistry
from services.organisations import events as organisations

CLOSED_KEPT_DAYS = 90
INCIDENTS_KEPT_DAYS = 400  # thirteen months and a little: the dashboard shows twelve
AUDITS_KEPT_PER_TEMPLATE = 3
AUDITS_KEPT_DAYS = 120

_LOCATION_EVENTS: tuple[type[Event], ...] = (
    organisations.LocationRegistered,
    organisations.LocationDetailsChanged,
    organisations.LocationClosed,
)
_REGISTRY = EventRegistry()
_REGISTRY.add(*_LOCATION_EVENTS, *KIND_OF)
HANDLED = frozenset(t.type_name() for t in (*_LOCATION_EVENTS, *KIND_OF))
#: Statuses after which a record only waits to be let go of.
_CLOSED = {"actions": ("completed", "verified", "cancelled"), "complaints": ("closed",)}
#: Events that bring back a record the document let go of.
_REVIVING = (actions.ActionReopened, complaints.ComplaintReopened, incidents.IncidentAmended)
_ACTION_STATUS: dict[type[Event], str] = {
    actions.ActionCompleted: "completed",
    actions.ActionVerified: "verified",
    actions.ActionCancelled: "cancelled",
    actions.ActionReopened: "open",
}


def document_ids(event: RecordedEvent) -> tuple[str, ...]:
    """The home the event happened at (a location's own events carry its id)."""
    return (str(event.location_id),) if event.location_id is not None else ()


def empty(location_id: str) -> Document:
    return {
        "location_id": location_id,
        "name": None,
        "registered": False,
        "closed": False,
        "actions": {},
        "incidents": {},
        "complaints": {},
        "audits": {},
        "last_seq": 0,
        "pruned_on": None,
    }


def evolve(document: Document | None, event: RecordedEvent) -> Document:
    """Fold one event into its home's document. Events at or below `last_seq` were applied
    already, so replaying them changes nothing. Copy on write: only the touched record is
    copied, never the whole document."""
    current = document or empty(str(event.location_id))
    if event.seq <= current["last_seq"]:
        return current
    doc = {**current, "last_seq": event.seq}
    typed = _REGISTRY.decode(event).event
    if isinstance(typed, _LOCATION_EVENTS):
        _location(doc, typed)
    else:
        kind = KIND_OF[type(typed)]
        section = doc[kind] = dict(current[kind])
        _record(section, kind, str(event.stream_id), typed, event.recorded_at)
        if isinstance(typed, audits.AuditCompleted):
            _keep_latest_audits(section, typed.template_id, event.recorded_at)
    _prune(doc, event.recorded_at)
    return doc


def _location(doc: Document, event: Event) -> None:
    match event:
        case organisations.LocationRegistered(name=name):
            doc.update(name=name, registered=True)
        case organisations.LocationDetailsChanged(name=name):
            doc["name"] = name
        case organisations.LocationClosed():
            doc["closed"] = True


def _record(section: dict[str, Any], kind: str, rid: str, event: Event, at: datetime) -> None:
    entry = section.get(rid)
    if entry is None and not isinstance(event, CREATIONS):
        if isinstance(event, _REVIVING):
            section[rid] = {"revived": True}
        return
    if entry is not None and entry.get("revived"):
        if _ACTION_STATUS.get(type(event)) in _CLOSED["actions"] or isinstance(
            event, complaints.ComplaintClosed
        ):
            del section[rid]  # closed again: its home_records document has the rest
        return
    updated = apply_to_record(kind, entry, rid, event)
    if updated is None:
        return
    if kind == "audits" and updated["status"] == "cancelled":
        section.pop(rid, None)
        return
    if updated.get("status") in _CLOSED.get(kind, ()):
        updated.setdefault("closed_on", at.date().isoformat())
    else:
        updated.pop("closed_on", None)
    section[rid] = updated


def _keep_latest_audits(section: dict[str, Any], template_id: object, at: datetime) -> None:
    done = sorted(
        (datetime.fromisoformat(a["completed_at"]), rid)
        for rid, a in section.items()
        if a.get("status") == "completed" and a["template_id"] == str(template_id)
    )
    kept_from = at - timedelta(days=AUDITS_KEPT_DAYS)
    for completed_at, rid in done[:-AUDITS_KEPT_PER_TEMPLATE]:
        if completed_at < kept_from:
            del section[rid]


def _prune(doc: Document, at: datetime) -> None:
    """Let go of what can no longer show, once a day of event time per home."""
    day = at.date().isoformat()
    if doc.get("pruned_on") == day:
        return
    doc["pruned_on"] = day
    closed_before = (at - timedelta(days=CLOSED_KEPT_DAYS)).date().isoformat()
    for kind in ("actions", "complaints"):
        stale = [rid for rid, r in doc[kind].items() if r.get("closed_on", "9999") < closed_before]
        if stale:
            doc[kind] = {rid: r for rid, r in doc[kind].items() if rid not in stale}
    occurred_before = at - timedelta(days=INCIDENTS_KEPT_DAYS)
    stale = [
        rid
        for rid, i in doc["incidents"].items()
        if not i.get("revived")
        and datetime.fromisoformat(i["occurred_at"]) < occurred_before
        and _all_made(i)
    ]
    if stale:
        doc["incidents"] = {rid: i for rid, i in doc["incidents"].items() if rid not in stale}


def _all_made(incident: dict[str, Any]) -> bool:
    """Every required notification made (duty of candour: once every step is done)."""
    made = set(incident["notified"])
    if all(step in incident["candour"] for step in incidents.CANDOUR_STEPS):
        made.add("duty_of_candour")
    return all(r["recipient"] in made for r in incident["required"])


HOME_DASHBOARD = Projection(
    name="home_dashboard",
    version=4,  # 4: each document's overview summary stored beside it
    handles=HANDLED,
    document_ids=document_ids,
    evolve=evolve,
    summary=summarize,
)
