"""The `caretrail` command: one entry point for running, migrating and checking the system."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from uuid import UUID

from infra.embedded import NotRunning, Runtime, configured_runtime, read_runtime, start_embedded
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
    top = argparse.ArgumentParser(prog="caretrail", description=__doc__)
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

    verify = commands.add_parser(
        "verify",
        parents=[common],
        help="recompute a tenant's hash chain (--tenant ID), or check an evidence pack offline"
        " (PACK.zip --public-key KEYFILE)",
    )
    verify.add_argument("pack", nargs="?", help="an evidence pack from `caretrail export`")
    verify.add_argument("--tenant", type=UUID)
    verify.add_argument("--public-key", help="the key file GET /api/v1/trail/public-key serves")
    verify.add_argument(
        "--consistency", help="a saved GET /api/v1/trail/consistency answer from the pack's head"
    )
    verify.set_defaults(run=_verify)

    export = commands.add_parser(
        "export", parents=[common], help="write an evidence pack of one home's events"
    )
    export.add_argument("--location", type=UUID, required=True, help="the home (location id)")
    export.add_argument("--from", dest="first_day", type=date.fromisoformat, required=True)
    export.add_argument("--to", dest="last_day", type=date.fromisoformat, required=True)
    export.add_argument("--out", type=Path, required=True, help="the zip file to write")
    export.add_argument("--personal", choices=("sealed", "decrypted"), default="sealed")
    export.set_defaults(run=_export)

    public_key = commands.add_parser(
        "public-key", parents=[common], help="print the trail's public key (JSON)"
    )
    public_key.set_defaults(run=_public_key)

    tenant = commands.add_parser("tenant", parents=[common], help="manage provider groups")
    tenant_commands = tenant.add_subparsers(required=True, metavar="ACTION")
    create = tenant_commands.add_parser(
        "create", parents=[common], help="create a provider group and its admin"
    )
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-name", default="Group administrator")
    create.set_defaults(run=_tenant_create)

    external = commands.add_parser(
        "external", parents=[common], help="local authorities and regulators (external viewers)"
    )
    external_commands = external.add_subparsers(required=True, metavar="ACTION")
    create_external = external_commands.add_parser(
        "create", parents=[common], help="create a local authority or regulator and its first user"
    )
    create_external.add_argument("--kind", choices=("local_authority", "regulator"), required=True)
    create_external.add_argument("--name", required=True)
    create_external.add_argument("--user-email", required=True)
    create_external.add_argument("--user-name", required=True)
    create_external.set_defaults(run=_external_create)

    projections = commands.add_parser(
        "projections", parents=[common], help="rebuild read models, or show how far behind they are"
    )
    projection_commands = projections.add_subparsers(required=True, metavar="ACTION")
    rebuild = projection_commands.add_parser(
        "rebuild", parents=[common], help="rebuild projections from seq 1 and swap them in"
    )
    rebuild.add_argument("--projection", metavar="NAME", help="one projection (default: all)")
    rebuild.add_argument("--tenant", type=UUID, help="one tenant (default: all)")
    rebuild.set_defaults(run=_projections_rebuild)
    lag = projection_commands.add_parser(
        "lag", parents=[common], help="events and seconds behind, one JSON line each"
    )
    lag.add_argument("--tenant", type=UUID, help="one tenant (default: all)")
    lag.set_defaults(run=_projections_lag)

    token = commands.add_parser(
        "token", parents=[common], help="mint a development token for a user"
    )
    token.add_argument("email")
    token.add_argument("--hours", type=int, default=12)
    token.set_defaults(run=_token)

    login = commands.add_parser("login", parents=[common], help="OpenID Connect logins of users")
    login_commands = login.add_subparsers(required=True, metavar="ACTION")
    link = login_commands.add_parser(
        "link", parents=[common], help="link a user's login (issuer + sub) to their caretrail user"
    )
    link.add_argument("--email", required=True)
    link.add_argument("--issuer", required=True, help="the provider's `iss`, exactly")
    link.add_argument("--subject", required=True, help="the user's `sub` at that provider")
    link.set_defaults(run=_login_link)

    users = commands.add_parser("users", parents=[common], help="print every user as JSON lines")
    users.set_defaults(run=_users)

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
        runtime = await _runtime(settings)
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


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from eventstore import verify_chain
    from infra.database import create_engine

    if args.pack is not None:
        from services.trail import verify_pack

        if args.public_key is None:
            print("checking a pack needs --public-key KEYFILE", file=sys.stderr)
            return 2
        return verify_pack.run(args.pack, args.public_key, args.consistency)
    if args.tenant is None:
        print("give --tenant ID (the chain) or PACK.zip --public-key KEYFILE", file=sys.stderr)
        return 2

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


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from infra.trail_cli import export_pack

    async def run() -> str:
        return await export_pack(await _runtime(settings), args)

    try:
        print(asyncio.run(run()))
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _public_key(args: argparse.Namespace, settings: Settings) -> int:
    from infra.trail_cli import public_key_document

    print(public_key_document(asyncio.run(_runtime(settings))))
    return 0


def _tenant_create(args: argparse.Namespace, settings: Settings) -> int:
    from infra.admin import create_tenant

    async def run() -> str:
        return await create_tenant(
            await _runtime(settings), args.name, args.admin_email, args.admin_name
        )

    print(asyncio.run(run()))
    return 0


def _external_create(args: argparse.Namespace, settings: Settings) -> int:
    from infra.access_cli import create_external

    async def run() -> str:
        return await create_external(
            await _runtime(settings), args.kind, args.name, args.user_email, args.user_name
        )

    print(asyncio.run(run()))
    return 0


def _projections_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from infra import projections_cli
    from projections import UnknownProjection

    try:
        projections_cli.check_projection(args.projection)
    except UnknownProjection as exc:
        known = ", ".join(projections_cli.projection_names())
        print(f"{exc}; known projections: {known}", file=sys.stderr)
        return 2

    async def run() -> int:
        return await projections_cli.rebuild(await _runtime(settings), args.projection, args.tenant)

    swapped = asyncio.run(run())
    print(f"rebuilt {swapped} (tenant, projection) pairs")
    return 0


def _projections_lag(args: argparse.Namespace, settings: Settings) -> int:
    from infra import projections_cli

    async def run() -> list[str]:
        return await projections_cli.lag_lines(await _runtime(settings), args.tenant)

    for line in asyncio.run(run()):
        print(line)
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from infra.admin import token_for

    if settings.production:
        print(
            "development tokens are refused in production: use your OpenID Connect provider",
            file=sys.stderr,
        )
        return 2

    async def run() -> str | None:
        return await token_for(await _runtime(settings), args.email, args.hours)

    token = asyncio.run(run())
    if token is None:
        print(f"no user with e-mail {args.email}", file=sys.stderr)
        return 1
    print(token)
    return 0


def _login_link(args: argparse.Namespace, settings: Settings) -> int:
    from infra.auth_cli import link_login

    async def run() -> str | None:
        return await link_login(await _runtime(settings), args.email, args.issuer, args.subject)

    try:
        linked = asyncio.run(run())
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if linked is None:
        print(f"no user with e-mail {args.email}", file=sys.stderr)
        return 1
    print(linked)
    return 0


def _users(args: argparse.Namespace, settings: Settings) -> int:
    from infra.admin import user_lines

    async def run() -> list[str]:
        return await user_lines(await _runtime(settings))

    for line in asyncio.run(run()):
        print(line)
    return 0


def _api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from infra.app import create_app

    settings = settings.with_(port=args.port or settings.port, host=args.host or settings.host)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from infra.worker import run_worker

    return run_worker(settings, asyncio.run(_runtime(settings)))


def _scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from infra.scheduler import run_scheduler

    return run_scheduler(settings, asyncio.run(_runtime(settings)))


async def _runtime(settings: Settings) -> Runtime:
    """The configured database, or the embedded one (attached if running, else started)."""
    if not settings.embedded:
        return configured_runtime(settings)
    from infra import migrate

    _server, runtime = await start_embedded(settings)
    await migrate.upgrade(runtime.urls.owner, settings.app_role)  # a no-op when already at head
    return runtime


if __name__ == "__main__":
    sys.exit(main())
