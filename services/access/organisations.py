"""External organisations (local authorities, regulators) and their users: outside every
provider group, each its own tenant for its users' records. The CLI and the demo create them."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventstore.connection import raw_connection
from services.kernel.handling import Caller, Records
from services.organisations.directory import SYSTEM_ACTOR, email_digest, register_organisation
from services.organisations.events import ExternalRole
from services.organisations.users import USERS, RegisterUser

EXTERNAL_KINDS = frozenset({"local_authority", "regulator"})
#: The one role each kind's users have: what they may do is read granted homes, nothing else.
EXTERNAL_ROLE: dict[str, ExternalRole] = {"local_authority": "la_officer", "regulator": "inspector"}


async def organisation_kind(records: Records, organisation_id: UUID) -> str | None:
    """The organisation's kind, or None if there is no such organisation (`organisations`
    is the registry of every organisation; it has no tenant rows)."""
    async with raw_connection(records.store.pool) as conn:
        kind = await conn.fetchval(
            "SELECT kind FROM organisations WHERE organisation_id = $1", organisation_id
        )
    return None if kind is None else str(kind)


async def create_external_organisation(
    records: Records, kind: str, name: str, organisation_id: UUID | None = None
) -> UUID:
    if kind not in EXTERNAL_KINDS:
        raise ValueError(f"an external organisation is one of {sorted(EXTERNAL_KINDS)}, not {kind}")
    organisation_id = organisation_id or uuid4()
    await register_organisation(records, organisation_id, kind, name)
    return organisation_id


async def add_external_user(
    records: Records,
    organisation_id: UUID,
    name: str,
    email: str,
    user_id: UUID | None = None,
) -> UUID:
    """A user of an external organisation, with its kind's role; homes come from grants."""
    kind = await organisation_kind(records, organisation_id)
    if kind not in EXTERNAL_KINDS:
        raise ValueError(f"{organisation_id} is not a local authority or regulator")
    user_id = user_id or uuid4()
    caller = Caller(tenant_id=organisation_id, actor=SYSTEM_ACTOR, organisation_id=organisation_id)
    command = RegisterUser(user_id=user_id, name=name, email=email, roles=(EXTERNAL_ROLE[kind],))
    facts = {"email_digest": email_digest(records, email)}
    await records.execute(caller, USERS, user_id, command, creating=True, facts=facts)
    return user_id
