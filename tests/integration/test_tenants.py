"""Tenants are listed one way: provider groups only, however many councils and regulators (with
users, so with events of their own) there are, and every walk over tenants reads that list."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from uuid import uuid4

from eventstore import EventStore
from projections import PROJECTIONS, Runner
from services import catalog
from services.access.organisations import add_external_user, create_external_organisation
from services.kernel.handling import Records
from services.kernel.tenants import provider_tenants
from services.organisations.directory import create_provider_group
from services.trail.heads import TrailKey, sign_every_head


async def test_only_provider_groups_are_tenants_and_every_walk_reads_the_one_list(
    store: EventStore,
) -> None:
    records = Records(store, catalog.event_registry())
    group = await create_provider_group(records, "Tenants Ltd", f"{uuid4()}@tenants.example")
    council = await create_external_organisation(records, "local_authority", "Some Council")
    regulator = await create_external_organisation(records, "regulator", "A Regulator")
    for organisation in (council, regulator):  # their users are events in their own logs
        await add_external_user(records, organisation, "Officer", f"{uuid4()}@outside.example")

    tenants = await provider_tenants(store.pool)
    assert group.tenant_id in tenants
    assert council not in tenants and regulator not in tenants
    assert tenants == sorted(tenants)

    runner = Runner(store, PROJECTIONS)
    assert await runner.tenants() == await provider_tenants(store.pool)
    signed = await sign_every_head(store.pool, TrailKey(os.urandom(32)), datetime.now(UTC))
    assert group.tenant_id in signed
    assert council not in signed and regulator not in signed
