"""Evidence packs end to end: exported over HTTP and by `caretrail export`, checked offline by
`caretrail verify PACK.zip --public-key KEYFILE` and by the script shipped inside the pack, with
every kind of tampering failing and naming its cause."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.kernel.handling import Records
from services.trail import verify_pack
from services.trail.verify_pack import MANIFEST_CONTEXT, head_message, key_id
from tests.e2e.conftest import Group, LiveApi, make_group
from tests.e2e.test_actions_api import action_body

TODAY = datetime.now(UTC).date()
RANGE = {
    "from": (TODAY - timedelta(days=1)).isoformat(),
    "to": (TODAY + timedelta(days=1)).isoformat(),
}


@dataclass
class Exported:
    group: Group
    pack: bytes
    key_file: Path
    person_name: str
    other_home_action: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def exported(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi, tmp_path_factory: Any
) -> Exported:
    """A group with records at both homes and a person (personal data) at home 0, exported."""
    group = await make_group(http, records, live_api, "Evidence Group")
    name = "Jo Relative-Evidence"
    body = {"kind": "complainant", "name": name, "location_id": str(group.homes[0])}
    assert (await http.post("/people", json=body, headers=group.auth())).status_code == 201
    for title in ("Fix MAR chart gaps", "Replace bed rails"):
        created = await http.post(
            "/actions", json=action_body(group, title=title), headers=group.auth()
        )
        assert created.status_code == 201, created.text
    elsewhere = await http.post(
        "/actions",
        json=action_body(group, location_id=str(group.homes[1]), title="Other home only"),
        headers=group.auth(),
    )
    assert elsewhere.status_code == 201
    response = await http.post(
        "/exports", json={"location_id": str(group.homes[0]), **RANGE}, headers=group.auth()
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    key = await http.get("/trail/public-key")  # no token: the key is public
    assert key.status_code == 200
    key_file = tmp_path_factory.mktemp("key") / "trail-public-key.json"
    key_file.write_text(key.text)
    return Exported(group, response.content, key_file, name, elsewhere.json()["id"])


def files_of(pack: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pack)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, body in files.items():
            pack.writestr(name, body)
    return out.getvalue()


def caretrail_verify(
    pack: bytes, key_file: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "pack.zip"
    path.write_bytes(pack)
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "verify", str(path), "--public-key", str(key_file)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CARETRAIL_DATA_DIR": str(tmp_path / "data")},
    )


def verify_in_process(
    pack: bytes, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """What `caretrail verify PACK --public-key KEY` runs (verify_pack.run), without paying a
    process start per tampering case; the CLI itself is run as a process in the tests above."""
    path = tmp_path / "pack.zip"
    path.write_bytes(pack)
    capsys.readouterr()
    status = verify_pack.run(str(path), str(key_file))
    return status, capsys.readouterr().out


def lines(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in files["events.jsonl"].splitlines()]


def with_lines(files: dict[str, bytes], changed: list[dict[str, Any]]) -> dict[str, bytes]:
    text = "".join(json.dumps(line) + "\n" for line in changed)
    return {**files, "events.jsonl": text.encode()}


async def test_an_untouched_pack_verifies_and_holds_only_that_homes_events(
    exported: Exported, tmp_path: Path
) -> None:
    result = caretrail_verify(exported.pack, exported.key_file, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:") and str(exported.group.homes[0]) in result.stdout
    files = lines(files_of(exported.pack))
    homes = {line["envelope"]["location_id"] for line in files}
    assert homes == {str(exported.group.homes[0])}
    streams = {line["envelope"]["stream_id"] for line in files}
    assert exported.other_home_action not in streams
    types = {line["envelope"]["event_type"] for line in files}
    assert {"ActionRaised", "PersonRecorded"} <= types
    seqs = [line["seq"] for line in files]
    assert seqs == sorted(seqs) and len(seqs) >= 3


async def test_personal_fields_stay_sealed_in_envelopes_and_are_decrypted_for_the_admin(
    exported: Exported,
) -> None:
    files = files_of(exported.pack)
    assert exported.person_name.encode() not in files["events.jsonl"]
    personal = json.loads(files["personal.json"])
    assert personal["personal_fields"] == "decrypted"
    assert exported.person_name in json.dumps(personal["fields"])
    sealed = [line for line in lines(files) if line["envelope"]["personal"]]
    assert sealed and all(
        str(line["envelope"]["event_id"]) in personal["fields"] for line in sealed
    )
    summary = files["summary.html"].decode()
    assert "Evidence pack" in summary and "Fix MAR chart gaps" in summary
    assert "cryptography" in files["README.md"].decode()


async def test_the_script_shipped_in_the_pack_verifies_it_on_its_own(
    exported: Exported, tmp_path: Path
) -> None:
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(io.BytesIO(exported.pack)) as opened:
        opened.extractall(unpacked)
    (unpacked / "PACK.zip").write_bytes(exported.pack)
    (unpacked / "key.json").write_text(exported.key_file.read_text())

    def script(pack: str) -> subprocess.CompletedProcess[str]:
        # -I: isolated, so nothing of the repository is importable; only the stdlib and the
        # interpreter's site-packages (where `cryptography` is).
        return subprocess.run(
            [sys.executable, "-I", "verify_pack.py", pack, "--public-key", "key.json"],
            cwd=unpacked,
            capture_output=True,
            text=True,
            timeout=60,
        )

    intact = script("PACK.zip")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.startswith("OK:")
    files = files_of(exported.pack)
    changed = lines(files)
    del changed[1]
    (unpacked / "DROPPED.zip").write_bytes(zipped(with_lines(files, changed)))
    dropped = script("DROPPED.zip")
    assert dropped.returncode == 1 and "[event-missing]" in dropped.stdout


def _flip_in_envelope(files: dict[str, bytes]) -> dict[str, bytes]:
    changed = lines(files)
    changed[1]["envelope"]["data"]["title"] = "Fix MAR chart gapz"
    return with_lines(files, changed)


def _flip_raw_byte(pack: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(pack)) as opened:
        info = opened.getinfo("events.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    flipped = bytearray(pack)
    flipped[start + info.compress_size // 2] ^= 0x01
    return bytes(flipped)


def _drop(files: dict[str, bytes]) -> dict[str, bytes]:
    changed = lines(files)
    del changed[1]
    return with_lines(files, changed)


def _reorder(files: dict[str, bytes]) -> dict[str, bytes]:
    changed = lines(files)
    changed[1], changed[2] = changed[2], changed[1]
    return with_lines(files, changed)


def _swap_envelopes(files: dict[str, bytes]) -> dict[str, bytes]:
    changed = lines(files)
    changed[1]["envelope"], changed[2]["envelope"] = changed[2]["envelope"], changed[1]["envelope"]
    return with_lines(files, changed)


def _altered_head(files: dict[str, bytes]) -> dict[str, bytes]:
    head = json.loads(files["head.json"])
    head["root_hash"] = "00" * 32
    return {**files, "head.json": json.dumps(head).encode()}


def _forged_head_and_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """A forger with their own key re-signs a head and the manifest: both fail the real key."""
    forger = Ed25519PrivateKey.generate()
    head = json.loads(files["head.json"])
    head["seq"] += 1
    head["key_id"] = key_id(forger.public_key().public_bytes_raw())
    head["signature"] = base64.b64encode(forger.sign(head_message(head))).decode()
    manifest = json.loads(files["manifest.json"])
    manifest["head"] = head
    body = json.dumps(manifest).encode()
    signature = base64.b64encode(forger.sign(MANIFEST_CONTEXT + body))
    return {
        **files,
        "head.json": json.dumps(head).encode(),
        "manifest.json": body,
        "manifest.sig": signature,
    }


def _forged_proof(files: dict[str, bytes]) -> dict[str, bytes]:
    proofs = json.loads(files["proofs.json"])
    seq = str(lines(files)[1]["seq"])
    proofs["proofs"][seq][0] = "ab" * 32
    return {**files, "proofs.json": json.dumps(proofs).encode()}


TAMPERING: list[tuple[str, Callable[[dict[str, bytes]], dict[str, bytes]] | None, str, bool]] = [
    ("one byte of an envelope", _flip_in_envelope, "event-altered", True),
    ("one raw byte of the zip", None, "damaged", False),
    ("one event dropped", _drop, "event-missing", True),
    ("two events reordered", _reorder, "events-reordered", False),
    ("two envelopes swapped", _swap_envelopes, "events-reordered", True),
    ("the head's root altered", _altered_head, "head-signature", False),
    (
        "a head and manifest forged with another key",
        _forged_head_and_manifest,
        "manifest-signature",
        False,
    ),
    ("one proof node forged", _forged_proof, "proof-invalid", True),
]


@pytest.mark.parametrize(
    ("case", "tamper", "cause", "names_seq"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
async def test_tampering_fails_verification_and_names_the_cause(
    exported: Exported,
    tmp_path: Path,
    case: str,
    tamper: Callable[[dict[str, bytes]], dict[str, bytes]] | None,
    cause: str,
    names_seq: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = files_of(exported.pack)
    pack = _flip_raw_byte(exported.pack) if tamper is None else zipped(tamper(files))
    status, out = verify_in_process(pack, exported.key_file, tmp_path, capsys)
    assert status == 1, (case, out)
    assert f"[{cause}]" in out, (case, out)
    assert "does NOT verify" in out
    if names_seq:
        assert f"seq {lines(files)[1]['seq']}" in out, out


async def test_caretrail_verify_exits_non_zero_naming_the_cause(
    exported: Exported, tmp_path: Path
) -> None:
    result = caretrail_verify(zipped(_drop(files_of(exported.pack))), exported.key_file, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[event-missing]" in result.stdout and "dropped" in result.stdout


async def test_a_genuine_but_different_signed_head_is_named_as_swapped(
    exported: Exported,
    http: httpx.AsyncClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    group = exported.group
    later = await http.post(
        "/actions", json=action_body(group, title="Later"), headers=group.auth()
    )
    assert later.status_code == 201
    fresh = await http.post(
        "/exports", json={"location_id": str(group.homes[0]), **RANGE}, headers=group.auth()
    )
    later_head = json.loads(files_of(fresh.content)["head.json"])
    files = files_of(exported.pack)
    assert later_head["seq"] > json.loads(files["head.json"])["seq"]
    pack = zipped({**files, "head.json": json.dumps(later_head).encode()})
    status, out = verify_in_process(pack, exported.key_file, tmp_path, capsys)
    assert status == 1
    assert "[head-swapped]" in out, out
    assert "[head-signature]" not in out  # it is a real head, just not this pack's


async def test_a_wrong_key_file_fails_and_an_unreadable_one_exits_2(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.json"
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    other.write_text(json.dumps({"public_key": base64.b64encode(raw).decode()}))
    status, out = verify_in_process(exported.pack, other, tmp_path, capsys)
    assert status == 1 and "[wrong-key]" in out and "[head-signature]" in out
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not a key")
    assert verify_in_process(exported.pack, garbage, tmp_path, capsys)[0] == 2


async def test_caretrail_export_writes_a_pack_that_verifies(
    exported: Exported, live_api: LiveApi, tmp_path: Path
) -> None:
    database = live_api.database
    out = tmp_path / "PACK.zip"
    env = {
        **os.environ,
        "CARETRAIL_DATABASE_URL": database.owner,
        "CARETRAIL_APP_DATABASE_URL": database.app,
        "CARETRAIL_KEK": database.kek,
        "CARETRAIL_DEV_SIGNING_KEY": "test-signing-key",
        "CARETRAIL_TRAIL_SIGNING_KEY": str(live_api.runtime.trail_key),
        "CARETRAIL_DATA_DIR": str(tmp_path / "data"),
        "CARETRAIL_DATABASE_NAME": database.settings.database_name,
    }
    command = [
        sys.executable,
        "-m",
        "infra.cli",
        "export",
        "--location",
        str(exported.group.homes[0]),
    ]
    command += ["--from", RANGE["from"], "--to", RANGE["to"], "--out", str(out)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert str(exported.group.tenant_id) in result.stdout
    files = files_of(out.read_bytes())
    assert json.loads(files["personal.json"]) == {"personal_fields": "sealed", "fields": {}}
    assert json.loads(files["manifest.json"])["exported_by"] == {"operator": "caretrail export"}
    checked = caretrail_verify(out.read_bytes(), exported.key_file, tmp_path)
    assert checked.returncode == 0, checked.stdout
    printed = subprocess.run(
        [sys.executable, "-m", "infra.cli", "public-key"], env=env, capture_output=True, text=True
    )
    assert json.loads(printed.stdout) == json.loads(exported.key_file.read_text())
    unknown = subprocess.run(
        [*command[:5], "00000000-0000-0000-0000-00000000abcd", *command[6:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 1 and "no provider group has a home" in unknown.stderr


async def test_export_refusals_store_nothing(
    exported: Exported, http: httpx.AsyncClient, count_events: Any
) -> None:
    group = exported.group
    home = str(group.homes[0])
    before = await count_events(group.tenant_id)
    backwards = await http.post(
        "/exports",
        json={"location_id": home, "from": "2026-02-02", "to": "2026-02-01"},
        headers=group.auth(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"
    unknown = await http.post(
        "/exports",
        json={"location_id": "00000000-0000-0000-0000-00000000abcd", **RANGE},
        headers=group.auth(),
    )
    assert unknown.status_code == 404
    for role in ("home_manager", "staff"):
        refused = await http.post(
            "/exports", json={"location_id": home, **RANGE}, headers=group.auth(role)
        )
        assert refused.status_code == 403, (role, refused.text)
    malformed = await http.post(
        "/exports",
        json={"location_id": home, "from": "yesterday", "to": RANGE["to"]},
        headers=group.auth(),
    )
    assert malformed.status_code == 400
    extra = await http.post(
        "/exports", json={"location_id": home, **RANGE, "everything": True}, headers=group.auth()
    )
    assert extra.status_code == 400
    assert (await http.post("/exports", json={"location_id": home, **RANGE})).status_code == 401
    assert await count_events(group.tenant_id) == before


async def test_a_later_head_is_checked_to_extend_the_packs_head(
    exported: Exported,
    http: httpx.AsyncClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    group = exported.group
    pack_seq = json.loads(files_of(exported.pack)["head.json"])["seq"]
    later = await http.post(
        "/actions", json=action_body(group, title="After"), headers=group.auth()
    )
    assert later.status_code == 201
    fresh = await http.post(
        "/exports", json={"location_id": str(group.homes[0]), **RANGE}, headers=group.auth()
    )
    later_seq = json.loads(files_of(fresh.content)["head.json"])["seq"]
    answer = await http.get(
        "/trail/consistency",
        params={"first": pack_seq, "second": later_seq},
        headers=group.auth("quality_lead"),
    )
    assert answer.status_code == 200, answer.text
    proof_file = tmp_path / "consistency.json"
    proof_file.write_text(answer.text)
    path = tmp_path / "pack.zip"
    path.write_bytes(exported.pack)
    capsys.readouterr()
    assert verify_pack.run(str(path), str(exported.key_file), str(proof_file)) == 0
    assert f"the trail at seq {later_seq} extends it" in capsys.readouterr().out
    bent = answer.json()
    bent["proof"][0] = "cd" * 32
    proof_file.write_text(json.dumps(bent))
    assert verify_pack.run(str(path), str(exported.key_file), str(proof_file)) == 1
    assert "[consistency]" in capsys.readouterr().out


async def test_a_quality_lead_may_export_and_keep_personal_fields_sealed(
    exported: Exported, http: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    group = exported.group
    body = {"location_id": str(group.homes[0]), **RANGE, "personal": "sealed"}
    response = await http.post("/exports", json=body, headers=group.auth("quality_lead"))
    assert response.status_code == 200, response.text
    files = files_of(response.content)
    assert json.loads(files["personal.json"]) == {"personal_fields": "sealed", "fields": {}}
    assert exported.person_name.encode() not in b"".join(files.values())
    manifest = json.loads(files["manifest.json"])
    assert manifest["exported_by"]["roles"] == ["quality_lead"]
    assert verify_in_process(response.content, exported.key_file, tmp_path, capsys)[0] == 0
