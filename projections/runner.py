"""The projection runner: catches projections up with a tenant's log exactly once, and rebuilds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from eventstore import EventStore, RecordedEvent
from eventstore.connection import tenant_transaction
from projections import storage
from projections.lag import Lag, tenant_lag
from projections.projection import Document, Projection, evolve_documents, touched_ids
from projections.storage import Generations, Swap
from services.kernel.tenants import provider_tenants

log = structlog.get_logger()

#: Called inside a batch's transaction, after its writes and before its commit (tests use it
#: to pause a runner there, or to look at what readers see meanwhile).
BeforeCommit = Callable[[UUID, str, Sequence[RecordedEvent]], Awaitable[None]]


class UnknownProjection(LookupError):
    """A projection name (from the CLI, say) that this runner does not run."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no projection is called {name!r}")
        self.name = name


@dataclass(frozen=True, slots=True)
class _Step:
    """Where one or more batches left a generation: its checkpoint, how many events were
    applied, whether the log's head was reached, or whether the generation was dropped."""

    checkpoint: int
    applied: int
    at_head: bool
    dropped: bool = False


@dataclass(slots=True)
class Runner:
    """Runs `projections` against `store`; safe to run in many processes at once.

    Each batch is read with `EventStore.read_log` after the generation's checkpoint, then
    applied in ONE tenant transaction that first locks the checkpoint row, writes the changed
    documents and moves the checkpoint past the batch. A crash before commit leaves nothing
    behind; a runner that committed the same batch first is noticed under the lock (the
    checkpoint moved) and reading starts again from there, so no event is skipped or counted
    twice. A rebuild writes a fresh generation the same way and swaps it in (see schema)."""

    store: EventStore
    projections: Sequence[Projection]
    batch_size: int = 500
    before_commit: BeforeCommit | None = None
    _by_name: dict[str, Projection] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {p.name: p for p in self.projections}
        if len(self._by_name) != len(self.projections):
            raise ValueError("two projections have the same name")

    async def catch_up(self, tenant_id: UUID) -> dict[str, int]:
        """Apply every event the tenant has that each projection has not seen yet; returns how
        many events each projection's live generation took in."""
        return {p.name: await self._catch_up(tenant_id, p) for p in self.projections}

    async def catch_up_all(self) -> dict[UUID, dict[str, int]]:
        """`catch_up` for every tenant, one after the other (the periodic sweep)."""
        return {tenant_id: await self.catch_up(tenant_id) for tenant_id in await self.tenants()}

    async def rebuild(self, projection: str | None = None, tenant_id: UUID | None = None) -> int:
        """Rebuild one projection (or all) for one tenant (or all) into fresh generations from
        seq 1 and swap each in once it reaches the tenant's head. Readers see the old
        documents until then. Returns how many (tenant, projection) pairs were swapped."""
        chosen = [self.projection(projection)] if projection else list(self.projections)
        tenants = [tenant_id] if tenant_id else await self.tenants()
        swapped = 0
        for tenant in tenants:
            for p in chosen:
                async with tenant_transaction(self.store.pool, tenant) as conn:
                    generation = await storage.begin_build(conn, tenant, p)
                swapped += await self._build(tenant, p, generation, 0)
        return swapped

    async def lag(self, tenant_id: UUID | None = None) -> list[Lag]:
        """Events and seconds behind, per projection and tenant (one tenant, or all)."""
        names = [p.name for p in self.projections]
        tenants = [tenant_id] if tenant_id else await self.tenants()
        lags: list[Lag] = []
        for tenant in tenants:
            async with tenant_transaction(self.store.pool, tenant) as conn:
                lags += await tenant_lag(conn, tenant, names)
        return lags

    async def documents(self, tenant_id: UUID, projection: str) -> dict[str, Document]:
        """The projection's live documents for the tenant, by id."""
        async with tenant_transaction(self.store.pool, tenant_id) as conn:
            return await storage.live_documents(conn, tenant_id, self.projection(projection).name)

    async def tenants(self) -> list[UUID]:
        """The provider groups (services/kernel/tenants.py): the tenants projections run for."""
        return await provider_tenants(self.store.pool)

    def projection(self, name: str) -> Projection:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownProjection(name) from None

    async def _catch_up(self, tenant_id: UUID, projection: Projection) -> int:
        applied = 0
        while True:
            async with tenant_transaction(self.store.pool, tenant_id) as conn:
                found = await storage.generations(conn, tenant_id, projection)
            if found.live_version > projection.version:
                # A newer deployment has rebuilt it: leave it to them rather than fight back.
                log.warning(
                    "projection newer than this runner",
                    projection=projection.name,
                    live_version=found.live_version,
                    version=projection.version,
                )
                return applied
            if found.live_version < projection.version:
                await self._upgrade(tenant_id, projection, found)
                continue
            assert found.live_seq is not None  # read with its generation, in one snapshot
            step = await self._advance(tenant_id, projection, found.live, found.live_seq)
            applied += step.applied
            if not step.dropped:
                return applied
            # Swapped out by a rebuild meanwhile: carry on with the new live generation.

    async def _upgrade(self, tenant_id: UUID, projection: Projection, found: Generations) -> None:
        """The live documents were made by an older version: rebuild (or resume a rebuild of
        this version that a stopped runner left behind) and swap."""
        if found.building is not None and found.building_version == projection.version:
            generation, after = found.building, found.building_seq or 0
        else:
            async with tenant_transaction(self.store.pool, tenant_id) as conn:
                generation, after = await storage.begin_build(conn, tenant_id, projection), 0
        await self._build(tenant_id, projection, generation, after)

    async def _build(
        self, tenant_id: UUID, projection: Projection, generation: int, after: int
    ) -> bool:
        """Advance a new generation to the head and swap it in; False if another rebuild
        superseded it."""
        while True:
            step = await self._advance(tenant_id, projection, generation, after)
            if step.dropped:
                return False
            async with tenant_transaction(self.store.pool, tenant_id) as conn:
                outcome = await storage.swap(conn, tenant_id, projection.name, generation)
            if outcome is not Swap.BEHIND:
                return outcome is Swap.SWAPPED
            after = step.checkpoint

    async def _advance(
        self, tenant_id: UUID, projection: Projection, generation: int, after: int
    ) -> _Step:
        """Batches until the generation reaches the head of the log or is dropped."""
        applied = 0
        while True:
            step = await self._step(tenant_id, projection, generation, after)
            applied += step.applied
            if step.at_head or step.dropped:
                return _Step(step.checkpoint, applied, step.at_head, step.dropped)
            after = step.checkpoint

    async def _step(
        self, tenant_id: UUID, projection: Projection, generation: int, after: int
    ) -> _Step:
        """One batch in one transaction: documents and checkpoint move together or not at all."""
        events = await self.store.read_log(tenant_id, after, self.batch_size)
        if not events:
            return _Step(after, 0, True)
        name, last = projection.name, events[-1].seq
        async with tenant_transaction(self.store.pool, tenant_id) as conn:
            current = await storage.lock_checkpoint(conn, tenant_id, name, generation)
            if current is None:  # swapped out, or superseded by a later rebuild
                return _Step(after, 0, False, dropped=True)
            if current != after:  # another runner got there first: read on from where it is
                return _Step(current, 0, False)
            ids = touched_ids(projection, events)
            documents = await storage.load_documents(conn, tenant_id, name, generation, ids)
            changes = evolve_documents(projection, documents, events)
            await storage.write_changes(conn, tenant_id, projection, generation, changes)
            await storage.advance_checkpoint(conn, tenant_id, name, generation, last)
            if self.before_commit is not None:
                await self.before_commit(tenant_id, name, events)
        return _Step(last, len(events), len(events) < self.batch_size)
