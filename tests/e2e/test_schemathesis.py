"""schemathesis against the live app's own /schema/openapi.json, with a valid group admin token of
the demo's first provider group: for every operation, generated requests never answer 5xx, and
every answer's status, content type and body conform to what the document says.

Bounded (a few examples per operation, no shrinking) to stay within a couple of minutes on two
cores; failures are gathered across operations and reported together."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.demo.driver import demo_id
from infra.demo.organisations import GROUPS
from tests.e2e.conftest import LiveApi, demo_auth

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Operations whose answer is not JSON described by a schema (a zip, Prometheus text).
NOT_JSON = {("POST", "/api/v1/exports"), ("GET", "/metrics")}


@pytest.fixture(scope="module")
def admin(demo_seeded: LiveApi) -> dict[str, str]:
    name = next(iter(GROUPS))
    return demo_auth(demo_seeded, name, demo_id("user", name, "admin"), ["group_admin"])


def test_generated_requests_never_fail_the_server_and_answers_match_the_schema(
    live_api: LiveApi, admin: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_url(live_api.base_url + "/schema/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_JSON:
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            case.call_and_validate(base_url=live_api.base_url, headers=admin, checks=CHECKS)

        try:
            exercise()
        except (AssertionError, hypothesis.errors.HypothesisException, BaseExceptionGroup) as exc:
            # schemathesis raises its findings as an exception group, one per distinct failure.
            failures.append(f"{operation.method.upper()} {operation.path}: {_describe(exc)}")
    assert operations > 50, "the OpenAPI document lists too few operations"
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)


def _describe(exc: BaseException) -> str:
    if not isinstance(exc, BaseExceptionGroup):
        return str(exc)[:600]
    reproduce = str(exc).partition("Reproduce with:")[2].strip().splitlines()[:1]
    found = " | ".join(f"{type(e).__name__}: {str(e)[:300]}" for e in exc.exceptions)
    return f"{found}\n  reproduce: {reproduce[0] if reproduce else '?'}"
