"""`caretrail verify`, `export`, `public-key` and `projections`: checking the trail (a tenant's
chain, or an evidence pack offline), exporting packs, and rebuilding or watching read models."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from infra.cli_runtime import runtime_for
from infra.settings import Settings


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
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
        runtime = await runtime_for(settings)
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
        return await export_pack(await runtime_for(settings), args)

    try:
        print(asyncio.run(run()))
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _public_key(args: argparse.Namespace, settings: Settings) -> int:
    from infra.trail_cli import public_key_document

    print(public_key_document(asyncio.run(runtime_for(settings))))
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
        return await projections_cli.rebuild(
            await runtime_for(settings), args.projection, args.tenant
        )

    swapped = asyncio.run(run())
    print(f"rebuilt {swapped} (tenant, projection) pairs")
    return 0


def _projections_lag(args: argparse.Namespace, settings: Settings) -> int:
    from infra import projections_cli

    async def run() -> list[str]:
        return await projections_cli.lag_lines(await runtime_for(settings), args.tenant)

    for line in asyncio.run(run()):
        print(line)
    return 0
