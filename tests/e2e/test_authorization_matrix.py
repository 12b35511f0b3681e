"""The authorization matrix, generated from the app's own OpenAPI document: every route × every
way a caller can be wrong (no token, expired, `alg: none`, another key, another tenant's ids,
staff on admin routes, a manager outside their homes) answers 401, 403 or 404 as it must, and
no answer carries a row the caller may not see.

Expectations are written here independently of services/http/authorization.py (the staff rows
below are the issue's words), so a route that forgets to ask the matrix fails. A new write route
outside the record collections must be classified in NON_RECORD_WRITES, or the test fails.
To add a case (e.g. external viewers), add a function to CASES returning Probe lists."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import jwt
import pytest
import pytest_asyncio

from infra.database import asyncpg_dsn
from infra.demo.driver import demo_id
from infra.demo.organisations import GROUPS
from services import catalog
from services.frameworks.catalogue import default_catalogue
from services.http.principal import mint_token
from tests.e2e.conftest import LiveApi

A_NAME, B_NAME = list(GROUPS)
FRAMEWORK = default_catalogue().latest().id
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Record collections by the first path segment under /api/v1.
COLLECTIONS = {api.path.strip("/"): api.decider.collection for api in catalog.RECORD_APIS}
#: Writes outside the record routes: path segment → the collection they administer.
NON_RECORD_WRITES = {
    "settings": "provider-groups",
    "api-keys": "api-keys",
    "alerts": "alerts",
    "subscriptions": "subscriptions",
    "exports": "exports",
}
#: Routes that never ask who calls: anyone may verify the trail with its public key.
PUBLIC = {("GET", "/trail/public-key")}
#: Collections the demo seeds no record of (alerts are raised by the workers' detectors): probed
#: with an id that exists nowhere, which must answer exactly as a foreign or hidden one does.
UNSEEDED = {"alerts", "grants", "subscriptions", "api-keys"}
#: Reads outside the record collections that provider staff may not make.
STAFF_CANNOT_READ = {
    "/la/overview",  # the overview across providers is for local authorities and inspectors
    "/access-log",  # who outside the group read what: group admins and quality leads
}
#: Path parameters naming reference data every caller shares (not a tenant's rows).
REFERENCE_PARAMS = {"framework_id"}
#: Collections whose very listing only group admins see.
ADMIN_READ = {"api-keys", "identity-links", "grants", "subscriptions"}
#: The issue: staff report incidents and feedback, add notes to actions (and carry out audits).
STAFF_WRITES = {
    ("incidents", "create"),
    ("feedback", "create"),
    ("actions", "note"),
    ("audits", "start"),
    ("audits", "answer"),
    ("audits", "complete"),
    ("alerts", "acknowledge"),
}


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as in the OpenAPI, without /api/v1
    has_body: bool

    @property
    def segment(self) -> str:
        return self.template.strip("/").split("/")[0]

    @property
    def collection(self) -> str | None:
        return COLLECTIONS.get(self.segment) or NON_RECORD_WRITES.get(self.segment)

    @property
    def action(self) -> str:
        parts = self.template.strip("/").split("/")
        if self.method == "GET":
            return "read"
        if self.method == "DELETE":
            return "revoke"
        if self.method == "PUT":
            return "change"
        return parts[2] if len(parts) >= 3 and parts[1] == "{record_id}" else "create"

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{([^}]+)\}", self.template)


@dataclass(frozen=True)
class Row:
    record_id: str
    location_id: str | None
    summary: dict[str, Any]


@dataclass
class World:
    live: LiveApi
    routes: list[Route]
    a: dict[str, list[Row]]
    b: dict[str, list[Row]]
    users: dict[str, tuple[UUID, list[UUID]]]  # role → (user, homes) in tenant A
    b_ids: set[str] = field(default_factory=set)
    #: An event id of each tenant, keyed by id() of its rows (for /trail/proof/{event_id}).
    events: dict[int, str] = field(default_factory=dict)

    def token(self, role: str, **options: Any) -> dict[str, str]:
        user, homes = self.users[role]
        minted = mint_token(
            options.pop("key", self.live.runtime.signing_key),
            user_id=user,
            organisation_id=demo_id("group", A_NAME),
            organisation_kind="provider",
            roles=[role],
            location_ids=homes,
            **options,
        )
        return {"Authorization": f"Bearer {minted}"}


@dataclass(frozen=True)
class Probe:
    route: Route
    url: str
    headers: dict[str, str]
    #: Returns a complaint, or None when the answer is right.
    judge: Callable[[httpx.Response], str | None]
    params: dict[str, str] = field(default_factory=dict)


async def _rows(conn: Any, tenant: UUID) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    for r in await conn.fetch(
        "SELECT collection, record_id, location_id, summary::text AS summary FROM records"
        " WHERE tenant_id = $1 ORDER BY created_at, record_id",
        tenant,
    ):
        location = str(r["location_id"]) if r["location_id"] else None
        row = Row(str(r["record_id"]), location, json.loads(r["summary"]))
        found.setdefault(r["collection"], []).append(row)
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(demo_seeded: LiveApi) -> World:
    spec = httpx.get(demo_seeded.base_url + "/schema/openapi.json").json()
    routes = [
        Route(method.upper(), path.removeprefix("/api/v1"), "requestBody" in operation)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    conn = await asyncpg.connect(asyncpg_dsn(demo_seeded.database.superuser))
    try:
        a = await _rows(conn, demo_id("group", A_NAME))
        b = await _rows(conn, demo_id("group", B_NAME))
        event_of = "SELECT event_id::text FROM events WHERE tenant_id = $1 ORDER BY seq LIMIT 1"
        events = {
            id(a): await conn.fetchval(event_of, demo_id("group", A_NAME)),
            id(b): await conn.fetchval(event_of, demo_id("group", B_NAME)),
        }
    finally:
        await conn.close()
    users: dict[str, tuple[UUID, list[UUID]]] = {}
    for row in a["users"]:
        (role, *_rest) = row.summary["roles"]
        users.setdefault(
            role, (UUID(row.record_id), [UUID(x) for x in row.summary["location_ids"]])
        )
    assert set(users) >= {"group_admin", "quality_lead", "home_manager", "staff"}
    b_ids = {row.record_id for rows in b.values() for row in rows} | {
        str(demo_id("group", B_NAME)),
        events[id(b)],
    }
    return World(demo_seeded, routes, a, b, users, b_ids, events)


def _pick(rows: Iterable[Row], want: Callable[[Row], bool]) -> Row | None:
    return next((row for row in rows if want(row)), None)


def _url(
    world: World, route: Route, rows: dict[str, list[Row]], home: str, want: Any
) -> str | None:
    """The route's URL with its ids filled from `rows` (records `want` accepts), or None."""
    url = route.template
    for name in route.params:
        if name == "record_id":
            row = _pick(rows.get(route.collection or "", []), want)
            if row is None:
                return None
            url = url.replace("{record_id}", row.record_id)
        elif name == "location_id":
            url = url.replace("{location_id}", home)
        elif name == "framework_id":
            url = url.replace("{framework_id}", FRAMEWORK)
        elif name == "event_id":
            url = url.replace("{event_id}", world.events[id(rows)])
        else:
            raise AssertionError(f"{route.template}: no value for path parameter {name!r}")
    return url


