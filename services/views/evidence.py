"""`GET /evidence`: every record mapped to a quality statement, grouped by CQC evidence category —
what a manager shows an inspector. Read from the home's events in the log, folded by a pure
`evidence_for` (services/frameworks/evidence.py: the evidence pack's summary folds it too).

Evidence categories, by record type (the framework's six categories, all listed, some empty):
- audits → "processes": an audit whose questions map to the statement, with how many of those
  questions it asked, how many were answered, and which failed (its findings);
- improvement actions → "outcomes": an action raised for the statement (what changed);
- complaints and feedback → "people-experience", staff feedback → "staff-leader-feedback":
  these records carry no quality statement yet, so they appear once they are mapped.
(No `from __future__ import annotations`: Litestar reads these handlers' annotations.)"""

from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from services.frameworks.catalogue import default_catalogue
from services.frameworks.evidence import EVIDENCE_EVENT_TYPES, EvidenceItem, evidence_for
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.kernel.errors import InvalidCommand
from services.kernel.handling import Records
from services.views.freshness import up_to_date
from services.views.home_events import events_at_homes
from services.views.scope import homes_in_view


class EvidenceCategoryItems(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    items: list[EvidenceItem]


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    quality_statement: str
    framework: str
    location_id: UUID | None
    categories: list[EvidenceCategoryItems]


def framework_of(statement: str) -> str:
    """The newest framework version that has this statement; 422 if none has."""
    catalogue = default_catalogue()
    for version in reversed(catalogue.versions()):
        if catalogue.has_statement(version, statement):
            return version
    raise InvalidCommand("quality_statement", f"no framework has a quality statement {statement!r}")


@get(
    "/evidence",
    tags=["views"],
    summary="Every record mapped to a quality statement, by evidence category",
    operation_id="evidence",
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def evidence(
    request: Request,
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    quality_statement: FromQuery[str],
    location_id: FromQuery[UUID | None] = None,
) -> Evidence:
    version = framework_of(quality_statement)
    await up_to_date(request, principal.tenant_id)
    homes = await homes_in_view(records, principal, location_id)
    events = await events_at_homes(
        records.store,
        principal.tenant_id,
        homes,
        types=EVIDENCE_EVENT_TYPES,
        binding=principal.binding,
    )
    found = evidence_for(events, quality_statement)
    categories = [
        EvidenceCategoryItems(id=c.id, name=c.name, items=found.get(c.id, []))
        for c in default_catalogue().framework(version).evidence_categories
    ]
    return Evidence(
        quality_statement=quality_statement,
        framework=version,
        location_id=location_id,
        categories=categories,
    )
