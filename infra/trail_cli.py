"""`caretrail export` and `caretrail public-key`: the trail's operator commands."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from infra.admin import open_records
from infra.embedded import Runtime
from services.trail.export import PackRequest, build_pack, tenant_of_location
from services.trail.heads import TrailKey


def trail_key(runtime: Runtime) -> TrailKey:
    if runtime.trail_key is None:
        raise LookupError("no trail signing key is configured (CARETRAIL_TRAIL_SIGNING_KEY)")
    return TrailKey.from_base64(runtime.trail_key)


async def export_pack(runtime: Runtime, args: argparse.Namespace) -> str:
    """Write the pack to `args.out`; the line to print. LookupError for an unknown home."""
    key = trail_key(runtime)
    async with open_records(runtime) as records:
        tenant = await tenant_of_location(records, args.location)
        if tenant is None:
            raise LookupError(f"no provider group has a home {args.location}")
        request = PackRequest(
            tenant_id=tenant,
            location_id=args.location,
            first_day=args.first_day,
            last_day=args.last_day,
            personal=args.personal,
            exported_by={"operator": "caretrail export"},
        )
        body = await build_pack(records, key, request, datetime.now(UTC))
    args.out.write_bytes(body)
    return f"wrote {args.out} ({len(body)} bytes) for home {args.location} of tenant {tenant}"


def public_key_document(runtime: Runtime) -> str:
    return json.dumps(trail_key(runtime).public_document())