def _is_problem(response: httpx.Response, status: int | tuple[int, ...]) -> str | None:
    wanted = (status,) if isinstance(status, int) else status
    if response.status_code not in wanted:
        return f"answered {response.status_code}, wanted {wanted}: {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return f"answered {response.status_code} without a problem body"
    return None


def _no_foreign(world: World, allowed: set[str]) -> Callable[[httpx.Response], str | None]:
    def judge(response: httpx.Response) -> str | None:
        if response.status_code >= 500:
            return f"answered {response.status_code}"
        leaked = (set(UUID_RE.findall(response.text)) & world.b_ids) - allowed
        return f"disclosed tenant B ids {sorted(leaked)[:3]}" if leaked else None

    return judge


def _anonymous_cases(headers: dict[str, str]) -> Callable[[World], list[Probe]]:
    def probes(world: World) -> list[Probe]:
        home = world.users["home_manager"][1][0]
        out = []
        for route in world.routes:
            url = _url(world, route, world.a, str(home), lambda _r: True) or _unseeded(route)
            judge = _problem_of(401) if (route.method, route.template) not in PUBLIC else _ok
            out.append(Probe(route, url, headers, judge))
        return out

    return probes


def no_token(world: World) -> list[Probe]:
    return _anonymous_cases({})(world)


def expired_token(world: World) -> list[Probe]:
    headers = world.token("group_admin", lifetime=timedelta(minutes=-5))
    return _anonymous_cases(headers)(world)


