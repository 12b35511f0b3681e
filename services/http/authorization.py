"""THE role matrix: who may do what, to which collection, in which homes. Every route asks here
(the record routes through `permitted`, the other controllers through `authorize`); the README
prints the same table. Reading is scoped by home (`Principal.scope`); writing also needs a row.

An action is "read", "create" or a command name (the last path segment of
`POST /{collection}/{id}/{command}`). `ANY` grants every action of the collection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from services.kernel.errors import Forbidden

if TYPE_CHECKING:
    from services.http.principal import Principal

ANY: Final = frozenset({"*"})

#: Administration whose very listing is sensitive (credentials, who may see what, where alerts
#: go): group admins only. Homes, regions, users and settings are read by all, written by admins.
ADMIN_READ_ONLY = frozenset({"api-keys", "identity-links", "grants", "subscriptions"})
#: Reads no role has unless its row names them.
RESTRICTED_READS = ADMIN_READ_ONLY | {"access-log"}
#: Care records, kept per home.
HOME_RECORDS = ("actions", "audits", "incidents", "complaints", "feedback", "people")
#: Group-wide quality work: templates every home audits against, alerts, exports.
QUALITY = ("audit-templates", "alerts", "exports")


@dataclass(frozen=True, slots=True)
class Role:
    """One row of the matrix."""

    #: True: every home of the group; False: only the user's homes.
    group_wide: bool
    #: collection → actions permitted on any record in scope (ANY: all of them).
    writes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: collection → actions permitted only on records the caller owns (summary `owner_id`).
    own_writes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Which RESTRICTED_READS this role may make.
    restricted_reads: frozenset[str] = frozenset()


_RECORDS_BUT_ERASURE = {c: ANY for c in HOME_RECORDS} | {"people": frozenset({"create", "correct"})}

MATRIX: Final[Mapping[str, Role]] = {
    "group_admin": Role(group_wide=True, writes={"*": ANY}, restricted_reads=RESTRICTED_READS),
    "quality_lead": Role(
        group_wide=True,
        writes=_RECORDS_BUT_ERASURE | {c: ANY for c in QUALITY},
        # Who outside the group read which records (services/access/access_log.py).
        restricted_reads=frozenset({"access-log"}),
    ),
    "home_manager": Role(group_wide=False, writes=_RECORDS_BUT_ERASURE | {"alerts": ANY}),
    "staff": Role(
        group_wide=False,
        writes={
            "incidents": frozenset({"create"}),
            "feedback": frozenset({"create"}),
            "actions": frozenset({"note"}),
            # Staff carry out the audits a manager schedules (night checks, spot checks).
            "audits": frozenset({"start", "answer", "complete"}),
            # They see their homes' alerts and say they have (a manager or lead resolves).
            "alerts": frozenset({"acknowledge"}),
        },
        own_writes={"actions": frozenset({"start", "complete"})},
    ),
    # API keys for integrations (services/api_keys/): the whole group, read or write.
    "integration_read": Role(group_wide=True),
    "integration_write": Role(group_wide=True, writes=dict(_RECORDS_BUT_ERASURE)),
}

GROUP_WIDE_ROLES: Final = frozenset(name for name, role in MATRIX.items() if role.group_wide)


def _grants(actions: frozenset[str] | None, action: str) -> bool:
    return actions is not None and (actions is ANY or "*" in actions or action in actions)


def may(
    principal: Principal, collection: str, action: str, *, owner_id: UUID | None = None
) -> bool:
    """Whether any of the caller's roles permits `action` on `collection` (home scope apart)."""
    if principal.organisation_kind != "provider":
        # External viewers (local authority, regulator) only ever read what was granted.
        return action == "read" and collection not in RESTRICTED_READS
    for name in principal.roles:
        role = MATRIX.get(name)
        if role is None:
            continue
        if action == "read":
            if collection not in RESTRICTED_READS or collection in role.restricted_reads:
                return True
            continue
        if _grants(role.writes.get(collection) or role.writes.get("*"), action):
            return True
        owns = owner_id is not None and owner_id == principal.user_id
        if owns and _grants(role.own_writes.get(collection), action):
            return True
    return False


def authorize(
    principal: Principal, collection: str, action: str, *, owner_id: UUID | None = None
) -> None:
    """403 unless the matrix permits it."""
    if not may(principal, collection, action, owner_id=owner_id):
        roles = ", ".join(principal.roles) or "no role"
        raise Forbidden(f"{roles} may not {action} {collection}")


def owner_of(summary: Mapping[str, Any]) -> UUID | None:
    """The owner a record's index row names (actions), for the own-record rows of the matrix."""
    owner = summary.get("owner_id")
    return UUID(owner) if isinstance(owner, str) else None
