"""Projection operations as an operator sees them: /metrics, /ready and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from uuid import UUID

import httpx

from projections import PROJECTIONS, Runner
from services.kernel.handling import Records
from tests.e2e.conftest import Group, LiveApi
from tests.e2e.test_cli import caretrail, external_env

_SAMPLE = re.compile(r'^(\w+)\{projection="([^"]*)"\} (\S+)$')


async def scrape(http: httpx.AsyncClient, live_api: LiveApi) -> dict[tuple[str, str], float]:
    """Every labelled sample of /metrics, by (metric, projection)."""
    response = await http.get(live_api.base_url + "/metrics")
    assert response.status_code == 200
    # Exactly the exposition format's type: one charset (Prometheus 3 refuses a repeated one).
    assert response.headers.get_list("content-type") == ["text/plain; version=0.0.4; charset=utf-8"]
    assert "caretrail_up 1.0" in response.text.splitlines()
    samples: dict[tuple[str, str], float] = {}
    for line in response.text.splitlines():
        if match := _SAMPLE.match(line):
            name, projection, value = match.groups()
            samples[(name, projection)] = float(value)
    return samples


async def add_home(http: httpx.AsyncClient, group: Group) -> None:
    body = {
        "name": "Elm Lodge",
        "service_type": "residential",
        "local_authority": "E08000025",
        "cqc_location_id": "1-200000",
    }
    response = await http.post("/locations", json=body, headers=group.auth())
    assert response.status_code == 201, response.text


async def test_metrics_show_lag_until_the_runner_catches_up(
    http: httpx.AsyncClient, fresh_group: Group, records: Records, live_api: LiveApi
) -> None:
    """Lag is aggregated over tenants (one series per projection, whatever the tenant count):
    catching one tenant up takes exactly its events off the total and it off the tenants."""
    await add_home(http, fresh_group)
    events = ("caretrail_projection_events_behind", "record_counts")
    tenants = ("caretrail_projection_tenants_behind", "record_counts")
    seconds = ("caretrail_projection_seconds_behind", "record_counts")

    behind = await scrape(http, live_api)
    assert behind[events] > 0 and behind[tenants] >= 1
    assert behind[seconds] >= 0

    taken = await Runner(records.store, PROJECTIONS).catch_up(fresh_group.tenant_id)
    assert taken["record_counts"] > 0

    caught_up = await scrape(http, live_api)
    assert behind[events] - caught_up[events] == taken["record_counts"]
    assert behind[tenants] - caught_up[tenants] == 1
    assert {name for name, _ in caught_up} == {events[0], tenants[0], seconds[0]}
    assert len(caught_up) == 3 * len(PROJECTIONS)


async def test_ready_reports_projection_lag_and_stays_ready(
    http: httpx.AsyncClient, fresh_group: Group, live_api: LiveApi
) -> None:
    await add_home(http, fresh_group)  # at least one tenant is behind
    response = await http.get(live_api.base_url + "/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    lag = body["projections"]["record_counts"]
    assert lag["events_behind"] > 0
    assert lag["seconds_behind"] >= 0


async def test_cli_rebuild_brings_the_tenant_to_the_head(
    http: httpx.AsyncClient, fresh_group: Group, records: Records, live_api: LiveApi, tmp_path: Path
) -> None:
    await add_home(http, fresh_group)
    tenant = fresh_group.tenant_id
    runner = Runner(records.store, PROJECTIONS)
    assert [lag.events_behind > 0 for lag in await runner.lag(tenant)] == [True] * len(PROJECTIONS)
    env = external_env(live_api.database, tmp_path)

    rebuilt = caretrail("projections", "rebuild", "--tenant", str(tenant), env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr

    assert [lag.events_behind for lag in await runner.lag(tenant)] == [0] * len(PROJECTIONS)
    lagging = caretrail("projections", "lag", "--tenant", str(tenant), env=env)
    assert lagging.returncode == 0, lagging.stderr
    lines = [json.loads(line) for line in lagging.stdout.splitlines()]
    assert lines == [
        {
            "projection": name,
            "tenant_id": str(tenant),
            "events_behind": 0,
            "seconds_behind": 0.0,
        }
        for name in sorted(p.name for p in PROJECTIONS)
    ]
    everyone = caretrail("projections", "lag", env=env)
    assert everyone.returncode == 0, everyone.stderr
    assert {UUID(json.loads(line)["tenant_id"]) for line in everyone.stdout.splitlines()} >= {
        tenant
    }

    named = ("--projection", "record_counts", "--tenant", str(tenant))
    again = caretrail("projections", "rebuild", *named, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "rebuilt 1 (tenant, projection) pairs"
    assert [lag.events_behind for lag in await runner.lag(tenant)] == [0] * len(PROJECTIONS)


def test_cli_rebuild_of_an_unknown_projection_exits_2(live_api: LiveApi, tmp_path: Path) -> None:
    env = external_env(live_api.database, tmp_path)
    unknown = caretrail("projections", "rebuild", "--projection", "nope", env=env)
    assert unknown.returncode == 2
    assert "no projection is called 'nope'" in unknown.stderr
    assert "record_counts" in unknown.stderr