def alg_none(world: World) -> list[Probe]:
    user, _homes = world.users["group_admin"]
    claims = {
        "iss": "caretrail-dev", "sub": str(user), "org": str(demo_id("group", A_NAME)),
        "org_kind": "provider", "roles": ["group_admin"], "locations": [],
        "iat": 1_700_000_000, "nbf": 1_700_000_000, "exp": 4_000_000_000,
    }  # fmt: skip
    token = jwt.encode(claims, None, algorithm="none")
    return _anonymous_cases({"Authorization": f"Bearer {token}"})(world)


def another_key(world: World) -> list[Probe]:
    return _anonymous_cases(world.token("group_admin", key="not-this-deployments-key-" * 2))(world)


def tenant_a_on_tenant_b_ids(world: World) -> list[Probe]:
    headers = world.token("group_admin")
    b_home = world.b["locations"][0].record_id
    out = []
    for route in world.routes:
        if route.params and not REFERENCE_PARAMS & set(route.params):
            url = _url(world, route, world.b, b_home, lambda _r: True) or _unseeded(route)
            asked = set(UUID_RE.findall(url))
            out.append(
                Probe(route, url, headers, _both(_problem_of(404), _no_foreign(world, asked)))
            )
        elif route.method == "GET":
            url = _url(world, route, world.b, b_home, lambda _r: True) or route.template
            params = {"location_id": b_home}
            out.append(Probe(route, url, headers, _no_foreign(world, {b_home}), params))
    return out


def _problem_of(status: int | tuple[int, ...]) -> Callable[[httpx.Response], str | None]:
    return lambda response: _is_problem(response, status)


def _both(
    *judges: Callable[[httpx.Response], str | None],
) -> Callable[[httpx.Response], str | None]:
    return lambda response: next((c for j in judges if (c := j(response))), None)


def _staff_may(route: Route) -> bool:
    if route.method == "GET":
        return route.collection not in ADMIN_READ and route.template not in STAFF_CANNOT_READ
    return (route.collection, route.action) in STAFF_WRITES


def staff_on_admin_routes(world: World) -> list[Probe]:
    user, homes = world.users["staff"]
    headers, mine = world.token("staff"), {str(h) for h in homes}
    out = []
    for route in world.routes:
        if route.method != "GET" and route.collection is None:
            raise AssertionError(f"classify {route.method} {route.template} in NON_RECORD_WRITES")

        def in_reach(row: Row) -> bool:
            # In the staff member's home (or homeless), and not their own (no own-record rows).
            return (row.location_id is None or row.location_id in mine) and row.summary.get(
                "owner_id"
            ) != str(user)

        url = _url(world, route, world.a, next(iter(mine)), in_reach)
        if url is None:
            out.append(Probe(route, _unseeded(route), headers, _problem_of((403, 404))))
        elif _staff_may(route):
            out.append(Probe(route, url, headers, _allowed))
        else:
            out.append(Probe(route, url, headers, _problem_of(403)))
    return out


def _unseeded(route: Route) -> str:
    """The URL of a route whose collection has no record to probe, with an id of nothing."""
    assert route.collection in UNSEEDED, f"no {route.collection} record to probe {route.template}"
    return route.template.replace("{record_id}", str(uuid4()))


def _ok(response: httpx.Response) -> str | None:
    return None if response.status_code == 200 else f"answered {response.status_code}"


def _allowed(response: httpx.Response) -> str | None:
    if response.status_code in (401, 403, 404) or response.status_code >= 500:
        return f"answered {response.status_code}: {response.text[:200]}"
    return None


def manager_outside_their_homes(world: World) -> list[Probe]:
    _user, homes = world.users["home_manager"]
    headers, mine = world.token("home_manager"), {str(h) for h in homes}
    outside = next(r.record_id for r in world.a["locations"] if r.record_id not in mine)
    theirs = {
        row.record_id
        for rows in world.a.values()
        for row in rows
        if row.location_id is not None and row.location_id not in mine
    }
    out = []
    for route in world.routes:
        if route.params:
            if set(route.params) - {"record_id", "location_id"}:
                continue  # not about a home: reference data, the trail's proofs
            url = _url(world, route, world.a, outside, lambda r: r.location_id == outside)
            if url is None:
                continue  # records with no home (users, templates) are the whole group's
            out.append(Probe(route, url, headers, _problem_of((403, 404))))
        elif route.method == "GET" and not route.params:

            def judge(response: httpx.Response) -> str | None:
                if response.status_code >= 500:
                    return f"answered {response.status_code}"
                leaked = (set(UUID_RE.findall(response.text)) & theirs) - {outside}
                return f"disclosed other homes' records {sorted(leaked)[:3]}" if leaked else None

            out.append(Probe(route, route.template, headers, judge, {"location_id": outside}))
    return out


