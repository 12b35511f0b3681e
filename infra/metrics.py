"""`GET /metrics`: projection lag in the Prometheus text exposition format (written by hand)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from projections import Lag

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def _gauge(name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        rendered = ",".join(f'{key}="{_label(text)}"' for key, text in labels.items())
        lines.append(f"{name}{{{rendered}}} {_number(value)}")
    return lines


def render(lags: Sequence[Lag]) -> str:
    """`caretrail_up` and, per projection and tenant, events and seconds behind."""

    def labels(lag: Lag) -> dict[str, str]:
        return {"projection": lag.projection, "tenant": str(lag.tenant_id)}

    lines = ["# HELP caretrail_up The API process answers.", "# TYPE caretrail_up gauge"]
    lines.append("caretrail_up 1")
    lines += _gauge(
        "caretrail_projection_events_behind",
        "Events in the tenant's log the projection has not processed yet.",
        ((labels(lag), lag.events_behind) for lag in lags),
    )
    lines += _gauge(
        "caretrail_projection_seconds_behind",
        "How long the oldest unprocessed event has waited (0 when caught up).",
        ((labels(lag), lag.seconds_behind) for lag in lags),
    )
    return "\n".join(lines) + "\n"


def lag_summary(lags: Sequence[Lag]) -> dict[str, dict[str, Any]]:
    """Per projection: the most events and seconds behind over every tenant (for /ready)."""
    summary: dict[str, dict[str, Any]] = {}
    for lag in lags:
        worst = summary.setdefault(lag.projection, {"events_behind": 0, "seconds_behind": 0.0})
        worst["events_behind"] = max(worst["events_behind"], lag.events_behind)
        worst["seconds_behind"] = max(worst["seconds_behind"], round(lag.seconds_behind, 3))
    return summary
