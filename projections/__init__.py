"""Read models: pure projections over the event log, their tables, and the runner feeding them."""

from projections.detector_facts import DETECTOR_FACTS
from projections.home_dashboard import HOME_DASHBOARD
from projections.home_dashboard_records import HOME_RECORDS
from projections.lag import Lag
from projections.projection import (
    EVERY_EVENT_TYPE,
    Changes,
    Document,
    Projection,
    evolve_documents,
    touched_ids,
    with_changes,
)
from projections.record_counts import RECORD_COUNTS
from projections.runner import BeforeCommit, Runner, UnknownProjection

#: Every projection the workers run, in one list the composition root reads.
PROJECTIONS: tuple[Projection, ...] = (
    RECORD_COUNTS,
    HOME_DASHBOARD,
    HOME_RECORDS,
    DETECTOR_FACTS,
)

__all__ = [
    "EVERY_EVENT_TYPE",
    "PROJECTIONS",
    "RECORD_COUNTS",
    "BeforeCommit",
    "Changes",
    "Document",
    "Lag",
    "Projection",
    "Runner",
    "UnknownProjection",
    "evolve_documents",
    "touched_ids",
    "with_changes",
]
