"""The external-read policies' conditions behind a CASE (services/access/schema.py says why), so
that the planner no longer turns a table's policies into a bitmap OR scan of the whole tenant."""

from __future__ import annotations

from alembic import op

revision = "0013_external_read_plans"
down_revision = "0012_stream_heads"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes.
UPGRADE = [
    "ALTER POLICY access_grants_external_read ON access_grants USING (CASE WHEN access_external_org() IS NULL THEN false ELSE (organisation_id = access_external_org()) END)",
    "ALTER POLICY events_external_read ON events USING (CASE WHEN access_external_org() IS NULL THEN false ELSE (stream_type = ANY (ARRAY['location', 'audit', 'action', 'incident', 'complaint', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id)) END)",
    "ALTER POLICY records_external_read ON records USING (CASE WHEN access_external_org() IS NULL THEN false ELSE (collection = ANY (ARRAY['locations', 'audits', 'actions', 'incidents', 'complaints', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id)) END)",
    "ALTER POLICY projection_documents_external_read ON projection_documents USING (CASE WHEN access_external_org() IS NULL THEN false ELSE ((projection = ANY (ARRAY['home_dashboard']::text[]) AND access_granted_document(tenant_id, doc_id)) OR (projection = ANY (ARRAY['home_records']::text[]) AND access_granted_document(tenant_id, doc ->> 'location_id'))) END)",
    "ALTER POLICY projection_generations_external_read ON projection_generations USING (CASE WHEN access_external_org() IS NULL THEN false ELSE (projection = ANY (ARRAY['home_dashboard', 'home_records']::text[]) AND access_granted_tenant(tenant_id)) END)",
]

#: What its downgrade runs.
DOWNGRADE = [
    "ALTER POLICY access_grants_external_read ON access_grants USING (organisation_id = access_external_org())",
    "ALTER POLICY events_external_read ON events USING (stream_type = ANY (ARRAY['location', 'audit', 'action', 'incident', 'complaint', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id))",
    "ALTER POLICY records_external_read ON records USING (collection = ANY (ARRAY['locations', 'audits', 'actions', 'incidents', 'complaints', 'feedback']::text[]) AND location_id IS NOT NULL AND access_granted(tenant_id, location_id))",
    "ALTER POLICY projection_documents_external_read ON projection_documents USING ((projection = ANY (ARRAY['home_dashboard']::text[]) AND access_granted_document(tenant_id, doc_id)) OR (projection = ANY (ARRAY['home_records']::text[]) AND access_granted_document(tenant_id, doc ->> 'location_id')))",
    "ALTER POLICY projection_generations_external_read ON projection_generations USING (projection = ANY (ARRAY['home_dashboard', 'home_records']::text[]) AND access_granted_tenant(tenant_id))",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
