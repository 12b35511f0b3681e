"""`caretrail login link`: link a user's OpenID Connect login (issuer + subject) from the command
line, so the first group admin of a production system can sign in at all."""

from __future__ import annotations

import json
from uuid import uuid4

from eventstore.binding import Binding
from infra.admin import open_records
from infra.embedded import Runtime
from services.identities import decide as identities
from services.identities.logins import login_digest
from services.kernel.handling import Caller
from services.organisations import directory


async def link_login(runtime: Runtime, email: str, issuer: str, subject: str) -> str | None:
    """The new link as a JSON line, or None when no user has this e-mail."""
    async with open_records(runtime) as records:
        found = await directory.find_user_by_email(records, email)
        if found is None:
            return None
        tenant_id, user = found
        digest = login_digest(records, issuer, subject)
        existing = await records.find_by_summary(
            tenant_id, identities.COLLECTION, "digest", digest, binding=Binding.tenant(tenant_id)
        )
        if any(link.status == "linked" for link in existing):
            raise ValueError("this login is already linked to a user")
        link_id = uuid4()
        command = identities.LinkIdentity(
            link_id=link_id, user_id=user.id, issuer=issuer, subject=subject
        )
        caller = Caller(tenant_id, directory.SYSTEM_ACTOR, tenant_id)
        await records.execute(
            caller, identities.LINKS, link_id, command, creating=True, facts={"digest": digest}
        )
    return json.dumps(
        {"link_id": str(link_id), "user_id": str(user.id), "tenant_id": str(tenant_id),
         "issuer": issuer, "subject": subject}
    )  # fmt: skip
