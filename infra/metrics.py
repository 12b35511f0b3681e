"""`GET /metrics`: projection lag in the Prometheus text format, written by prometheus-client.

Each projection's lag is aggregated over tenants (the events not yet processed, the oldest wait,
how many tenants are behind), so a scrape is the same size for 10 tenants or 10,000; which
tenant lags is `caretrail projections lag` (one JSON line per projection and tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from projections import Lag

#: Exactly the exposition format's content type (text format 0.0.4), one charset parameter.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def render(lags: Sequence[Lag]) -> bytes:
    """`caretrail_up` and, per projection over every tenant: events behind (summed), seconds
    behind (the worst), and tenants behind."""
    registry = CollectorRegistry(auto_describe=False)
    Gauge("caretrail_up", "The API process answers.", registry=registry).set(1)
    events = Gauge(
        "caretrail_projection_events_behind",
        "Events in every tenant's log the projection has not processed yet.",
        ["projection"],
        registry=registry,
    )
    seconds = Gauge(
        "caretrail_projection_seconds_behind",
        "How long the oldest unprocessed event of any tenant has waited (0 when caught up).",
        ["projection"],
        registry=registry,
    )
    tenants = Gauge(
        "caretrail_projection_tenants_behind",
        "Tenants with at least one event the projection has not processed yet.",
        ["projection"],
        registry=registry,
    )
    for projection, worst in lag_summary(lags).items():
        seconds.labels(projection).set(worst["seconds_behind"])
        events.labels(projection).set(0)
        tenants.labels(projection).set(0)
    for lag in lags:
        events.labels(lag.projection).inc(lag.events_behind)
        tenants.labels(lag.projection).inc(lag.events_behind > 0)
    return generate_latest(registry)


def lag_summary(lags: Sequence[Lag]) -> dict[str, dict[str, Any]]:
    """Per projection: the most events and seconds behind over every tenant (for /ready)."""
    summary: dict[str, dict[str, Any]] = {}
    for lag in lags:
        worst = summary.setdefault(lag.projection, {"events_behind": 0, "seconds_behind": 0.0})
        worst["events_behind"] = max(worst["events_behind"], lag.events_behind)
        worst["seconds_behind"] = max(worst["seconds_behind"], round(lag.seconds_behind, 3))
    return summary
