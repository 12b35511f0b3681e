"""The one command-handling path of a process, wired to its pool, every event type of the catalog
and the tenant settings: what the API and the workers' context both build."""

from __future__ import annotations

from typing import Any

from eventstore import EventStore, Keyring
from infra.embedded import Runtime
from services import catalog
from services.kernel.handling import Records
from services.organisations.directory import load_settings


def build_records(pool: Any, runtime: Runtime) -> Records:
    """The one command-handling path, wired to the store, every event type and tenant settings.
    `pool`: the event store's asyncpg pool (a SQLAlchemy engine still works, more slowly)."""
    store = EventStore(pool, Keyring.from_base64(runtime.kek))
    records = Records(store, catalog.event_registry())
    records.load_settings = lambda conn, tenant_id: load_settings(conn, tenant_id, records)
    return records
