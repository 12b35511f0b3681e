"""structlog set-up: JSON lines with the request and tenant bound from context variables.

Standard-library loggers (uvicorn, alembic, dramatiq) go through the same renderer, so every
line a process writes is one JSON object.
"""

from __future__ import annotations

import logging
import sys

import structlog

SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=SHARED_PROCESSORS,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # our request log replaces it
    for chatty in ("pgserver", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _AlembicPreamble) for f in migration.filters):
        migration.addFilter(_AlembicPreamble())


class _AlembicPreamble(logging.Filter):
    """Drops the two lines Alembic logs every time it connects ("Context impl
    PostgresqlImpl.", "Will assume transactional DDL."). Every embedded-database subcommand
    migrates to head first (a no-op there), so without this `caretrail token` and the like
    printed them on every call; "Running upgrade ..." lines, which say what changed, stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("Context impl ", "Will assume "))
