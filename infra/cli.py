"""The `caretrail` command: one entry point for running, migrating and checking the system."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from infra.embedded import NotRunning, Runtime, configured_runtime, read_runtime, start_embedded
from infra.logs import configure_logging
from infra.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.data_dir:
        os.environ["CARETRAIL_DATA_DIR"] = str(Path(args.data_dir).absolute())
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return int(args.run(args, settings) or 0)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="data folder (default: $CARETRAIL_DATA_DIR or ./.caretrail)")
    top = argparse.ArgumentParser(prog="caretrail", description=__doc__)
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    up = commands.add_parser("up", parents=[common], help="start database, API, worker and scheduler")
    up.add_argument("--demo", action="store_true", help="seed the demo provider groups")
    up.add_argument("--port", type=int, default=None)
    up.add_argument("--host", default=None)
    up.set_defaults(run=_up)

    migrate = commands.add_parser("migrate", parents=[common], help="migrate the database to head")
    migrate.set_defaults(run=_migrate)

    db_url = commands.add_parser("db-url", parents=[common], help="print the owner URL of the running database")
    db_url.set_defaults(run=_db_url)

    verify = commands.add_parser("verify", parents=[common], help="recompute a tenant's hash chain")
    verify.add_argument("--tenant", type=UUID, required=True)
    verify.set_defaults(run=_verify)

    api = commands.add_parser("api", parents=[common], help="run only the HTTP API")
    api.add_argument("--port", type=int, default=None)
    api.add_argument("--host", default=None)
    api.set_defaults(run=_api)

    for role in ("worker", "scheduler"):
        process = commands.add_parser(role, parents=[common], help=f"run only the {role}")
        process.set_defaults(run=_idle, role=role)
    return top


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from infra.supervisor import up

    settings = settings.with_(port=args.port or settings.port, host=args.host or settings.host)
    return up(settings, demo=args.demo)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from infra import migrate

    async def run() -> None:
        runtime = await _runtime(settings)
        await migrate.upgrade(runtime.urls.owner, settings.app_role)

    asyncio.run(run())
    print(f"migrated to {migrate.head_revision()}")
    return 0


def _db_url(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.embedded:
        print(settings.database_url)
        return 0
    try:
        print(read_runtime(settings)["owner_url"])
    except NotRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from eventstore import verify_chain
    from infra.database import create_engine

    async def run() -> bool:
        runtime = await _runtime(settings)
        engine = create_engine(runtime.urls.owner, pool_size=1)
        try:
            report = await verify_chain(engine, args.tenant)
        finally:
            await engine.dispose()
        print(report.describe())
        return report.ok

    return 0 if asyncio.run(run()) else 1


def _api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from infra.app import create_app

    settings = settings.with_(port=args.port or settings.port, host=args.host or settings.host)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


def _idle(args: argparse.Namespace, settings: Settings) -> int:
    from infra.idle import run_until_stopped

    return run_until_stopped(args.role)


async def _runtime(settings: Settings) -> Runtime:
    """The configured database, or the embedded one (attached if running, else started)."""
    if not settings.embedded:
        return configured_runtime(settings)
    _server, runtime = await start_embedded(settings)
    return runtime


if __name__ == "__main__":
    sys.exit(main())
