"""What PostgreSQL enforces for external viewers: the grants table, the row-level security
policies that let an external organisation read granted homes' rows, and nothing else.

A request of an external viewer binds `app.external_org` instead of `app.tenant_id`
(`Principal.binding`, eventstore/binding.py). Each policy below is permissive, so it only adds rows: those of a
home covered, at this moment, by a current grant to that organisation. Nothing set → the
setting is NULL → no grant matches → nothing (fail closed). The policies are SELECT only, and
the whitelists keep access control, people, users, alerts and keys out of reach.

`access_grants` is kept by a trigger on the record index (`records` rows of collection
`grants`), so it moves in the same transaction as the grant's events and is rebuilt with it.
"""

from __future__ import annotations

from eventstore.binding import EXTERNAL_SETTING
from eventstore.schema import split_statements, tenant_policy

__all__ = ["EXTERNAL_READS", "EXTERNAL_SETTING", "schema_sql"]

#: What an external viewer may read in a granted home (record collections and stream types).
VISIBLE_COLLECTIONS = ("locations", "audits", "actions", "incidents", "complaints", "feedback")
VISIBLE_STREAM_TYPES = ("location", "audit", "action", "incident", "complaint", "feedback")
#: Read models external viewers may read: documents keyed by home id, and documents of one
#: record each that name their home in `location_id`.
HOME_PROJECTIONS = ("home_dashboard",)
RECORD_PROJECTIONS = ("home_records",)
VISIBLE_PROJECTIONS = HOME_PROJECTIONS + RECORD_PROJECTIONS


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


TABLES = """
CREATE TABLE access_grants (
    tenant_id        uuid NOT NULL,
    grant_id         uuid NOT NULL,
    location_id      uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_until      timestamptz,
    revoked          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, grant_id)
);
CREATE INDEX access_grants_viewer_idx ON access_grants (organisation_id, tenant_id, location_id);
CREATE INDEX events_external_reads_idx ON events (tenant_id, seq)
    WHERE stream_type = 'external-read';
"""

FUNCTIONS = f"""
CREATE FUNCTION access_external_org() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('{EXTERNAL_SETTING}', true), '')::uuid
$$;

CREATE FUNCTION access_granted(p_tenant uuid, p_location uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org()
           AND g.tenant_id = p_tenant AND g.location_id = p_location AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;

CREATE FUNCTION access_granted_document(p_tenant uuid, p_doc_id text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org()
           AND g.tenant_id = p_tenant AND g.location_id::text = p_doc_id AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;

CREATE FUNCTION access_granted_tenant(p_tenant uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org() AND g.tenant_id = p_tenant
           AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;

CREATE FUNCTION access_grants_from_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO access_grants (tenant_id, grant_id, location_id, organisation_id, valid_from,
                               valid_until, revoked)
    VALUES (NEW.tenant_id, NEW.record_id, NEW.location_id,
            (NEW.summary ->> 'organisation_id')::uuid,
            (NEW.summary ->> 'valid_from')::timestamptz,
            (NEW.summary ->> 'valid_until')::timestamptz,
            NEW.status <> 'active')
    ON CONFLICT (tenant_id, grant_id) DO UPDATE
       SET location_id = EXCLUDED.location_id, organisation_id = EXCLUDED.organisation_id,
           valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
           revoked = EXCLUDED.revoked;
    RETURN NULL;
END $$;

CREATE TRIGGER records_keep_access_grants AFTER INSERT OR UPDATE ON records
    FOR EACH ROW WHEN (NEW.collection = 'grants')
    EXECUTE FUNCTION access_grants_from_records();
"""

#: Each external-read policy: (name, table, the condition on a row).
EXTERNAL_READS = (
    ("access_grants_external_read", "access_grants", "organisation_id = access_external_org()"),
    (
        "events_external_read",
        "events",
        f"stream_type = ANY ({_array(VISIBLE_STREAM_TYPES)}) AND location_id IS NOT NULL"
        " AND access_granted(tenant_id, location_id)",
    ),
    (
        "records_external_read",
        "records",
        f"collection = ANY ({_array(VISIBLE_COLLECTIONS)}) AND location_id IS NOT NULL"
        " AND access_granted(tenant_id, location_id)",
    ),
    (
        "projection_documents_external_read",
        "projection_documents",
        f"(projection = ANY ({_array(HOME_PROJECTIONS)})"
        " AND access_granted_document(tenant_id, doc_id))"
        f" OR (projection = ANY ({_array(RECORD_PROJECTIONS)})"
        " AND access_granted_document(tenant_id, doc ->> 'location_id'))",
    ),
    (
        "projection_generations_external_read",
        "projection_generations",
        f"projection = ANY ({_array(VISIBLE_PROJECTIONS)}) AND access_granted_tenant(tenant_id)",
    ),
)


# Each condition sits behind `access_external_org()` (since migration 0013). PostgreSQL ORs a
# table's permissive policies. While the external-read one was a plain condition, the planner
# could match each side of that OR to an index (the tenant's own `tenant_id = ...` to any index
# led by tenant_id; the external side to events_location_idx, for instance) and build a bitmap
# OR scan; it also counted the query's own `tenant_id = $1` and the policy's as two independent
# filters, so it estimated about one row for any tenant. The plan it then cached for a prepared
# statement (after five runs) read every event of the tenant and sorted them:
# `EventStore.read_log` and `read_stream` each read the whole tenant where they should read a
# batch or one stream (on a scratch database of 14 tenants and 48,000 events, 600 rows read for
# the 10 of a log batch and for the 20 of a stream). Behind a CASE the external condition matches
# no index, so the policies stay a filter on the rows the query's own index conditions find
# (tests/integration/test_read_plans.py checks that the reads now read only their rows, whatever
# plan is cached). Who sees what is unchanged: with no external organisation bound the external
# condition was already false (no grant names a NULL organisation).
def _guarded(condition: str) -> str:
    return f"CASE WHEN access_external_org() IS NULL THEN false ELSE ({condition}) END"


POLICIES = "".join(
    f"CREATE POLICY {name} ON {table} FOR SELECT\n    USING ({_guarded(condition)});\n"
    for name, table, condition in EXTERNAL_READS
)


#: Functions the policies call, run with the reader's own rights (so RLS on access_grants applies).
POLICY_FUNCTIONS = (
    "access_external_org()",
    "access_granted(uuid, uuid)",
    "access_granted_document(uuid, text)",
    "access_granted_tenant(uuid)",
)


def grants(app_role: str) -> str:
    functions = "".join(
        f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION {f} TO {app_role};\n"
        for f in POLICY_FUNCTIONS
    )
    return f"""
GRANT SELECT, INSERT, UPDATE ON access_grants TO {app_role};
REVOKE ALL ON FUNCTION access_grants_from_records() FROM PUBLIC;
{functions}"""


def schema_sql(app_role: str) -> list[str]:
    """The grants table, its trigger, functions and policies as they are now (infra/schema.py)."""
    parts = [TABLES, FUNCTIONS, tenant_policy("access_grants"), POLICIES, grants(app_role)]
    return [statement for part in parts for statement in split_statements(part)]
