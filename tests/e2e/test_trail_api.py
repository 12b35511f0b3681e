"""Signed heads, inclusion proofs and consistency proofs over real HTTP, checked with the same
verifiers an inspector runs, against chain hashes read independently as the superuser."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest_asyncio

from eventstore.binding import Binding, bind
from infra.database import asyncpg_dsn
from services.kernel.handling import Records
from services.trail.heads import TrailKey, sign_every_head, sign_head
from services.trail.merkle import MerkleTree
from services.trail.verify_pack import (
    event_hash,
    head_message,
    leaf_hash,
    link,
    load_public_key,
    signature_ok,
    verify_consistency,
    verify_inclusion,
)
from tests.e2e.conftest import Group, LiveApi, make_group
from tests.e2e.test_actions_api import action_body


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def trail_group(http: httpx.AsyncClient, records: Records, live_api: LiveApi) -> Group:
    group = await make_group(http, records, live_api, "Trail Group")
    for home in group.homes:
        body = action_body(group, location_id=str(home))
        assert (await http.post("/actions", json=body, headers=group.auth())).status_code == 201
    return group


async def stored_chain(live_api: LiveApi, tenant_id: UUID) -> list[tuple[UUID, bytes, Any]]:
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        rows = await conn.fetch(
            "SELECT event_id, chain_hash, location_id FROM events WHERE tenant_id = $1"
            " ORDER BY seq",
            tenant_id,
        )
    finally:
        await conn.close()
    return [(r["event_id"], bytes(r["chain_hash"]), r["location_id"]) for r in rows]


async def public_key(http: httpx.AsyncClient) -> bytes:
    response = await http.get("/trail/public-key")
    assert response.status_code == 200
    document = response.json()
    assert document["algorithm"] == "Ed25519"
    assert load_public_key(document["pem"]) == load_public_key(response.text)
    return load_public_key(response.text)


async def test_the_public_key_is_the_runtimes_and_the_head_is_signed_over_the_stored_trail(
    http: httpx.AsyncClient, live_api: LiveApi, trail_group: Group
) -> None:
    key = await public_key(http)
    assert key == TrailKey.from_base64(str(live_api.runtime.trail_key)).public_key
    response = await http.get("/trail/head", headers=trail_group.auth("staff"))
    assert response.status_code == 200
    head = response.json()
    stored = await stored_chain(live_api, trail_group.tenant_id)
    assert head["tenant_id"] == str(trail_group.tenant_id)
    assert head["seq"] == len(stored)
    assert head["chain_hash"] == stored[-1][1].hex()
    assert head["root_hash"] == MerkleTree([h for _e, h, _l in stored]).root.hex()
    assert signature_ok(key, head["signature"], head_message(head))
    forged = {**head, "seq": head["seq"] + 1}
    assert not signature_ok(key, head["signature"], head_message(forged))
    assert (await http.get("/trail/head")).status_code == 401


async def test_an_inclusion_proof_verifies_and_respects_the_callers_homes(
    http: httpx.AsyncClient, live_api: LiveApi, trail_group: Group, other_group: Group
) -> None:
    key = await public_key(http)
    stored = await stored_chain(live_api, trail_group.tenant_id)
    at_home = {home: [e for e, _h, loc in stored if loc == home] for home in trail_group.homes}
    event_id = at_home[trail_group.homes[0]][-1]
    response = await http.get(f"/trail/proof/{event_id}", headers=trail_group.auth("home_manager"))
    assert response.status_code == 200, response.text
    proof = response.json()
    head = proof["head"]
    assert signature_ok(key, head["signature"], head_message(head))
    chain_hash = bytes.fromhex(proof["chain_hash"])
    previous = bytes.fromhex(proof["previous_chain_hash"])
    assert link(previous, event_hash(proof["envelope"])) == chain_hash
    path = [bytes.fromhex(p) for p in proof["audit_path"]]
    root = bytes.fromhex(head["root_hash"])
    assert verify_inclusion(leaf_hash(chain_hash), proof["seq"] - 1, head["seq"], path, root)
    assert not verify_inclusion(leaf_hash(previous), proof["seq"] - 1, head["seq"], path, root)
    # The manager of home 0 cannot see home 1's events; no one sees another group's.
    elsewhere = at_home[trail_group.homes[1]][-1]
    hidden = await http.get(f"/trail/proof/{elsewhere}", headers=trail_group.auth("home_manager"))
    assert hidden.status_code == 404
    foreign = await http.get(f"/trail/proof/{event_id}", headers=other_group.auth())
    assert foreign.status_code == 404
    missing = await http.get(f"/trail/proof/{uuid4()}", headers=trail_group.auth())
    assert missing.status_code == 404
    wrong_home = await http.get(
        f"/trail/proof/{event_id}",
        params={"location_id": str(trail_group.homes[1])},
        headers=trail_group.auth(),
    )
    assert wrong_home.status_code == 404


async def test_a_newer_head_is_proved_consistent_with_an_older_one(
    http: httpx.AsyncClient, live_api: LiveApi, trail_group: Group, records: Records
) -> None:
    first = (await http.get("/trail/head", headers=trail_group.auth())).json()
    created = await http.post("/actions", json=action_body(trail_group), headers=trail_group.auth())
    assert created.status_code == 201
    key = TrailKey.from_base64(str(live_api.runtime.trail_key))
    signed = await sign_every_head(records.store.pool, key, datetime.now(UTC))
    second_seq = signed[trail_group.tenant_id]
    assert second_seq > first["seq"]
    again = await sign_every_head(records.store.pool, key, datetime.now(UTC))
    assert again[trail_group.tenant_id] == second_seq  # nothing new: no second signature
    response = await http.get(
        "/trail/consistency",
        params={"first": first["seq"], "second": second_seq},
        headers=trail_group.auth(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["first"] == first
    assert body["second"]["seq"] == second_seq
    proof = [bytes.fromhex(p) for p in body["proof"]]
    old_root, new_root = (bytes.fromhex(body[k]["root_hash"]) for k in ("first", "second"))
    assert verify_consistency(first["seq"], old_root, second_seq, new_root, proof)
    assert not verify_consistency(first["seq"], new_root, second_seq, new_root, proof)
    backwards = await http.get(
        "/trail/consistency",
        params={"first": second_seq, "second": first["seq"]},
        headers=trail_group.auth(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "second"
    unsigned = await http.get(
        "/trail/consistency",
        params={"first": first["seq"], "second": second_seq + 1000},
        headers=trail_group.auth(),
    )
    assert unsigned.status_code == 404
    for low, high in ((0, second_seq), (first["seq"], 2**64), ("one", second_seq)):
        malformed = await http.get(
            "/trail/consistency",
            params={"first": low, "second": high},
            headers=trail_group.auth(),
        )
        assert malformed.status_code == 400, (low, high, malformed.text)


async def test_signed_heads_are_append_only_and_tenant_isolated(
    live_api: LiveApi, trail_group: Group
) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.app))
    try:
        async with conn.transaction():
            await bind(conn, Binding.tenant(uuid4()))
            assert await conn.fetchval("SELECT count(*) FROM signed_heads") == 0
        async with conn.transaction():
            await bind(conn, Binding.tenant(trail_group.tenant_id))
            assert await conn.fetchval("SELECT count(*) FROM signed_heads") >= 1
        for statement in ("UPDATE signed_heads SET seq = seq", "DELETE FROM signed_heads"):
            try:
                async with conn.transaction():
                    await bind(conn, Binding.tenant(trail_group.tenant_id))
                    await conn.execute(statement)
            except asyncpg.PostgresError:
                continue
            raise AssertionError(f"{statement} was allowed")
    finally:
        await conn.close()


async def test_an_external_viewer_gets_proofs_only_for_granted_homes(
    http: httpx.AsyncClient, live_api: LiveApi, records: Records
) -> None:
    from tests.e2e.test_external_viewers import grant, new_action, viewer

    group = await make_group(http, records, live_api, "Granted Trail")
    council = await viewer(records, live_api, "local_authority", "Trail Council")
    granted = await grant(http, group, group.homes[0], council.organisation_id)
    assert granted.status_code == 201, granted.text
    await new_action(http, group, group.homes[0])
    await new_action(http, group, group.homes[1])
    stored = await stored_chain(live_api, group.tenant_id)
    seen = [e for e, _h, loc in stored if loc == group.homes[0]][-1]
    unseen = [e for e, _h, loc in stored if loc == group.homes[1]][-1]
    home = {"location_id": str(group.homes[0])}

    response = await http.get(f"/trail/proof/{seen}", params=home, headers=council.headers)
    assert response.status_code == 200, response.text
    proof = response.json()
    assert proof["head"]["tenant_id"] == str(group.tenant_id)
    root = bytes.fromhex(proof["head"]["root_hash"])
    path = [bytes.fromhex(p) for p in proof["audit_path"]]
    leaf = leaf_hash(bytes.fromhex(proof["chain_hash"]))
    assert verify_inclusion(leaf, proof["seq"] - 1, proof["head"]["seq"], path, root)
    other_home = {"location_id": str(group.homes[1])}
    for params in (home, other_home, {}):
        hidden = await http.get(f"/trail/proof/{unseen}", params=params, headers=council.headers)
        assert hidden.status_code == 404, (params, hidden.text)
    head = await http.get("/trail/head", params=home, headers=council.headers)
    assert head.status_code == 200 and head.json()["tenant_id"] == str(group.tenant_id)
    assert (await http.get("/trail/head", headers=council.headers)).status_code == 404
    export = await http.post("/exports", json={**home, "from": "2026-01-01", "to": "2026-12-31"},
                             headers=council.headers)  # fmt: skip
    assert export.status_code == 403


async def test_a_rotated_key_signs_its_own_heads_beside_the_old_ones(
    http: httpx.AsyncClient, trail_group: Group, records: Records
) -> None:
    served = (await http.get("/trail/head", headers=trail_group.auth())).json()
    rotated = TrailKey(os.urandom(32))
    head = await sign_head(records.store.pool, rotated, trail_group.tenant_id, datetime.now(UTC))
    assert head is not None and head["key_id"] == rotated.key_id
    assert head["seq"] >= served["seq"]
    assert signature_ok(rotated.public_key, head["signature"], head_message(head))
    again = (await http.get("/trail/head", headers=trail_group.auth())).json()
    assert again["key_id"] == served["key_id"] != rotated.key_id


async def test_signers_racing_on_one_seq_keep_one_head(
    http: httpx.AsyncClient, live_api: LiveApi, trail_group: Group, records: Records
) -> None:
    created = await http.post("/actions", json=action_body(trail_group), headers=trail_group.auth())
    assert created.status_code == 201
    key = TrailKey.from_base64(str(live_api.runtime.trail_key))
    now = datetime.now(UTC)
    heads = await asyncio.gather(
        *(sign_head(records.store.pool, key, trail_group.tenant_id, now) for _ in range(6))
    )
    assert all(h is not None for h in heads)
    assert len({(h["seq"], h["signature"]) for h in heads if h is not None}) == 1
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM signed_heads WHERE tenant_id = $1 AND seq = $2 AND key_id = $3",
            trail_group.tenant_id,
            heads[0]["seq"] if heads[0] else 0,
            key.key_id,
        )
    finally:
        await conn.close()
    assert count == 1
