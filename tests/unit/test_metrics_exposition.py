"""/metrics exposition: valid Prometheus text, one series per projection however many tenants."""

from __future__ import annotations

from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

from infra.metrics import CONTENT_TYPE, render
from projections import Lag


def lag(projection: str, behind: int, seconds: float) -> Lag:
    return Lag(projection, uuid4(), 10, 10 + behind, behind, seconds)


def samples(lags: list[Lag]) -> dict[tuple[str, str | None], float]:
    found = {}
    for family in text_string_to_metric_families(render(lags).decode()):
        for s in family.samples:
            found[(s.name, s.labels.get("projection"))] = s.value
    return found


def test_lag_is_summed_worst_and_counted_over_tenants() -> None:
    got = samples(
        [
            lag("home_dashboard", 3, 1.5),
            lag("home_dashboard", 0, 0.0),
            lag("home_dashboard", 4, 9.25),
        ]
    )
    assert got == {
        ("caretrail_up", None): 1.0,
        ("caretrail_projection_events_behind", "home_dashboard"): 7.0,
        ("caretrail_projection_seconds_behind", "home_dashboard"): 9.25,
        ("caretrail_projection_tenants_behind", "home_dashboard"): 2.0,
    }


def test_the_scrape_is_the_same_size_for_ten_tenants_or_ten_thousand() -> None:
    few = render([lag(p, 1, 1.0) for p in ("a", "b") for _ in range(10)])
    many = render([lag(p, 1, 1.0) for p in ("a", "b") for _ in range(10_000)])
    assert len(few.splitlines()) == len(many.splitlines())


def test_the_content_type_names_one_charset() -> None:
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"
