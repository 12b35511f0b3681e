"""The OpenAPI document describes every route, body, enum and error the API really has."""

from __future__ import annotations

import json

import httpx

from services import catalog
from tests.e2e.conftest import LiveApi


def spec(live_api: LiveApi) -> dict:
    response = httpx.get(live_api.base_url + "/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_api_route_documents_its_problems_and_its_body(live_api: LiveApi) -> None:
    document = spec(live_api)
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert "401" in operation["responses"], (method, path)
            problems = [
                r for s, r in operation["responses"].items() if s.startswith("4") and s != "401"
            ]
            assert all("application/problem+json" in r.get("content", {}) for r in problems), (
                method,
                path,
            )
    for api in catalog.RECORD_APIS:
        create = document["paths"][f"/api/v1{api.path}"]["post"]
        assert "requestBody" in create, api.path
        for route in api.commands:
            command = document["paths"][f"/api/v1{api.path}/{{record_id}}/{route.name}"]["post"]
            assert ("requestBody" in command) == (route.body is not None), (api.path, route.name)


def test_enums_are_spelled_out(live_api: LiveApi) -> None:
    text = json.dumps(spec(live_api)["components"])
    for value in (
        "medication_error",
        "utilities_failure",
        "partly_upheld",
        "survey_response",
        "supported_living",
        "urgent",
        "hse_riddor",
    ):
        assert f'"{value}"' in text, value


def test_the_record_collections_of_the_contract_are_all_there(live_api: LiveApi) -> None:
    paths = set(spec(live_api)["paths"])
    for collection in (
        "locations",
        "audit-templates",
        "audits",
        "incidents",
        "complaints",
        "feedback",
        "actions",
    ):
        assert f"/api/v1/{collection}" in paths
        assert f"/api/v1/{collection}/{{record_id}}" in paths
        assert f"/api/v1/{collection}/{{record_id}}/history" in paths
    assert {"/api/v1/frameworks", "/api/v1/me", "/health", "/ready"} <= paths
