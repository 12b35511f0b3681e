"""Every error leaves the API as RFC 9457 problem details; domain errors are mapped here, once."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from eventstore import ConcurrencyError, IdempotencyConflict

PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger()


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def _validation(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    errors = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                errors.append({"field": item.get("key") or item.get("field") or "body",
                               "message": item.get("message", "invalid")})  # fmt: skip
    return problem(400, "Invalid request", str(exc.detail), errors=errors)


def _http(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    extra = {"errors": exc.extra} if isinstance(exc.extra, list) else {}
    return problem(exc.status_code, _title(exc.status_code), str(exc.detail), **extra)


def _conflict(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    return problem(409, "Conflict", str(exc))


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
    IdempotencyConflict: _conflict,
    Exception: _unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
