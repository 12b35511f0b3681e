"""Whom a transaction reads and writes as, under row-level security: bound in one place.

Every table with tenant rows has policies that read `app.tenant_id` (a tenant sees its own rows
whole) and some also `app.external_org` (an organisation outside every tenant sees what has been
granted to it: services/access/schema.py). A transaction binds exactly one of the two, and the
caller says which; nothing bound, nothing seen (the policies fail closed).

The binding is `SET LOCAL`: it ends with the transaction, so nothing leaks to the next user of a
pooled connection, and on Citus (with `citus.propagate_set_commands = 'local'`) it travels with
the transaction to every worker node, where `set_config(..., true)` would not (so row-level
security there would see no tenant). `SET` takes no bind parameters, so the value is checked to
be a UUID and written as a quoted literal: a UUID's text is hex digits and hyphens only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

TENANT_SETTING = "app.tenant_id"
EXTERNAL_SETTING = "app.external_org"

_SETTINGS = {"tenant": TENANT_SETTING, "external": EXTERNAL_SETTING}


@dataclass(frozen=True, slots=True)
class Binding:
    """A tenant (`Binding.tenant`: its users, and the system working for it), or an outside
    organisation (`Binding.external`: a local authority or regulator reading granted homes)."""

    kind: Literal["tenant", "external"]
    id: UUID

    @classmethod
    def tenant(cls, tenant_id: UUID) -> Binding:
        return cls("tenant", tenant_id)

    @classmethod
    def external(cls, organisation_id: UUID) -> Binding:
        return cls("external", organisation_id)

    @property
    def setting(self) -> str:
        return _SETTINGS[self.kind]

    def statement(self) -> str:
        """The `SET LOCAL` that binds it (the id is re-read as a UUID, so only a UUID's text
        can reach the statement)."""
        return f"SET LOCAL {self.setting} = '{UUID(str(self.id))}'"


async def bind(conn: Any, binding: Binding) -> None:
    """Bind `binding` for the rest of the transaction `conn` is in. Outside a transaction
    `SET LOCAL` would only warn and bind nothing, so that is refused."""
    if not conn.is_in_transaction():
        raise RuntimeError("a binding holds for one transaction: open one first")
    await conn.execute(binding.statement())
