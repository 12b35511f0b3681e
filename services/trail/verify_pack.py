"""Check a caretrail evidence pack offline, trusting nothing but the trail's public key.

This one file is shipped inside every pack and is also what `caretrail verify PACK.zip` runs.
It needs only Python 3.10+ and the `cryptography` package (for Ed25519), nothing from caretrail:

    python verify_pack.py PACK.zip --public-key trail-public-key.json

Exit status 0: every check passed. 1: the pack failed; each failure is printed with its cause.
2: the pack or the key could not be read at all. What is checked, in the words of README.md:
  1. the head (tenant, seq, chain hash, Merkle root, time) is signed by the trail key;
  2. the manifest (what was exported: home, dates, events, files) is signed by the same key
     and names that very head;
  3. every file's sha256 matches the manifest;
  4. every event listed in the manifest is present, once, in order, and nothing else is;
  5. each envelope hashes (RFC 8785 JSON, sha256) to the link of its chain hash, and that
     chain hash is a leaf of the signed Merkle tree (RFC 6962 inclusion proof);
  6. each event belongs to the pack's home and date range.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import math
import sys
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

FORMAT = "caretrail-evidence-pack/1"
HEAD_KIND = "caretrail-signed-head/1"
MANIFEST_CONTEXT = b"caretrail-evidence-pack/1\n"  # prefixed to manifest.json before signing
GENESIS = bytes(32)
EMPTY_ROOT = hashlib.sha256(b"").digest()
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"
FILES = ("manifest.json", "manifest.sig", "head.json", "events.jsonl", "proofs.json")

# --- RFC 8785 canonical JSON (the envelope hashing) -------------------------------------------


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS): sorted keys (UTF-16 order), no whitespace, ECMAScript numbers."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise ValueError(f"integer {value} is outside the range RFC 8785 allows")
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_jcs(k) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _number(x: float) -> str:
    """ECMAScript Number::toString of a finite double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(x):
        raise ValueError("NaN and infinities are not JSON")
    if x == 0:
        return "0"
    sign, mantissa, _, exponent = "-" if x < 0 else "", *repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits, n = (whole + fraction), len(whole) + int(exponent or 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    power = f"e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + power


def event_hash(envelope: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical(envelope)).digest()


def link(previous: bytes, this_event_hash: bytes) -> bytes:
    return hashlib.sha256(previous + this_event_hash).digest()


# --- RFC 6962 / RFC 9162 Merkle tree verification ---------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: list[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does `path` lead from the leaf hash at `index` to `root`?"""
    if not 0 <= index < tree_size or any(len(p) != 32 for p in path):
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, first_root: bytes, second: int, second_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of size `second` an append-only extension of the
    tree of size `first`?"""
    if not 0 <= first <= second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- Ed25519 signatures -----------------------------------------------------------------------


def head_message(head: dict[str, Any]) -> bytes:
    """What the trail key signs for a head: every member but the signature, RFC 8785."""
    return canonical({k: v for k, v in head.items() if k != "signature"})


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def load_public_key(text: str) -> bytes:
    """The raw 32-byte key from what `GET /api/v1/trail/public-key` serves (JSON), a PEM, or
    bare base64."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = text.strip()
    if text.startswith("{"):
        text = json.loads(text)["public_key"]
    if "BEGIN PUBLIC KEY" in text:
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


def signature_ok(public_key: bytes, signature_b64: Any, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(str(signature_b64), validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the pack -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One failed check: `cause` is a stable code, `detail` says what exactly is wrong."""

    cause: str
    detail: str

    def __str__(self) -> str:
        return f"FAILED [{self.cause}] {self.detail}"


class Unreadable(Exception):
    """The pack cannot be opened or parsed at all."""


def read_pack(path: str) -> tuple[dict[str, bytes], list[Finding]]:
    """The pack's files, and a finding for each member whose bytes fail the zip's CRC-32."""
    files, damaged = {}, []
    try:
        with zipfile.ZipFile(path) as pack:
            for name in pack.namelist():
                try:
                    files[name] = pack.read(name)
                except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                    damaged.append(Finding("damaged", f"{name}: {exc} (its bytes were altered)"))
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise Unreadable(f"the pack is damaged or not a zip file: {exc}") from None
    return files, damaged


def check_pack(files: dict[str, bytes], public_key: bytes) -> tuple[list[Finding], str]:
    """Every failed check (empty: the pack verifies), and a one-line account of what passed."""
    missing = [name for name in FILES if name not in files]
    if missing:
        return [Finding("missing-file", f"the pack has no {name}") for name in missing], ""
    try:
        manifest = json.loads(files["manifest.json"])
        head = json.loads(files["head.json"])
        proofs = json.loads(files["proofs.json"])
        lines = [json.loads(line) for line in files["events.jsonl"].splitlines() if line.strip()]
    except ValueError as exc:
        return [Finding("malformed", f"a pack file is not valid JSON: {exc}")], ""
    try:
        findings = _check_signatures(files, manifest, head, public_key)
        findings += _check_files(files, manifest)
        findings += _check_events(manifest, head, proofs, lines)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return [Finding("malformed", f"a pack file does not have the expected shape: {exc}")], ""
    summary = (
        f"{len(lines)} events of location {manifest.get('location_id')}"
        f" ({manifest.get('from')} to {manifest.get('to')}) are in the signed trail of tenant"
        f" {head.get('tenant_id')} at seq {head.get('seq')} (root {head.get('root_hash')},"
        f" signed {head.get('signed_at')} by key {head.get('key_id')})"
    )
    return findings, summary


def _check_signatures(
    files: dict[str, bytes], manifest: dict[str, Any], head: dict[str, Any], public_key: bytes
) -> list[Finding]:
    found = []
    if head.get("key_id") != key_id(public_key):
        found.append(
            Finding(
                "wrong-key",
                f"head.json names signing key {head.get('key_id')}, the public key given is"
                f" {key_id(public_key)}",
            )
        )
    if head.get("kind") != HEAD_KIND or not signature_ok(
        public_key, head.get("signature"), head_message(head)
    ):
        found.append(
            Finding(
                "head-signature",
                "head.json: the signed head's signature does not verify under the public key"
                " (a forged or altered head)",
            )
        )
    signature = files["manifest.sig"].decode("ascii", "replace").strip()
    if not signature_ok(public_key, signature, MANIFEST_CONTEXT + files["manifest.json"]):
        found.append(
            Finding(
                "manifest-signature",
                "manifest.json: the signature in manifest.sig does not verify (the manifest"
                " was altered or forged)",
            )
        )
    if manifest.get("format") != FORMAT:
        found.append(Finding("malformed", f"manifest.json: format is not {FORMAT}"))
    if manifest.get("head") != head:
        found.append(
            Finding(
                "head-swapped",
                "head.json is not the signed head the manifest names (the head was swapped)",
            )
        )
    return found


def _check_files(files: dict[str, bytes], manifest: dict[str, Any]) -> list[Finding]:
    found = []
    listed = manifest.get("files", {})
    for name, digest in sorted(listed.items()):
        if name not in files:
            found.append(Finding("missing-file", f"{name} is listed in the manifest but absent"))
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            found.append(
                Finding("file-altered", f"{name} does not match its sha256 in the manifest")
            )
    for name in sorted(set(files) - set(listed) - {"manifest.json", "manifest.sig"}):
        found.append(Finding("unexpected-file", f"{name} is not listed in the manifest"))
    return found


def _check_events(
    manifest: dict[str, Any], head: dict[str, Any], proofs: dict[str, Any], lines: list[Any]
) -> list[Finding]:
    found: list[Finding] = []
    listed = {int(e["seq"]): e for e in manifest.get("events", [])}
    by_event_id = {e["event_id"]: seq for seq, e in listed.items()}
    seen = [int(line.get("seq", -1)) for line in lines]
    for seq in sorted(set(listed) - set(seen)):
        found.append(
            Finding(
                "event-missing",
                f"event seq {seq} ({listed[seq]['event_id']}) is in the manifest but missing"
                " from events.jsonl (dropped)",
            )
        )
    for before, after in itertools.pairwise(seen):
        if after <= before:
            found.append(
                Finding(
                    "events-reordered",
                    f"events.jsonl is out of order: seq {after} comes after seq {before}",
                )
            )
    chain = {int(line.get("seq", -1)): line.get("chain_hash") for line in lines}
    tree_size, root = int(head.get("seq", 0)), bytes.fromhex(str(head.get("root_hash", "")))
    if proofs.get("tree_size") != tree_size or proofs.get("root_hash") != head.get("root_hash"):
        found.append(Finding("proof-invalid", "proofs.json is not for the signed head's tree"))
    for line in lines:
        found += _check_event(line, listed, by_event_id, chain, manifest, head)
        seq = int(line.get("seq", -1))
        path = proofs.get("proofs", {}).get(str(seq))
        try:
            ok = path is not None and verify_inclusion(
                leaf_hash(bytes.fromhex(line["chain_hash"])),
                seq - 1,
                tree_size,
                [bytes.fromhex(p) for p in path],
                root,
            )
        except (ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            found.append(
                Finding(
                    "proof-invalid",
                    f"event seq {seq}: its inclusion proof does not lead to the signed root"
                    " (a forged or altered proof, or an event not in the signed trail)",
                )
            )
    return found


def _check_event(
    line: dict[str, Any],
    listed: dict[int, Any],
    by_event_id: dict[str, int],
    chain: dict[int, Any],
    manifest: dict[str, Any],
    head: dict[str, Any],
) -> list[Finding]:
    seq, envelope = int(line.get("seq", -1)), line.get("envelope") or {}
    entry = listed.get(seq)
    if entry is None:
        return [Finding("event-added", f"event seq {seq} is not in the signed manifest")]
    found = []
    event_id = envelope.get("event_id")
    if event_id != entry["event_id"] and event_id in by_event_id:
        found.append(
            Finding(
                "events-reordered",
                f"the envelope at seq {seq} is event {event_id}, which belongs at seq"
                f" {by_event_id[event_id]}",
            )
        )
    previous = bytes.fromhex(str(line.get("previous_chain_hash", "")))
    expected_previous = GENESIS.hex() if seq == 1 else chain.get(seq - 1)
    if line.get("chain_hash") != entry["chain_hash"]:
        found.append(
            Finding("event-altered", f"event seq {seq}: its chain hash differs from the manifest")
        )
    elif link(previous, event_hash(envelope)).hex() != entry["chain_hash"]:
        found.append(
            Finding(
                "event-altered",
                f"event seq {seq} ({entry['event_id']}): the envelope does not hash to its"
                " chain hash (its content was altered)",
            )
        )
    elif expected_previous is not None and expected_previous != previous.hex():
        found.append(
            Finding("event-altered", f"event seq {seq}: it does not link onto seq {seq - 1}")
        )
    recorded = str(envelope.get("recorded_at", ""))[:10]
    if (
        envelope.get("tenant_id") != head.get("tenant_id")
        or envelope.get("location_id") != manifest.get("location_id")
        or not str(manifest.get("from")) <= recorded <= str(manifest.get("to"))
    ):
        found.append(
            Finding(
                "out-of-scope",
                f"event seq {seq} is not of this pack's tenant, home and date range",
            )
        )
    return found


def check_later_head(
    head: dict[str, Any], consistency: dict[str, Any], public_key: bytes
) -> list[Finding]:
    """`consistency` as `GET /trail/consistency?first=<pack seq>&second=N` serves it: the later
    head must be signed, and the proof must show it extends the pack's head unchanged."""
    first, second = consistency.get("first"), consistency.get("second") or {}
    if first != head:
        return [Finding("consistency", "the consistency proof does not start at this pack's head")]
    if second.get("kind") != HEAD_KIND or not signature_ok(
        public_key, second.get("signature"), head_message(second)
    ):
        return [Finding("head-signature", "the later head's signature does not verify")]
    try:
        ok = second.get("tenant_id") == head.get("tenant_id") and verify_consistency(
            int(head["seq"]),
            bytes.fromhex(head["root_hash"]),
            int(second["seq"]),
            bytes.fromhex(second["root_hash"]),
            [bytes.fromhex(p) for p in consistency.get("proof", [])],
        )
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        return [
            Finding(
                "consistency",
                f"the trail at seq {second.get('seq')} does not extend this pack's head at seq"
                f" {head.get('seq')}: what was signed then has been changed",
            )
        ]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a caretrail evidence pack offline.")
    parser.add_argument("pack", help="the evidence pack (.zip)")
    parser.add_argument(
        "--public-key", required=True, help="the trail key file from GET /api/v1/trail/public-key"
    )
    parser.add_argument(
        "--consistency",
        help="optional: GET /api/v1/trail/consistency?first=<this pack's seq>&second=<later seq>"
        " saved to a file, to check the trail still extends this pack's head",
    )
    args = parser.parse_args(argv)
    return run(args.pack, args.public_key, args.consistency)


def run(pack_path: str, key_path: str, consistency_path: str | None = None) -> int:
    try:
        with open(key_path, encoding="utf-8") as key_file:
            public_key = load_public_key(key_file.read())
        files, damaged = read_pack(pack_path)
        consistency = None
        if consistency_path is not None:
            with open(consistency_path, encoding="utf-8") as proof_file:
                consistency = json.load(proof_file)
    except (Unreadable, OSError, ValueError, KeyError) as exc:
        print(f"FAILED [unreadable] {exc}")
        return 2
    findings, summary = check_pack(files, public_key)
    findings = damaged + findings
    if consistency is not None and not findings:
        findings = check_later_head(json.loads(files["head.json"]), consistency, public_key)
        if not findings:
            summary += f"; the trail at seq {consistency['second'].get('seq')} extends it"
    for finding in findings:
        print(finding)
    if findings:
        print(f"the pack does NOT verify: {len(findings)} problem(s)")
        return 1
    print(f"OK: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
