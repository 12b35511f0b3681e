"""What authentication adds to the database: an index that finds an OIDC login's identity link
by its keyed digest in one probe (API keys are found by primary key; both live in `records`)."""

from __future__ import annotations


def schema_sql(app_role: str) -> list[str]:
    """The index as it is now (infra/schema.py); it grants nothing."""
    return [
        "CREATE INDEX records_login_digest_idx ON records (tenant_id, (summary ->> 'digest'))"
        " WHERE collection = 'identity-links'",
    ]
