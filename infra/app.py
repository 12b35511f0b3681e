"""The Litestar application factory: the HTTP composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.response import Response
from sqlalchemy import text

from eventstore import EventStore, Keyring
from infra import migrate
from infra.database import create_engine
from infra.embedded import Runtime, configured_runtime
from infra.logs import configure_logging
from infra.problems import EXCEPTION_HANDLERS, problem
from infra.requests import request_context
from infra.settings import Settings


@get("/health", tags=["operations"], summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", tags=["operations"], summary="Readiness: database reachable, migrations at head")
async def ready(state: State) -> Response:
    head = migrate.head_revision()
    try:
        async with state.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # any failure to reach the database means not ready
        return problem(503, "Not ready", f"database unreachable: {type(exc).__name__}")
    if current != head:
        return problem(503, "Not ready", f"migrations at {current}, head is {head}")
    return Response({"status": "ready", "database": "ok", "migration": current})


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    runtime = runtime or configured_runtime(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(runtime.urls.app, settings.db_pool_size)
        app.state.engine = engine
        app.state.store = EventStore(engine, Keyring.from_base64(runtime.kek))
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=[health, ready],
        lifespan=[database],
        middleware=[request_context],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        logging_config=None,  # infra.logs has configured structlog and the stdlib loggers
        openapi_config=OpenAPIConfig(title="caretrail", version="0.1.0", path="/schema"),
        state=State({"settings": settings}),
    )
