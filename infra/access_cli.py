"""`caretrail external create`: a local authority or regulator and its first user."""

from __future__ import annotations

import json

from infra.admin import open_records
from infra.embedded import Runtime
from services.access.organisations import (
    EXTERNAL_ROLE,
    add_external_user,
    create_external_organisation,
)


async def create_external(
    runtime: Runtime, kind: str, name: str, user_email: str, user_name: str
) -> str:
    async with open_records(runtime) as records:
        organisation = await create_external_organisation(records, kind, name)
        user = await add_external_user(records, organisation, user_name, user_email)
    return json.dumps(
        {
            "organisation_id": str(organisation),
            "kind": kind,
            "name": name,
            "user": {"id": str(user), "email": user_email, "roles": [EXTERNAL_ROLE[kind]]},
        }
    )
