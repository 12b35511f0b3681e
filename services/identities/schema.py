"""What identity links add to the database: an index that finds an OIDC login's link by its keyed
digest in one probe (services/identities/logins.py; API keys are found by primary key; both live
in `records`)."""

from __future__ import annotations


def schema_sql(app_role: str) -> list[str]:
    """The index as it is now (infra/schema.py); it grants nothing."""
    return [
        "CREATE INDEX records_login_digest_idx ON records (tenant_id, (summary ->> 'digest'))"
        " WHERE collection = 'identity-links'",
    ]
