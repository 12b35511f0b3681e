"""The one command-handling path every record type goes through: load, decide, append, index."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventstore import EventStore, IdempotencyConflict, StreamRef
from eventstore.binding import Binding, bind
from eventstore.connection import bound_transaction, raw_connection
from services.kernel import index
from services.kernel.decider import Context, Decider
from services.kernel.errors import RecordNotFound, VersionMismatch
from services.kernel.events import Envelope, EventRegistry, to_new_event

S = TypeVar("S")

SettingsLoader = Callable[[Any, UUID], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is acting, for which tenant, within which request."""

    tenant_id: UUID
    actor: UUID
    organisation_id: UUID
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    """An Idempotency-Key and what identifies the request it was first used for."""

    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Outcome(Generic[S]):
    record_id: UUID
    state: S
    version: int
    seq: int
    status_code: int
    replayed: bool = False


@dataclass(slots=True)
class Records:
    """Runs commands against records and reads them back, for every context alike."""

    store: EventStore
    registry: EventRegistry
    load_settings: SettingsLoader | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    async def execute(
        self,
        caller: Caller,
        decider: Decider[S],
        record_id: UUID,
        command: Any,
        *,
        creating: bool = False,
        if_match: int | None = None,
        replay: Replay | None = None,
        facts: Mapping[str, Any] | None = None,
        reference_prefix: str | None = None,
    ) -> Outcome[S]:
        """Decide and append in one transaction; the record index moves with the events."""
        async with raw_connection(self.store.pool) as conn, conn.transaction():
            await bind(conn, Binding.tenant(caller.tenant_id))
            if replay is not None:
                earlier = await _claim(conn, caller.tenant_id, replay)
                if earlier is not None:
                    return await self._replayed(conn, caller.tenant_id, decider, earlier)
            envelopes = await self._envelopes(conn, caller.tenant_id, record_id)
            version = envelopes[-1].version if envelopes else 0
            if not creating and version == 0:
                raise RecordNotFound(decider.collection, record_id)
            if if_match is not None and if_match != version:
                raise VersionMismatch(if_match, version)
            state = decider.fold_envelopes(envelopes)
            known = dict(facts or {})
            if reference_prefix is not None:
                known["reference"] = await index.next_reference(
                    conn, caller.tenant_id, reference_prefix
                )
            settings = (
                await self.load_settings(conn, caller.tenant_id) if self.load_settings else {}
            )
            context = Context(actor=caller.actor, now=self.clock(), settings=settings, facts=known)
            events = decider.decide(command, state, context)
            new_state = decider.fold(events, state)
            assert new_state is not None
            record_index = decider.index(new_state)
            result = await self.store.append_in(
                conn,
                caller.tenant_id,
                StreamRef(decider.stream_type, record_id),
                version,
                [to_new_event(e, record_index.location_id) for e in events],
                metadata={
                    "actor": str(caller.actor),
                    "organisation_id": str(caller.organisation_id),
                    "request_id": caller.request_id,
                },
            )
            await index.upsert(
                conn,
                caller.tenant_id,
                decider.collection,
                record_id,
                record_index,
                result.stream_version,
                context.now,
            )
            status = 201 if creating else 200
            if replay is not None:
                await _remember(
                    conn,
                    caller.tenant_id,
                    replay,
                    status,
                    decider.collection,
                    record_id,
                    result.stream_version,
                )
            return Outcome(record_id, new_state, result.stream_version, result.last_seq, status)

    async def load(
        self,
        tenant_id: UUID,
        decider: Decider[S],
        record_id: UUID,
        *,
        binding: Binding,
        as_of: datetime | None = None,
        to_version: int | None = None,
    ) -> tuple[S, int, list[Envelope]]:
        """The record's state now, at a version, or as it stood at a moment; RecordNotFound if
        it did not exist (yet), is not of this decider's type, or `binding` may not see it.

        Every read here says whom it is for: `Binding.tenant(tenant_id)` for the tenant itself
        (its users, the system), the request's `principal.binding` for a caller who may be an
        external viewer (then row-level security shows only granted homes' rows)."""
        async with bound_transaction(self.store.pool, binding) as conn:
            stored = await self.store.read_stream_in(
                conn, tenant_id, record_id, to_version=to_version, as_of=as_of
            )
        if not stored or stored[0].stream_type != decider.stream_type:
            raise RecordNotFound(decider.collection, record_id)
        envelopes = [self.registry.decode(e) for e in stored]
        state = decider.fold_envelopes(envelopes)
        assert state is not None
        return state, envelopes[-1].version, envelopes

    async def load_many(
        self, tenant_id: UUID, decider: Decider[S], record_ids: Sequence[UUID], *, binding: Binding
    ) -> list[tuple[UUID, S, int]]:
        """Several records' states and versions, read together (a list page's items), in the
        order asked; one that does not exist, is of another type, or `binding` may not see is
        left out."""
        async with bound_transaction(self.store.pool, binding) as conn:
            streams = await self.store.read_streams_in(conn, tenant_id, record_ids)
        loaded = []
        for record_id in record_ids:
            stored = streams.get(record_id)
            if not stored or stored[0].stream_type != decider.stream_type:
                continue
            envelopes = [self.registry.decode(e) for e in stored]
            state = decider.fold_envelopes(envelopes)
            assert state is not None
            loaded.append((record_id, state, envelopes[-1].version))
        return loaded

    async def page(
        self, tenant_id: UUID, query: index.ListQuery, *, binding: Binding
    ) -> tuple[list[index.IndexedRecord], str | None]:
        async with bound_transaction(self.store.pool, binding) as conn:
            return await index.list_records(conn, tenant_id, query)

    async def find(
        self, tenant_id: UUID, collection: str, record_id: UUID, *, binding: Binding
    ) -> index.IndexedRecord | None:
        """The index row of a record of this tenant, or None: how controllers check references."""
        async with bound_transaction(self.store.pool, binding) as conn:
            return await index.find(conn, tenant_id, collection, record_id)

    async def find_by_summary(
        self, tenant_id: UUID, collection: str, key: str, value: str, *, binding: Binding
    ) -> list[index.IndexedRecord]:
        async with bound_transaction(self.store.pool, binding) as conn:
            return await index.find_by_summary(conn, tenant_id, collection, key, value)

    async def _envelopes(self, conn: Any, tenant_id: UUID, record_id: UUID) -> list[Envelope]:
        stored = await self.store.read_stream_in(conn, tenant_id, record_id)
        return [self.registry.decode(e) for e in stored]

    async def _replayed(
        self, conn: Any, tenant_id: UUID, decider: Decider[S], earlier: Any
    ) -> Outcome[S]:
        stored = await self.store.read_stream_in(
            conn, tenant_id, earlier["record_id"], to_version=earlier["version"]
        )
        state = decider.fold(self.registry.decode(e).event for e in stored)
        assert state is not None
        return Outcome(
            earlier["record_id"],
            state,
            earlier["version"],
            stored[-1].seq,
            earlier["status"],
            replayed=True,
        )


async def _claim(conn: Any, tenant_id: UUID, replay: Replay) -> Any:
    """Serialise requests with the same key, then return the earlier answer if there was one."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{tenant_id}:{replay.key}"
    )
    earlier = await conn.fetchrow(
        "SELECT fingerprint, status, collection, record_id, version FROM http_idempotency"
        " WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant_id,
        replay.key,
    )
    if earlier is not None and earlier["fingerprint"] != replay.fingerprint:
        raise IdempotencyConflict(replay.key)
    return earlier


async def _remember(
    conn: Any,
    tenant_id: UUID,
    replay: Replay,
    status: int,
    collection: str,
    record_id: UUID,
    version: int,
) -> None:
    await conn.execute(
        "INSERT INTO http_idempotency (tenant_id, idempotency_key, fingerprint, status, collection,"
        " record_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        tenant_id,
        replay.key,
        replay.fingerprint,
        status,
        collection,
        record_id,
        version,
    )