#: The demo's Leeds council (infra/demo/access.py): granted two of group A's homes and one of B's.
COUNCIL = "Leeds City Council"
COUNCIL_HOMES = {
    str(demo_id("home", A_NAME, "Meadowbank House")),
    str(demo_id("home", A_NAME, "Rosewood Lodge")),
    str(demo_id("home", B_NAME, "Kirkstall Court")),
}


def _council_token(world: World) -> dict[str, str]:
    minted = mint_token(
        world.live.runtime.signing_key,
        user_id=demo_id("user", COUNCIL, "officer"),
        organisation_id=demo_id("organisation", COUNCIL),
        organisation_kind="local_authority",
        roles=["la_officer"],
        location_ids=[],
    )
    return {"Authorization": f"Bearer {minted}"}


def _ungranted(world: World) -> set[str]:
    """Every record of either group in a home the council was not granted."""
    return {
        row.record_id
        for tenant in (world.a, world.b)
        for rows in tenant.values()
        for row in rows
        if row.location_id is not None and row.location_id not in COUNCIL_HOMES
    }


def council_outside_its_grants(world: World) -> list[Probe]:
    headers, theirs = _council_token(world), _ungranted(world)
    outside = next(r.record_id for r in world.a["locations"] if r.record_id not in COUNCIL_HOMES)

    def no_ungranted(asked: set[str]) -> Callable[[httpx.Response], str | None]:
        def judge(response: httpx.Response) -> str | None:
            if response.status_code >= 500:
                return f"answered {response.status_code}"
            leaked = (set(UUID_RE.findall(response.text)) & theirs) - asked
            return f"disclosed ungranted records {sorted(leaked)[:3]}" if leaked else None

        return judge

    out = []
    for route in world.routes:
        if route.params and not REFERENCE_PARAMS & set(route.params):
            url = _url(world, route, world.a, outside, lambda r: r.location_id == outside)
            if url is None:
                continue  # no record of this collection in that home
            asked = set(UUID_RE.findall(url))
            out.append(
                Probe(route, url, headers, _both(_problem_of((403, 404)), no_ungranted(asked)))
            )
        elif route.method == "GET":
            params = {"location_id": outside}
            url = _url(world, route, world.a, outside, lambda _r: True) or route.template
            out.append(Probe(route, url, headers, no_ungranted({outside}), params))
    return out


def council_writing(world: World) -> list[Probe]:
    headers, theirs = _council_token(world), _ungranted(world)
    granted = next(iter(sorted(COUNCIL_HOMES & {r.record_id for r in world.a["locations"]})))
    out = []
    for route in world.routes:
        if route.method == "GET":
            continue
        url = _url(world, route, world.a, granted, lambda r: r.location_id in COUNCIL_HOMES)
        url = url or _url(world, route, world.a, granted, lambda _r: True)
        if url is None:
            continue
        out.append(
            Probe(route, url, headers, _both(_problem_of((403, 404)), _no_foreign_rows(theirs)))
        )
    return out


def _no_foreign_rows(theirs: set[str]) -> Callable[[httpx.Response], str | None]:
    def judge(response: httpx.Response) -> str | None:
        leaked = set(UUID_RE.findall(response.text)) & theirs
        return f"disclosed ungranted records {sorted(leaked)[:3]}" if leaked else None

    return judge


CASES: dict[str, Callable[[World], list[Probe]]] = {
    "no token": no_token,
    "expired token": expired_token,
    "alg none": alg_none,
    "signed with another key": another_key,
    "tenant A user on tenant B ids": tenant_a_on_tenant_b_ids,
    "staff on admin routes": staff_on_admin_routes,
    "manager outside their homes": manager_outside_their_homes,
    "local authority outside its grants": council_outside_its_grants,
    "local authority writing": council_writing,
}


@pytest.mark.parametrize("case", list(CASES))
async def test_every_route_answers_as_the_matrix_says(
    http: httpx.AsyncClient, world: World, case: str
) -> None:
    probes = CASES[case](world)
    assert len(probes) >= len(catalog.RECORD_APIS), "too few routes probed to prove anything"
    wrong = []
    for probe in probes:
        body = {} if probe.route.has_body else None
        response = await http.request(
            probe.route.method, probe.url, json=body, params=probe.params, headers=probe.headers
        )
        complaint = probe.judge(response)
        if complaint:
            wrong.append(f"{probe.route.method} {probe.url}: {complaint}")
    assert not wrong, f"{len(wrong)} of {len(probes)} wrong:\n" + "\n".join(wrong)
