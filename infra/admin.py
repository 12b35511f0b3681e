"""Operator commands that act through the records: `tenant create`, `token`, `users`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from infra.embedded import Runtime
from services.http.principal import mint_token
from services.kernel.handling import Records
from services.organisations import directory


@asynccontextmanager
async def open_records(runtime: Runtime) -> AsyncIterator[Records]:
    """The command path outside the API process, as the application role (RLS applies)."""
    from infra.database import open_database
    from infra.records import build_records

    pool = await open_database(runtime.urls.app, pool_size=4)
    try:
        yield build_records(pool, runtime)
    finally:
        await pool.close()


async def create_tenant(runtime: Runtime, name: str, admin_email: str, admin_name: str) -> str:
    async with open_records(runtime) as records:
        created = await directory.create_provider_group(records, name, admin_email, admin_name)
    return json.dumps(
        {
            "tenant_id": str(created.tenant_id),
            "name": created.name,
            "admin_user": {
                "id": str(created.admin_user_id),
                "email": created.admin_email,
                "name": admin_name,
                "roles": ["group_admin"],
            },
        }
    )


async def token_for(runtime: Runtime, email: str, hours: int) -> str | None:
    async with open_records(runtime) as records:
        found = await directory.find_user_by_email(records, email)
        if found is None:
            return None
        organisation_id, user = found
        kinds = {o["id"]: o["kind"] for o in await directory.organisations(records)}
    return mint_token(
        runtime.signing_key,
        user_id=user.id,
        organisation_id=organisation_id,
        organisation_kind=kinds[organisation_id],
        roles=user.roles,
        location_ids=user.location_ids,
        lifetime=timedelta(hours=hours),
    )


async def user_lines(runtime: Runtime) -> list[str]:
    async with open_records(runtime) as records:
        return [json.dumps(u) for u in await directory.all_users(records)]
