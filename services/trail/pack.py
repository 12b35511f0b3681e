"""Assembling an evidence pack from what was read: pure, so the verifier can be tested against
packs built without a database. The layout is what verify_pack.py checks and the pack's
README describes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventstore import chain
from services.trail import verify_pack
from services.trail.heads import TrailKey

VERIFIER = Path(verify_pack.__file__)


@dataclass(frozen=True, slots=True)
class PackEvent:
    """One exported event: its stored envelope, where it sits in the chain, and its proof."""

    seq: int
    chain_hash: bytes
    previous_chain_hash: bytes
    envelope: Mapping[str, Any]
    audit_path: Sequence[bytes]

    def line(self) -> bytes:
        body = {
            "seq": self.seq,
            "chain_hash": self.chain_hash.hex(),
            "previous_chain_hash": self.previous_chain_hash.hex(),
            "envelope": dict(self.envelope),
        }
        return chain.canonical(body) + b"\n"


def assemble(
    key: TrailKey,
    head: Mapping[str, Any],
    statement: Mapping[str, Any],
    events: Sequence[PackEvent],
    documents: Mapping[str, bytes],
) -> bytes:
    """The zip: `statement` (tenant, home, days, who, ...) becomes the signed manifest with the
    head, the events and every file's sha256; `documents` are the readable extras
    (README.md, summary.html, personal.json)."""
    files = {
        **documents,
        "head.json": as_json(head),
        "events.jsonl": b"".join(event.line() for event in events),
        "proofs.json": as_json(
            {
                "tree_size": head["seq"],
                "root_hash": head["root_hash"],
                "leaf": "sha256(0x00 || chain_hash); leaf index = seq - 1 (RFC 6962)",
                "proofs": {str(e.seq): [p.hex() for p in e.audit_path] for e in events},
            }
        ),
        "verify_pack.py": VERIFIER.read_bytes(),
    }
    manifest = as_json(
        {
            "format": verify_pack.FORMAT,
            **statement,
            "leaf": "chain_hash",
            "head": dict(head),
            "events": [
                {
                    "seq": e.seq,
                    "event_id": e.envelope["event_id"],
                    "chain_hash": e.chain_hash.hex(),
                }
                for e in events
            ],
            "files": {name: hashlib.sha256(body).hexdigest() for name, body in files.items()},
        }
    )
    files["manifest.json"] = manifest
    signature = key.sign(verify_pack.MANIFEST_CONTEXT + manifest)
    files["manifest.sig"] = base64.b64encode(signature) + b"\n"
    return _zip(files)


def as_json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n"


def _zip(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as pack:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(entry, files[name])
    return out.getvalue()
