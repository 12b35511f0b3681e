"""The Litestar application factory: the HTTP composition root."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Response
from sqlalchemy import text

from infra import metrics as prometheus
from infra import migrate
from infra.broker import broker_url, configure_workers
from infra.database import asyncpg_dsn, create_engine, open_database
from infra.embedded import Runtime, configured_runtime
from infra.logs import configure_logging
from infra.records import build_records
from infra.requests import request_context
from infra.settings import Settings
from projections import PROJECTIONS, Runner
from services import catalog
from services.access.middleware import external_viewers
from services.access.viewer import read_only_for_external_viewers
from services.http import routes as record_routes
from services.http.after_write import nudge_after_writes
from services.http.principal import authenticated, current_principal
from services.http.problems import EXCEPTION_HANDLERS, problem
from services.identities.authentication import authenticator_for
from services.kernel.handling import Records
from services.trail.heads import TrailKey
from services.views import governance
from workers.broker import describe
from workers.nudge import catch_up_nudger

API_PREFIX = "/api/v1"

log = structlog.get_logger()


@get("/health", tags=["operations"], summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", tags=["operations"], summary="Readiness: database reachable, migrations at head")
async def ready(state: State) -> Response[Any]:
    head = migrate.head_revision()
    try:
        async with state.engine.connect() as conn:
            current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # any failure to reach the database means not ready
        return problem(503, "Not ready", f"database unreachable: {type(exc).__name__}")
    if current != head:
        return problem(503, "Not ready", f"migrations at {current}, head is {head}")
    # Lag is information for the operator, not a readiness condition.
    projections: dict[str, Any]
    try:
        projections = prometheus.lag_summary(await state.runner.lag())
    except Exception as exc:
        log.warning("projection lag unavailable", error=type(exc).__name__)
        projections = {"error": f"lag unavailable: {type(exc).__name__}"}
    return Response(
        {"status": "ready", "database": "ok", "migration": current, "projections": projections}
    )


@get(
    "/metrics",
    tags=["operations"],
    summary="Prometheus metrics: projection lag per projection, over every tenant",
    media_type=prometheus.CONTENT_TYPE,
)
async def metrics(state: State) -> Response[bytes]:
    try:
        lags = await state.runner.lag()
    except Exception as exc:  # still answer, so the scrape shows the process is up
        log.warning("projection lag unavailable", error=type(exc).__name__)
        lags = []
    # The header is set here: Litestar appends a second charset to any text/* media type.
    return Response(prometheus.render(lags), headers={"content-type": prometheus.CONTENT_TYPE})


def api_router() -> Router:
    return Router(
        path=API_PREFIX,
        route_handlers=[
            *(record_routes.router(api) for api in catalog.RECORD_APIS),
            *catalog.HANDLERS,
            *governance.HANDLERS,
        ],
        dependencies={"principal": Provide(current_principal)},
        guards=[authenticated, read_only_for_external_viewers],
        security=[{"bearer": []}],
    )


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    resolved = runtime or configured_runtime(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        # The event store (and so every command and read) uses its own asyncpg pool; the small
        # SQLAlchemy engine only answers /ready.
        pool = await open_database(resolved.urls.app, settings.db_pool_size)
        engine = create_engine(resolved.urls.app, pool_size=1)
        app.state.engine = engine
        # The nudge port (services/http/after_write.py), filled with the workers' nudger.
        app.state.nudger = nudger = catch_up_nudger(
            configure_workers(settings, resolved),
            asyncpg_dsn(resolved.urls.app),
            describe(broker_url(settings, resolved)),
        )
        app.state.records = build_records(pool, resolved)
        app.state.runner = Runner(app.state.records.store, PROJECTIONS)
        # What is alive now (modules, the app, its pools) lives as long as the process: move it
        # out of the collector's sight, so a full collection scans only what requests made
        # since. Without this, a request that decodes many objects (the group overview) paid a
        # full collection over the whole app, about 90 ms, every few requests.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            nudger.close()
            await pool.close()
            await engine.dispose()

    def records(state: State) -> Records:
        return state.records  # type: ignore[no-any-return]

    return Litestar(
        route_handlers=[health, ready, metrics, api_router()],
        lifespan=[database],
        middleware=[request_context, nudge_after_writes, external_viewers],
        dependencies={"records": Provide(records, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        logging_config=None,  # infra.logs has configured structlog and the stdlib loggers
        openapi_config=OpenAPIConfig(
            title="caretrail",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        state=State(
            {
                "settings": settings,
                "signing_key": resolved.signing_key,
                "trail_key": (
                    TrailKey.from_base64(resolved.trail_key) if resolved.trail_key else None
                ),
                "authenticator": authenticator_for(settings, resolved.signing_key),
            }
        ),
    )
