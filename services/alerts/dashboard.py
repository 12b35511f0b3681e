"""Open alerts on the home dashboard and group overview: each home's unresolved alerts (its own,
and group-level ones that concern it), with their ids and the list URLs that show them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventstore.binding import Binding
from services.alerts import queries
from services.alerts.state import UNRESOLVED
from services.http.links import API_BASE


def alert_figure(home_id: str, alert_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(alert_ids)
    return {
        "open": len(ids),
        "available": True,
        "ids": ids,
        "urls": [f"{API_BASE}/alerts?location_id={home_id}&status={s}" for s in sorted(UNRESOLVED)],
    }


async def add_open_alerts(
    pool: Any, tenant_id: UUID, figures: Iterable[dict[str, Any]], *, binding: Binding
) -> None:
    """Set `alerts` in each home's dashboard figures (a dict with `location_id`), as `binding`
    may see them."""
    figures = list(figures)
    homes = [home["location_id"] for home in figures]
    found = await queries.open_concerning(pool, tenant_id, homes, binding=binding)
    by_home = queries.open_by_home(found)
    for home in figures:
        home["alerts"] = alert_figure(home["location_id"], by_home.get(home["location_id"], []))
