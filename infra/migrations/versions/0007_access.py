"""External viewers: grants, access log, external-organisation RLS (services/access/)."""

from __future__ import annotations

from alembic import context, op

revision = "0007_access"
down_revision = "0006_auth"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE access_grants (
    tenant_id        uuid NOT NULL,
    grant_id         uuid NOT NULL,
    location_id      uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_until      timestamptz,
    revoked          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, grant_id)
);""",
    "CREATE INDEX access_grants_viewer_idx ON access_grants (organisation_id, tenant_id, location_id);",
    """CREATE INDEX events_external_reads_idx ON events (tenant_id, seq)
    WHERE stream_type = 'external-read';""",
    """CREATE FUNCTION access_external_org() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.external_org', true), '')::uuid
$$;""",
    """CREATE FUNCTION access_granted(p_tenant uuid, p_location uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org()
           AND g.tenant_id = p_tenant AND g.location_id = p_location AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;""",
    """CREATE FUNCTION access_granted_document(p_tenant uuid, p_doc_id text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org()
           AND g.tenant_id = p_tenant AND g.location_id::text = p_doc_id AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;""",
    """CREATE FUNCTION access_granted_tenant(p_tenant uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM access_grants g
         WHERE g.organisation_id = access_external_org() AND g.tenant_id = p_tenant
           AND NOT g.revoked
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()))
$$;""",
    """CREATE FUNCTION access_grants_from_records() RETURNS trigger LANGUAGE plpgsql AS $$
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
END $$;""",
    """CREATE TRIGGER records_keep_access_grants AFTER INSERT OR UPDATE ON records
    FOR EACH ROW WHEN (NEW.collection = 'grants')
    EXECUTE FUNCTION access_grants_from_records();""",
    "ALTER TABLE access_grants ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE access_grants FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY access_grants_tenant_isolation ON access_grants
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    """CREATE POLICY access_grants_external_read ON access_grants FOR SELECT
    USING (organisation_id = access_external_org());""",
    """CREATE POLICY events_external_read ON events FOR SELECT
    USING (stream_type = ANY (ARRAY['location', 'audit', 'action', 'incident', 'complaint', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id));""",
    """CREATE POLICY records_external_read ON records FOR SELECT
    USING (collection = ANY (ARRAY['locations', 'audits', 'actions', 'incidents', 'complaints', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id));""",
    """CREATE POLICY projection_documents_external_read ON projection_documents FOR SELECT
    USING ((projection = ANY (ARRAY['home_dashboard']::text[]) AND access_granted_document(tenant_id, doc_id)) OR (projection = ANY (ARRAY['home_records']::text[]) AND access_granted_document(tenant_id, doc ->> 'location_id')));""",
    """CREATE POLICY projection_generations_external_read ON projection_generations FOR SELECT
    USING (projection = ANY (ARRAY['home_dashboard', 'home_records']::text[]) AND access_granted_tenant(tenant_id));""",
    "GRANT SELECT, INSERT, UPDATE ON access_grants TO {app_role};",
    "REVOKE ALL ON FUNCTION access_grants_from_records() FROM PUBLIC;",
    "REVOKE ALL ON FUNCTION access_external_org() FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION access_external_org() TO {app_role};",
    "REVOKE ALL ON FUNCTION access_granted(uuid, uuid) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION access_granted(uuid, uuid) TO {app_role};",
    "REVOKE ALL ON FUNCTION access_granted_document(uuid, text) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION access_granted_document(uuid, text) TO {app_role};",
    "REVOKE ALL ON FUNCTION access_granted_tenant(uuid) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION access_granted_tenant(uuid) TO {app_role};",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP POLICY IF EXISTS projection_generations_external_read ON projection_generations",
    "DROP POLICY IF EXISTS projection_documents_external_read ON projection_documents",
    "DROP POLICY IF EXISTS records_external_read ON records",
    "DROP POLICY IF EXISTS events_external_read ON events",
    "DROP TRIGGER IF EXISTS records_keep_access_grants ON records",
    "DROP FUNCTION IF EXISTS access_grants_from_records()",
    "DROP FUNCTION IF EXISTS access_granted_tenant(uuid)",
    "DROP FUNCTION IF EXISTS access_granted_document(uuid, text)",
    "DROP FUNCTION IF EXISTS access_granted(uuid, uuid)",
    "DROP INDEX IF EXISTS events_external_reads_idx",
    "DROP TABLE IF EXISTS access_grants",
    "DROP FUNCTION IF EXISTS access_external_org()",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
