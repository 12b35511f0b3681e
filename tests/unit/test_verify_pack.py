"""The pack verifier against packs assembled in memory (no database): an honest pack passes, and
each lie an exporter or a forger could tell is caught and named."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventstore import chain
from services.trail.heads import TrailKey, head_document
from services.trail.merkle import MerkleTree
from services.trail.pack import PackEvent, assemble
from services.trail.verify_pack import Finding, check_pack, head_message

KEY = TrailKey(bytes(range(32)))
TENANT, HOME, OTHER_HOME = (uuid5(NAMESPACE_URL, name) for name in ("tenant", "home", "other"))
STATEMENT = {
    "tenant_id": str(TENANT),
    "location_id": str(HOME),
    "from": "2026-03-01",
    "to": "2026-03-31",
}


def envelope(n: int, home: UUID = HOME, day: int = 2) -> dict[str, Any]:
    return chain.envelope(
        tenant_id=TENANT,
        event_id=uuid5(NAMESPACE_URL, f"event {n}"),
        stream_type="audit",
        stream_id=uuid5(NAMESPACE_URL, f"audit {n}"),
        version=1,
        event_type="AuditCompleted",
        schema_version=1,
        data={"score": 0.85, "rag": "amber", "answers": [{"q": n, "answer": "no"}]},
        personal={"note": "c2VhbGVk"} if n % 2 else None,
        subject_id=uuid5(NAMESPACE_URL, "person") if n % 2 else None,
        metadata={"actor": str(uuid5(NAMESPACE_URL, "manager"))},
        location_id=home,
        recorded_at=datetime(2026, 3, day, 9, n, tzinfo=UTC),
        idempotency_key=None,
    )


def pack(
    envelopes: Sequence[dict[str, Any]], exported: Sequence[int], **statement: Any
) -> dict[str, bytes]:
    """The pack of the events at positions `exported` (0-based) of a trail of `envelopes`."""
    hashes, previous = [], chain.GENESIS
    for env in envelopes:
        previous = chain.link(previous, chain.event_hash(env))
        hashes.append(previous)
    tree = MerkleTree(hashes)
    head = head_document(
        TENANT, len(hashes), hashes[-1], tree.root, datetime(2026, 4, 1, tzinfo=UTC), KEY.key_id
    )
    head["signature"] = base64.b64encode(KEY.sign(head_message(head))).decode()
    events = [
        PackEvent(
            seq=i + 1,
            chain_hash=hashes[i],
            previous_chain_hash=hashes[i - 1] if i else chain.GENESIS,
            envelope=envelopes[i],
            audit_path=tree.inclusion_proof(i),
        )
        for i in exported
    ]
    documents = {"README.md": b"read me\n", "personal.json": b"{}\n"}
    built = assemble(KEY, head, {**STATEMENT, **statement}, events, documents)
    with zipfile.ZipFile(io.BytesIO(built)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def causes(findings: list[Finding]) -> set[str]:
    return {f.cause for f in findings}


TRAIL = [envelope(n, HOME if n % 3 else OTHER_HOME) for n in range(1, 10)]
AT_HOME = [i for i, env in enumerate(TRAIL) if env["location_id"] == str(HOME)]


def test_an_honest_pack_of_one_homes_events_verifies() -> None:
    findings, summary = check_pack(pack(TRAIL, AT_HOME), KEY.public_key)
    assert findings == []
    assert f"{len(AT_HOME)} events of location {HOME}" in summary


def test_an_event_of_another_home_or_outside_the_days_is_out_of_scope() -> None:
    other = next(i for i in range(len(TRAIL)) if i not in AT_HOME)
    findings, _ = check_pack(pack(TRAIL, sorted([*AT_HOME, other])), KEY.public_key)
    assert causes(findings) == {"out-of-scope"}
    assert f"seq {other + 1}" in str(findings[0])
    late = [*TRAIL[:-1], envelope(9, day=30)]
    findings, _ = check_pack(pack(late, [8], to="2026-03-29"), KEY.public_key)
    assert causes(findings) == {"out-of-scope"}


def test_an_event_the_manifest_does_not_list_is_named_as_added() -> None:
    files = pack(TRAIL, AT_HOME[:-1])
    extra = PackEvent(
        seq=AT_HOME[-1] + 1, chain_hash=b"\x01" * 32, previous_chain_hash=b"\x02" * 32,
        envelope=TRAIL[AT_HOME[-1]], audit_path=[],
    )  # fmt: skip
    files["events.jsonl"] += extra.line()
    found = causes(check_pack(files, KEY.public_key)[0])
    assert {"event-added", "file-altered", "proof-invalid"} <= found


def test_an_altered_manifest_an_extra_file_and_a_wrong_key_are_each_named() -> None:
    files = pack(TRAIL, AT_HOME)
    manifest = json.loads(files["manifest.json"])
    manifest["from"] = "2026-01-01"
    altered = {**files, "manifest.json": json.dumps(manifest, indent=2).encode()}
    assert causes(check_pack(altered, KEY.public_key)[0]) == {"manifest-signature"}
    planted = {**files, "extra.csv": b"a,b\n"}
    assert causes(check_pack(planted, KEY.public_key)[0]) == {"unexpected-file"}
    stranger = TrailKey(bytes(32)).public_key
    assert {"wrong-key", "head-signature", "manifest-signature"} <= causes(
        check_pack(files, stranger)[0]
    )


def test_a_broken_link_between_two_exported_events_is_named() -> None:
    files = pack(TRAIL, AT_HOME)
    lines = [json.loads(line) for line in files["events.jsonl"].splitlines()]
    consecutive = next(
        n for n, line in enumerate(lines[1:], start=1) if line["seq"] == lines[n - 1]["seq"] + 1
    )
    lines[consecutive]["previous_chain_hash"] = "00" * 32
    files["events.jsonl"] = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    findings = check_pack(files, KEY.public_key)[0]
    assert "event-altered" in causes(findings)
    assert f"seq {lines[consecutive]['seq']}" in " ".join(map(str, findings))


def test_missing_files_and_malformed_json_are_reported_not_raised() -> None:
    files = pack(TRAIL, AT_HOME)
    del files["proofs.json"]
    assert causes(check_pack(files, KEY.public_key)[0]) == {"missing-file"}
    broken = {**pack(TRAIL, AT_HOME), "head.json": b"{not json"}
    assert causes(check_pack(broken, KEY.public_key)[0]) == {"malformed"}
    odd = {**pack(TRAIL, AT_HOME), "events.jsonl": b"[1, 2]\n"}
    assert causes(check_pack(odd, KEY.public_key)[0]) == {"malformed"}
