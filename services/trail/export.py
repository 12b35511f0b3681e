"""Building an evidence pack: one home's stored events in a date range, each with its inclusion
proof against a freshly signed head, a signed manifest, a summary, a README and the verifier.

Only this home's events are in the pack; the other homes' events stay out and appear only as
hashes inside the proofs' sibling nodes, which reveal nothing of their content.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from string import Template
from typing import Any, Literal
from uuid import UUID

from eventstore import chain, subjects
from eventstore.crypto import decrypt_fields
from eventstore.model import REDACTED
from eventstore.reading import EVENT_COLUMNS, decode_rows
from eventstore.verify import row_envelope
from services.frameworks.catalogue import default_catalogue
from services.kernel.errors import InvalidCommand, RecordNotFound
from services.kernel.handling import Records
from services.organisations.directory import organisation_name
from services.trail import verify_pack
from services.trail.heads import Trail, TrailKey, read_trail, sign_head, snapshot
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
    home = await records.find(tenant, "locations", request.location_id)
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
        events = await decode_rows(
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
    framework = default_catalogue().latest()
    files = {
        "head.json": _json(head),
        "events.jsonl": b"".join(_event_line(row, trail) for row in rows),
        "proofs.json": _json(_proofs(rows, trail, head)),
        "personal.json": _json({"personal_fields": request.personal, "fields": personal}),
        "summary.html": summary_html(facts, events, framework).encode(),
        "README.md": _readme(facts, len(rows), request).encode(),
        "verify_pack.py": (_HERE / "verify_pack.py").read_bytes(),
    }
    manifest = _json(
        {
            "format": verify_pack.FORMAT,
            "tenant_id": str(tenant),
            "provider": facts["provider"],
            "location_id": str(request.location_id),
            "home": facts["home"],
            "from": facts["from"],
            "to": facts["to"],
            "generated_at": facts["generated_at"],
            "exported_by": request.exported_by,
            "personal_fields": request.personal,
            "leaf": "chain_hash",
            "head": head,
            "events": [
                {"seq": r["seq"], "event_id": str(r["event_id"]), "chain_hash": _hex(r)}
                for r in rows
            ],
            "files": {name: hashlib.sha256(body).hexdigest() for name, body in files.items()},
        }
    )
    files["manifest.json"] = manifest
    signature = key.sign(verify_pack.MANIFEST_CONTEXT + manifest)
    files["manifest.sig"] = base64.b64encode(signature) + b"\n"
    return _zip(files)


def _event_line(row: Any, trail: Trail) -> bytes:
    seq = row["seq"]
    previous = trail.chain_hashes[seq - 2] if seq > 1 else chain.GENESIS
    line = {
        "seq": seq,
        "chain_hash": _hex(row),
        "previous_chain_hash": previous.hex(),
        "envelope": row_envelope(row),
    }
    return chain.canonical(line) + b"\n"


def _proofs(rows: list[Any], trail: Trail, head: dict[str, Any]) -> dict[str, Any]:
    return {
        "tree_size": head["seq"],
        "root_hash": head["root_hash"],
        "leaf": "sha256(0x00 || chain_hash); leaf index = seq - 1 (RFC 6962)",
        "proofs": {
            str(r["seq"]): [p.hex() for p in trail.tree.inclusion_proof(r["seq"] - 1)] for r in rows
        },
    }


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


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(entry, files[name])
    return out.getvalue()


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n"


def _hex(row: Any) -> str:
    return bytes(row["chain_hash"]).hex()


async def tenant_of_location(records: Records, location_id: UUID) -> UUID | None:
    """Which provider group a home belongs to (for the operator's `caretrail export`)."""
    from services.organisations.directory import organisations

    for organisation in await organisations(records):
        if organisation["kind"] == "provider" and await records.find(
            organisation["id"], "locations", location_id
        ):
            return UUID(str(organisation["id"]))
    return None
