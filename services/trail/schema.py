"""The `signed_heads` table: every head a trail key signed, append-only, tenant-isolated. Keyed
by key too: after the key is rotated, the new key signs its own heads (old heads stay checkable
under the old public key)."""

from __future__ import annotations

from eventstore.schema import immutability_triggers, split_statements, tenant_policy

TENANT_TABLES = ("signed_heads",)

TABLES = """
CREATE TABLE signed_heads (
    tenant_id   uuid NOT NULL,
    seq         bigint NOT NULL CHECK (seq > 0),
    chain_hash  bytea NOT NULL,
    root_hash   bytea NOT NULL,
    signed_at   timestamptz NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq, key_id)
);
"""


def grants(app_role: str) -> str:
    return f"GRANT SELECT, INSERT ON signed_heads TO {app_role};\n"


def schema_sql(app_role: str) -> list[str]:
    """The table as it is now, one statement each (infra/schema.py)."""
    parts = [
        TABLES,
        immutability_triggers("signed_heads"),
        tenant_policy("signed_heads"),
        grants(app_role),
    ]
    return [statement for part in parts for statement in split_statements(part)]
