"""Every error leaves the API as RFC 9457 problem details; domain errors are mapped here, once."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from eventstore import ConcurrencyError, IdempotencyConflict, SubjectErased
from services.kernel.errors import (
    Forbidden,
    InvalidCommand,
    InvalidTransition,
    RecordNotFound,
    VersionMismatch,
)

PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger()


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


_MISSING = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")
_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`")


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """Litestar reports a missing field against the whole body ("data"): name the field itself."""
    message = str(item.get("message", "invalid"))
    field = str(item.get("key") or item.get("field") or "body")
    if missing := _MISSING.search(message):
        prefix = "" if field in ("data", "body") else f"{field}."
        field = prefix + missing.group(1)
    elif (at := _AT_PATH.search(message)) and field in ("data", "body"):
        field = at.group(1) or "body"
    return {"field": field, "message": _AT_PATH.sub("", message)}


def _validation(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in items if isinstance(item, dict)]
    if not errors:
        errors = [{"field": "body", "message": str(exc.detail)}]
    return problem(400, "Invalid request", str(exc.detail), errors=errors)


def _http(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    extra: dict[str, Any] = {"errors": exc.extra} if isinstance(exc.extra, list) else {}
    if exc.status_code == 400 and not extra:
        extra = {"errors": [{"field": "body", "message": str(exc.detail)}]}
    return problem(exc.status_code, _title(exc.status_code), str(exc.detail), **extra)


def _conflict(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(409, "Conflict", str(exc))


def _not_found(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(404, "Not found", str(exc))


def _invalid(request: Request, exc: InvalidCommand) -> Response[dict[str, Any]]:
    return problem(
        422, "Invalid request", str(exc), errors=[{"field": exc.field, "message": exc.message}]
    )


def _unprocessable(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(422, "Unprocessable request", str(exc))


def _forbidden(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(403, "Forbidden", str(exc))


def _stale(request: Request, exc: VersionMismatch) -> Response[dict[str, Any]]:
    return problem(412, "Precondition failed", str(exc), current_version=exc.actual)


def _unexpected(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error", path=request.url.path)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", "the error was logged")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


EXCEPTION_HANDLERS = {
    ValidationException: _validation,
    HTTPException: _http,
    ConcurrencyError: _conflict,
    InvalidTransition: _conflict,
    IdempotencyConflict: _unprocessable,
    SubjectErased: _unprocessable,
    RecordNotFound: _not_found,
    InvalidCommand: _invalid,
    Forbidden: _forbidden,
    VersionMismatch: _stale,
    Exception: _unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details, as every error of the API is answered."""

    type: str = "about:blank"
    status: int
    title: str
    detail: str | None = None
    errors: list[FieldError] | None = None


_MEANINGS = {
    400: "Malformed request: bad JSON, a missing or wrong-typed field, an unknown enum value",
    401: "No valid bearer token",
    403: "The caller's role does not allow this",
    404: "No such record in the caller's provider group and homes",
    409: "The record changed meanwhile (lost race) or its state does not allow the command",
    412: "If-Match names a version that is no longer current",
    422: "Well-formed but invalid: an unknown reference, a date in the future, a reused Idempotency-Key",
    503: "The views have not reached the Caretrail-Min-Seq asked for within the wait bound",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problems a route can answer."""
    return {
        s: ResponseSpec(
            Problem, description=_MEANINGS[s], media_type=PROBLEM_JSON, generate_examples=False
        )
        for s in statuses
    }
