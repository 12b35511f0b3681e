"""The `caretrail` command: one entry point for running, migrating and checking the system. The
running commands are here; infra/cli_trail.py and infra/cli_directory.py add the others."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from infra import cli_directory, cli_trail
from infra.cli_runtime import runtime_for
from infra.embedded import NotRunning, read_runtime
from infra.environment import SettingsError
from infra.logs import configure_logging
from infra.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.data_dir:
        os.environ["CARETRAIL_DATA_DIR"] = str(Path(args.data_dir).absolute())
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"caretrail: not started, the environment is not right:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    return int(args.run(args, settings) or 0)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", help="data folder (default: $CARETRAIL_DATA_DIR or ./.caretrail)"
    )
    top = argparse.ArgumentParser(
        prog="caretrail", description=(__doc__ or "").split(". ")[0] + "."
    )
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    up = commands.add_parser(
        "up", parents=[common], help="start database, API, worker and scheduler"
    )
    up.add_argument("--demo", action="store_true", help="seed the demo provider groups")
    up.add_argument("--port", type=int, default=None)
    up.add_argument("--host", default=None)
    up.set_defaults(run=_up)

    migrate = commands.add_parser("migrate", parents=[common], help="migrate the database to head")
    migrate.set_defaults(run=_migrate)

    db_url = commands.add_parser(
        "db-url", parents=[common], help="print the owner URL of the running database"
    )
    db_url.set_defaults(run=_db_url)

    cli_trail.add_commands(commands, common)
    cli_directory.add_commands(commands, common)

    api = commands.add_parser("api", parents=[common], help="run only the HTTP API")
    api.add_argument("--port", type=int, default=None)
    api.add_argument("--host", default=None)
    api.set_defaults(run=_api)

    worker = commands.add_parser(
        "worker", parents=[common], help="run only the worker (dramatiq actors)"
    )
    worker.set_defaults(run=_worker)
    scheduler = commands.add_parser(
        "scheduler", parents=[common], help="run only the scheduler (periodic jobs)"
    )
    scheduler.set_defaults(run=_scheduler)
    return top


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from infra.supervisor import up

    if settings.production:
        print(
            "caretrail: `caretrail up` runs the development system (embedded database, generated"
            " keys, development tokens), never production: unset CARETRAIL_ENV, or run"
            " `caretrail migrate`, `api`, `worker` and `scheduler` with production settings",
            file=sys.stderr,
        )
        return 2
    settings = settings.with_(port=args.port or settings.port, host=args.host or settings.host)
    return up(settings, demo=args.demo)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from infra import migrate
    from infra.database import bootstrap

    async def run() -> None:
        runtime = await runtime_for(settings)
        owner_url = runtime.urls.owner
        if admin_url := settings.admin_database_url:
            # A fresh external server: create roles and database first, as its superuser.
            owner_password = settings.owner_password or ""
            urls = await bootstrap(admin_url, settings, owner_password, settings.app_password or "")
            owner_url = urls.owner
        await migrate.upgrade(owner_url, settings.app_role)

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


def _api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from infra.app import create_app

    settings = settings.with_(port=args.port or settings.port, host=args.host or settings.host)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from infra.worker import run_worker

    return run_worker(settings, asyncio.run(runtime_for(settings)))


def _scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from infra.scheduler import run_scheduler

    return run_scheduler(settings, asyncio.run(runtime_for(settings)))


if __name__ == "__main__":
    sys.exit(main())
