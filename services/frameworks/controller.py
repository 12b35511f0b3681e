"""`GET /frameworks`: every framework version with its key questions and quality statements.
Reference data, but still behind authentication like every API route."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from services.frameworks.catalogue import Framework, default_catalogue
from services.frameworks.errors import UnknownFramework
from services.http.principal import Principal
from services.http.problems import problem_responses


@get(
    "/frameworks",
    tags=["frameworks"],
    summary="Assessment framework versions",
    operation_id="list_frameworks",
    responses=problem_responses(400, 401),
)
async def list_frameworks(principal: NamedDependency[Principal]) -> list[Framework]:
    catalogue = default_catalogue()
    return [catalogue.framework(version) for version in catalogue.versions()]


@get(
    "/frameworks/{framework_id:str}",
    tags=["frameworks"],
    summary="One framework version",
    operation_id="read_framework",
    responses=problem_responses(400, 401, 404),
)
async def read_framework(
    framework_id: FromPath[str], principal: NamedDependency[Principal]
) -> Framework:
    try:
        return default_catalogue().framework(framework_id)
    except UnknownFramework:
        raise NotFoundException(f"no framework {framework_id!r}") from None


HANDLERS = (list_frameworks, read_framework)
