"""Alerts read model, subscriptions and deliveries (services/alerts/)."""

from __future__ import annotations

from alembic import context, op

revision = "0005_alerts"
down_revision = "0004_workers"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE alert_deliveries (
    tenant_id         uuid NOT NULL,
    delivery_id       uuid NOT NULL,
    subscription_id   uuid NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('webhook', 'email')),
    purpose           text NOT NULL CHECK (purpose IN ('alert', 'digest')),
    alert_event_id    uuid,
    alert_id          uuid,
    digest_day        date,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'delivered', 'dead', 'cancelled')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        text,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    lease_until       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    dead_lettered_at  timestamptz,
    PRIMARY KEY (tenant_id, delivery_id),
    CONSTRAINT alert_deliveries_once_per_event UNIQUE (tenant_id, alert_event_id, subscription_id),
    CONSTRAINT alert_deliveries_one_digest_a_day UNIQUE (tenant_id, subscription_id, digest_day),
    CHECK ((purpose = 'alert') = (alert_event_id IS NOT NULL)),
    CHECK ((purpose = 'digest') = (digest_day IS NOT NULL))
);""",
    """CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (tenant_id, next_attempt_at)
    WHERE status IN ('pending', 'sending');""",
    """CREATE INDEX alert_deliveries_subscription_idx
    ON alert_deliveries (tenant_id, subscription_id, created_at, delivery_id);""",
    """CREATE TABLE alert_delivery_checkpoints (
    tenant_id   uuid PRIMARY KEY,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);""",
    "ALTER TABLE alert_deliveries ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE alert_deliveries FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY alert_deliveries_tenant_isolation ON alert_deliveries
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE alert_delivery_checkpoints ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE alert_delivery_checkpoints FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY alert_delivery_checkpoints_tenant_isolation ON alert_delivery_checkpoints
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT, UPDATE ON alert_deliveries, alert_delivery_checkpoints TO {app_role};",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP TABLE IF EXISTS alert_deliveries, alert_delivery_checkpoints",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
