"""Building an evidence pack: one home's stored events in a date range, each with its inclusion
proof against a freshly signed head, a signed manifest, a summary, a README and the verifier.

Only this home's events are in the pack; the other homes' events stay out and appear only as
hashes inside the proofs' sibling nodes, which reveal nothing of their content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from string import Template
from typing import Any, Literal
from uuid import UUID

from eventstore import chain, subjects
from eventstore.binding import Binding
from eventstore.crypto import decrypt_fields
from eventstore.model import REDACTED
from eventstore.reading import EVENT_COLUMNS, decode_rows
from eventstore.verify import row_envelope
from services.frameworks.catalogue import default_catalogue
from services.kernel.errors import InvalidCommand, RecordNotFound
from services.kernel.handling import Records
from services.kernel.tenants import provider_tenants
from services.organisations.directory import organisation_name
from services.trail.heads import Trail, TrailKey, read_trail, sign_head, snapshot
from services.trail.pack import PackEvent, as_json, assemble
from services.trail.summary import summary_html

Personal = Literal["decrypted", "sealed"]

_HERE = Path(__file__).parent
_AT_HOME = f"""
SELECT {EVENT_COLUMNS} FROM events
 WHERE tenant_id = $1 AND location_id = $2 AND recorded_at >= $3 AND recorded_at < $4
   AND seq <= $5
 ORDER BY seq"""


@dataclass(frozen=True, slots=True)
class PackRequest:
    tenant_id: UUID
    location_id: UUID
    first_day: date
    last_day: date
    #: "decrypted" only when the exporter's role may read personal fields (export_personal).
    personal: Personal = "sealed"
    exported_by: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.last_day < self.first_day:
            raise InvalidCommand("to", f"the last day {self.last_day} is before {self.first_day}")


def pack_name(request: PackRequest) -> str:
    return f"evidence-{request.location_id}-{request.first_day}-{request.last_day}.zip"


async def build_pack(records: Records, key: TrailKey, request: PackRequest, now: datetime) -> bytes:
    """The pack as zip bytes. RecordNotFound if the home is not one of the tenant's."""
    request.check()
    tenant, pool = request.tenant_id, records.store.pool
    home = await records.find(
        tenant, "locations", request.location_id, binding=Binding.tenant(tenant)
    )
    if home is None:
        raise RecordNotFound("locations", request.location_id)
    head = await sign_head(pool, key, tenant, now)
    async with snapshot(pool, tenant) as conn:
        rows = await conn.fetch(
            _AT_HOME,
            tenant,
            request.location_id,
            datetime.combine(request.first_day, time(), UTC),
            datetime.combine(request.last_day + timedelta(days=1), time(), UTC),
            head["seq"] if head else 0,
        )
        trail = await read_trail(conn, tenant, head["seq"]) if head else None
        personal = await _personal(conn, records, tenant, rows, request.personal)
        decoded = await decode_rows(
            conn, records.store.keyring, records.store.upcasters, tenant, rows
        )
    if head is None or trail is None:  # a tenant with no events at all has nothing to prove
        raise RecordNotFound("locations", request.location_id)
    facts = {
        "home": home.summary.get("name", str(request.location_id)),
        "provider": await organisation_name(records, tenant),
        "from": request.first_day.isoformat(),
        "to": request.last_day.isoformat(),
        "generated_at": chain.format_timestamp(now),
        "head": head,
        "personal": request.personal,
    }
    events = [_pack_event(row, trail) for row in rows]
    documents = {
        "personal.json": as_json({"personal_fields": request.personal, "fields": personal}),
        "summary.html": summary_html(facts, decoded, default_catalogue().latest()).encode(),
        "README.md": _readme(facts, len(rows), request).encode(),
    }
    statement = {
        "tenant_id": str(tenant),
        "provider": facts["provider"],
        "location_id": str(request.location_id),
        "home": facts["home"],
        "from": facts["from"],
        "to": facts["to"],
        "generated_at": facts["generated_at"],
        "exported_by": request.exported_by,
        "personal_fields": request.personal,
    }
    return assemble(key, head, statement, events, documents)


def _pack_event(row: Any, trail: Trail) -> PackEvent:
    seq = row["seq"]
    return PackEvent(
        seq=seq,
        chain_hash=bytes(row["chain_hash"]),
        previous_chain_hash=trail.chain_hashes[seq - 2] if seq > 1 else chain.GENESIS,
        envelope=row_envelope(row),
        audit_path=trail.tree.inclusion_proof(seq - 1),
    )


async def _personal(
    conn: Any, records: Records, tenant: UUID, rows: list[Any], personal: Personal
) -> dict[str, dict[str, Any]]:
    """Decrypted personal fields by event id (the envelopes keep their ciphertext either way)."""
    sealed_rows = [r for r in rows if r["personal"] is not None]
    if personal != "decrypted" or not sealed_rows:
        return {}
    keys = await subjects.keys_for_reading(
        conn, records.store.keyring, tenant, (r["subject_id"] for r in sealed_rows)
    )
    found: dict[str, dict[str, Any]] = {}
    for row in sealed_rows:
        sealed = json.loads(row["personal"])
        key = keys.get(row["subject_id"])
        found[str(row["event_id"])] = (
            decrypt_fields(key, row["tenant_id"], row["event_id"], sealed)
            if key is not None
            else dict.fromkeys(sealed, REDACTED)
        )
    return found


def _readme(facts: dict[str, Any], count: int, request: PackRequest) -> str:
    template = Template((_HERE / "pack_readme.md").read_text())
    head = facts["head"]
    return template.substitute(
        home=facts["home"],
        provider=facts["provider"],
        location_id=request.location_id,
        tenant_id=request.tenant_id,
        first=facts["from"],
        last=facts["to"],
        generated_at=facts["generated_at"],
        count=count,
        seq=head["seq"],
        root=head["root_hash"],
        key_id=head["key_id"],
        personal=request.personal,
    )


async def tenant_of_location(records: Records, location_id: UUID) -> UUID | None:
    """Which provider group a home belongs to (for the operator's `caretrail export`)."""
    for tenant_id in await provider_tenants(records.store.pool):
        own = Binding.tenant(tenant_id)
        if await records.find(tenant_id, "locations", location_id, binding=own):
            return tenant_id
    return None
