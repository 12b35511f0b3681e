"""The whole schema at head in one step: every package's current definition, in the order the
parts depend on each other. Read this (and the modules it names) to learn the schema.

Two descriptions of one schema are kept on purpose. The migrations (infra/migrations/versions)
are its history: each revision carries its SQL as it ran, frozen, because an existing database
can only reach head through them and editing one would give fresh and existing databases
different schemas. The live modules listed here say what the schema is now, where the code that
uses a table is. Deployments always migrate through the chain (one path, the one existing
databases take); `head_sql` creates a fresh database at head directly, and
tests/integration/test_migrations.py proves the chain arrives at exactly the same schema
(pg_dump), so a change to a live module without a migration that makes it fails there.
"""

from __future__ import annotations

from eventstore import schema as eventstore_schema
from projections import schema as projections_schema
from services.access import schema as access_schema
from services.alerts import delivery_schema
from services.identities import schema as identities_schema
from services.kernel import schema as kernel_schema
from services.trail import schema as trail_schema
from workers import schema as queue_schema

#: Each part's `schema_sql(app_role)`, in order: later parts refer to earlier parts' tables.
PARTS = (
    eventstore_schema,  # events, heads, keys; the append functions
    kernel_schema,  # the record index, organisations, users
    projections_schema,  # read models by generation
    queue_schema,  # dramatiq's queue (the postgresql:// broker), the pending nudges
    delivery_schema,  # alert deliveries
    identities_schema,  # the identity-link lookup index on records
    access_schema,  # grants and external viewers' policies on events, records, projections
    trail_schema,  # signed heads
)


def head_sql(app_role: str) -> list[str]:
    """Every statement that creates the schema at head, one per item (`app_role` quoted). The
    last grants the application role a look at Alembic's `alembic_version`, so the caller
    creates that first (stamping head: tests/migrations.py)."""
    statements = [statement for part in PARTS for statement in part.schema_sql(app_role)]
    return [*statements, f"GRANT SELECT ON alembic_version TO {app_role}"]
