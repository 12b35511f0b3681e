"""The alert delivery tables (deliveries and the fan-out checkpoint) with RLS and grants, as SQL.

A delivery row is the one record that an alert event (or a day's digest) is owed to one
subscription: the unique keys make "exactly one delivery per (alert event, subscription)" a
database fact, however often a job runs. Rows are operational state (status, attempts, the next
attempt), so the app may update them; it may never delete them.
"""

from __future__ import annotations

from eventstore.schema import split_statements, tenant_policy

TENANT_TABLES = ("alert_deliveries", "alert_delivery_checkpoints")

TABLES = """
CREATE TABLE alert_deliveries (
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
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (tenant_id, next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX alert_deliveries_subscription_idx
    ON alert_deliveries (tenant_id, subscription_id, created_at, delivery_id);

CREATE TABLE alert_delivery_checkpoints (
    tenant_id   uuid PRIMARY KEY,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
"""


def grants(app_role: str) -> str:
    return f"""
GRANT SELECT, INSERT, UPDATE ON alert_deliveries, alert_delivery_checkpoints TO {app_role};
"""


def schema_sql(app_role: str) -> list[str]:
    """These tables as they are now, one statement each (infra/schema.py)."""
    parts = [TABLES, *(tenant_policy(t) for t in TENANT_TABLES), grants(app_role)]
    return [statement for part in parts for statement in split_statements(part)]
