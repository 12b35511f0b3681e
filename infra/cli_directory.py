"""`caretrail tenant`, `external`, `token`, `login` and `users`: the directory of provider groups,
external viewers and users, and their development tokens and OpenID Connect logins."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from infra.cli_runtime import runtime_for
from infra.settings import Settings


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
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


def _tenant_create(args: argparse.Namespace, settings: Settings) -> int:
    from infra.admin import create_tenant

    async def run() -> str:
        return await create_tenant(
            await runtime_for(settings), args.name, args.admin_email, args.admin_name
        )

    print(asyncio.run(run()))
    return 0


def _external_create(args: argparse.Namespace, settings: Settings) -> int:
    from infra.access_cli import create_external

    async def run() -> str:
        return await create_external(
            await runtime_for(settings), args.kind, args.name, args.user_email, args.user_name
        )

    print(asyncio.run(run()))
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
        return await token_for(await runtime_for(settings), args.email, args.hours)

    token = asyncio.run(run())
    if token is None:
        print(f"no user with e-mail {args.email}", file=sys.stderr)
        return 1
    print(token)
    return 0


def _login_link(args: argparse.Namespace, settings: Settings) -> int:
    from infra.auth_cli import link_login

    async def run() -> str | None:
        return await link_login(await runtime_for(settings), args.email, args.issuer, args.subject)

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
        return await user_lines(await runtime_for(settings))

    for line in asyncio.run(run()):
        print(line)
    return 0
