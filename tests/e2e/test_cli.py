"""The `caretrail` command as an operator runs it: real processes, real HTTP, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import psutil

from eventstore import NewEvent, StreamRef
from infra.database import asyncpg_dsn
from tests.conftest import MigratedDatabase


def caretrail(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def external_env(database: MigratedDatabase, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CARETRAIL_DATABASE_URL": database.owner,
        "CARETRAIL_APP_DATABASE_URL": database.app,
        "CARETRAIL_KEK": database.kek,
        "CARETRAIL_DEV_SIGNING_KEY": "test-signing-key",
        "CARETRAIL_DATA_DIR": str(tmp_path),
        "CARETRAIL_DATABASE_NAME": database.settings.database_name,
    }


async def test_verify_exits_zero_on_an_intact_chain_and_names_the_first_bad_seq(
    store, database: MigratedDatabase, tmp_path: Path
) -> None:
    tenant = uuid4()
    for n in range(5):
        await store.append(tenant, StreamRef("note", uuid4()), 0, [NewEvent("NoteAdded", {"n": n})])
    env = external_env(database, tmp_path)

    intact = caretrail("verify", "--tenant", str(tenant), env=env)
    assert intact.returncode == 0, intact.stderr
    assert "chain intact, 5 events" in intact.stdout

    conn = await asyncpg.connect(asyncpg_dsn(database.superuser))
    try:
        async with conn.transaction():
            await conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
            await conn.execute(
                "UPDATE events SET data = '{\"n\": 99}' WHERE tenant_id = $1 AND seq = 3", tenant
            )
            await conn.execute("ALTER TABLE events ENABLE TRIGGER USER")
    finally:
        await conn.close()
    broken = caretrail("verify", "--tenant", str(tenant), env=env)
    assert broken.returncode == 1
    assert "first bad seq 3 (hash_mismatch)" in broken.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_up_starts_everything_with_demo_data_and_stops_it_all_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CARETRAIL_") and k != "DATABASE_URL"
    }
    env["CARETRAIL_DATA_DIR"] = str(tmp_path / "data")
    logged = tmp_path / "up.log"
    up = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "up", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=logged.open("w"),  # the processes' JSON log lines
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            assert up.poll() is None, logged.read_text()[-4000:]
            try:
                if httpx.get(base + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "caretrail up did not become ready"
            time.sleep(1)
        for _ in range(120):  # the worker process sweeps the demo's events into the projections
            projections = httpx.get(base + "/ready", timeout=5).json()["projections"]
            if all(p["events_behind"] == 0 for p in projections.values()):
                break
            time.sleep(1)
        assert projections and all(p["events_behind"] == 0 for p in projections.values()), (
            projections
        )
        children = psutil.Process(up.pid).children(recursive=True)
        roles = " ".join(" ".join(c.cmdline()) for c in children if c.is_running())
        assert " api " in roles + " " and "worker" in roles and "scheduler" in roles

        db_url = caretrail("db-url", env=env)
        assert db_url.returncode == 0 and db_url.stdout.startswith("postgresql://caretrail_owner")
        users = [json.loads(line) for line in caretrail("users", env=env).stdout.splitlines()]
        manager = next(u for u in users if u["roles"] == ["home_manager"])
        issued = caretrail("token", manager["email"], env=env)
        assert issued.stderr == "", issued.stderr  # the token alone: no log lines beside it
        token = issued.stdout.strip()
        me = httpx.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["email"] == manager["email"] and me["location_ids"] == manager["location_ids"]
        actions = httpx.get(
            base + "/api/v1/actions", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert actions["items"] and {a["location_id"] for a in actions["items"]} == set(
            manager["location_ids"]
        )
        tenant = manager["organisation_id"]
        assert caretrail("verify", "--tenant", tenant, env=env).returncode == 0
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)
    assert up.returncode == 0
    # A fresh demo logs no error (expired periodic messages and nudges included: issue 14, 15).
    lines = [json.loads(line) for line in logged.read_text().splitlines() if line.startswith("{")]
    assert len(lines) > 20, "too few log lines to prove anything"
    assert [line for line in lines if line.get("level") in ("error", "critical")] == []
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == [], [p.info["cmdline"] for p in leftovers]
    assert caretrail("db-url", env=env).returncode == 1  # nothing is running any more
