"""The event store's first migration, statement by statement: tables, append functions,
immutability triggers, row-level security and the application role's grants."""

from __future__ import annotations

from eventstore.append_sql_0001 import (
    APPEND_FUNCTION,
    APPEND_ONE_FUNCTION,
    BEGIN_APPEND_FUNCTION,
    FUNCTIONS,
    SUBJECT_KEYS_FUNCTION,
)
from eventstore.schema import (
    APPEND_ONLY_TABLES,
    IMMUTABILITY,
    TABLES,
    TENANT_TABLES,
    immutability_triggers,
    split_statements,
    tenant_policy,
)


def grants(app_role: str) -> str:
    return f"""
GRANT SELECT, INSERT ON events, idempotency_keys, subject_erasures TO {app_role};
GRANT SELECT, INSERT, UPDATE ON tenant_heads TO {app_role};
GRANT SELECT, INSERT, DELETE ON subject_keys TO {app_role};
""" + "".join(
        f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION {f} TO {app_role};\n"
        for f in FUNCTIONS
    )


def upgrade_sql(app_role: str) -> list[str]:
    """Every statement of the event store's first migration, in order, one per item."""
    parts = [TABLES, BEGIN_APPEND_FUNCTION, APPEND_ONE_FUNCTION, APPEND_FUNCTION]
    parts += [SUBJECT_KEYS_FUNCTION, IMMUTABILITY]
    parts += [immutability_triggers(t) for t in APPEND_ONLY_TABLES]
    parts.append(
        """
CREATE TRIGGER subject_keys_no_update BEFORE UPDATE ON subject_keys
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();
"""
    )
    parts += [tenant_policy(t) for t in TENANT_TABLES]
    parts.append(grants(app_role))
    return [statement for part in parts for statement in split_statements(part)]


DOWNGRADE_SQL = [
    "DROP TABLE IF EXISTS subject_erasures, subject_keys, idempotency_keys, events, tenant_heads",
    *(f"DROP FUNCTION IF EXISTS {f}" for f in FUNCTIONS),
    "DROP FUNCTION IF EXISTS eventstore_reject_change()",
]
