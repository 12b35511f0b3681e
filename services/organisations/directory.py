"""The organisation registry and user directory: tenant creation, settings, finding users."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventstore.binding import Binding
from eventstore.connection import raw_connection
from services.kernel.handling import Caller, Records
from services.organisations.groups import GROUPS, RegisterProviderGroup, effective_settings
from services.organisations.users import USERS, RegisterUser, User

#: The actor of changes made by the system itself (set-up, the CLI), not by a person.
SYSTEM_ACTOR = UUID(int=0)


def email_digest(records: Records, email: str) -> str:
    return records.store.keyring.lookup_digest("email", email.strip().lower())


async def register_organisation(
    records: Records, organisation_id: UUID, kind: str, name: str
) -> None:
    async with raw_connection(records.store.pool) as conn:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, kind, name) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            organisation_id,
            kind,
            name,
        )


async def organisations(records: Records) -> list[dict[str, Any]]:
    async with raw_connection(records.store.pool) as conn:
        rows = await conn.fetch(
            "SELECT organisation_id, kind, name FROM organisations ORDER BY created_at, name"
        )
    return [
        {"id": UUID(str(r["organisation_id"])), "kind": r["kind"], "name": r["name"]} for r in rows
    ]


async def organisation_name(records: Records, organisation_id: UUID) -> str:
    async with raw_connection(records.store.pool) as conn:
        return str(
            await conn.fetchval(
                "SELECT name FROM organisations WHERE organisation_id = $1", organisation_id
            )
        )


@dataclass(frozen=True, slots=True)
class CreatedTenant:
    tenant_id: UUID
    name: str
    admin_user_id: UUID
    admin_email: str


async def create_provider_group(
    records: Records,
    name: str,
    admin_email: str,
    admin_name: str = "Group administrator",
    tenant_id: UUID | None = None,
    admin_user_id: UUID | None = None,
) -> CreatedTenant:
    """A new tenant with its group-admin user: `caretrail tenant create` and the demo use this."""
    tenant_id = tenant_id or uuid4()
    admin_id = admin_user_id or uuid4()
    await register_organisation(records, tenant_id, "provider", name)
    caller = Caller(tenant_id=tenant_id, actor=SYSTEM_ACTOR, organisation_id=tenant_id)
    await records.execute(
        caller,
        GROUPS,
        tenant_id,
        RegisterProviderGroup(group_id=tenant_id, name=name),
        creating=True,
    )
    command = RegisterUser(
        user_id=admin_id, name=admin_name, email=admin_email, roles=("group_admin",)
    )
    facts = {"email_digest": email_digest(records, admin_email)}
    await records.execute(caller, USERS, admin_id, command, creating=True, facts=facts)
    return CreatedTenant(tenant_id, name, admin_id, admin_email)


async def load_settings(conn: Any, tenant_id: UUID, records: Records) -> Mapping[str, Any]:
    """The tenant's settings (defaults overlaid with its changes), read inside the caller's transaction."""
    stored = await records.store.read_stream_in(conn, tenant_id, tenant_id)
    group = GROUPS.fold(
        records.registry.decode(e).event for e in stored if e.stream_type == GROUPS.stream_type
    )
    return effective_settings(group)


async def find_user_by_email(records: Records, email: str) -> tuple[UUID, User] | None:
    """Search every provider group for the user with this e-mail (an operator's tool)."""
    digest = email_digest(records, email)
    for organisation in await organisations(records):
        own = Binding.tenant(organisation["id"])
        found = await records.find_by_summary(
            organisation["id"], "users", "email_digest", digest, binding=own
        )
        if found:
            user, _version, _events = await records.load(
                organisation["id"], USERS, found[0].record_id, binding=own
            )
            return organisation["id"], user
    return None


async def all_users(records: Records) -> list[dict[str, Any]]:
    """Every user of every organisation, as `caretrail users` prints them."""
    from services.kernel.index import ListQuery

    out = []
    for organisation in await organisations(records):
        cursor, own = None, Binding.tenant(organisation["id"])
        while True:
            page, cursor = await records.page(
                organisation["id"], ListQuery("users", cursor=cursor, limit=200), binding=own
            )
            for row in page:
                user, _v, _e = await records.load(
                    organisation["id"], USERS, row.record_id, binding=own
                )
                out.append(describe_user(user, organisation))
            if cursor is None:
                break
    return out


def describe_user(user: User, organisation: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "organisation_id": str(organisation["id"]),
        "organisation_name": organisation["name"],
        "organisation_kind": organisation["kind"],
        "roles": list(user.roles),
        "location_ids": [str(x) for x in user.location_ids],
        "active": user.active,
    }
