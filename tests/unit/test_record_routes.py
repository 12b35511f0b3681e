"""Every record collection's generated routes carry that collection's own types: the create and
command bodies and the record's response are resolved through each handler's
signature_namespace (services/http/routes.py), and parsed and documented as those types."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from litestar import Litestar

from infra.app import create_app
from infra.database import DatabaseUrls
from infra.embedded import Runtime
from infra.settings import Settings
from services import catalog


@pytest.fixture(scope="module")
def app() -> Litestar:
    """The whole app, built without a database: nothing here opens a connection."""
    url = "postgresql://nobody@127.0.0.1:1/none"
    kek = base64.b64encode(bytes(32)).decode()
    return create_app(Settings(log_level="WARNING"), Runtime(DatabaseUrls(url, url), kek, "k" * 32))


def ref(operation: dict[str, Any], *where: str) -> str:
    found: Any = operation
    for key in where:
        found = found[key]
    return str(found["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]


def named(component: str, cls: type) -> bool:
    """Litestar names a component after its class, prefixed by its module when names clash."""
    return component == cls.__name__ or component.endswith(f"_{cls.__name__}")


def test_each_collection_documents_its_own_create_command_and_response_types(app: Litestar) -> None:
    paths = app.openapi_schema.to_schema()["paths"]
    for api in catalog.RECORD_APIS:
        response = f"{api.read_type.__name__}Response"
        create = paths[f"/api/v1{api.path}"]["post"]
        assert named(ref(create, "requestBody"), api.create_body), api.path
        assert ref(create, "responses", "201") == response, api.path
        assert ref(paths[f"/api/v1{api.path}/{{record_id}}"]["get"], "responses", "200") == response
        for route in api.commands:
            command = paths[f"/api/v1{api.path}/{{record_id}}/{route.name}"]["post"]
            assert ref(command, "responses", "200") == response, (api.path, route.name)
            if route.body is None:
                assert "requestBody" not in command, (api.path, route.name)
            else:
                assert named(ref(command, "requestBody"), route.body), (api.path, route.name)


def test_each_handler_parses_its_body_as_its_collections_type(app: Litestar) -> None:
    """What the handler itself will decode, not only what the document says."""
    by_operation = {
        getattr(h, "operation_id", None): h for route in app.routes for h in route.route_handlers
    }
    for api in catalog.RECORD_APIS:
        create = by_operation[f"create_{api.decider.stream_type}"]
        assert create.parsed_fn_signature.parameters["data"].annotation is api.create_body
        for route in api.commands:
            handler = by_operation[f"{api.decider.stream_type}_{route.name}"]
            data = handler.parsed_fn_signature.parameters.get("data")
            assert (data.annotation if data else None) is route.body, route.name
