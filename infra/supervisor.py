"""`caretrail up`: the database, then the API, worker and scheduler processes, stopped together."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import structlog

from infra import migrate
from infra.embedded import RUNTIME_FILE, Runtime, configured_runtime, start_embedded, write_runtime
from infra.settings import Settings

log = structlog.get_logger()

STOP_GRACE_SECONDS = 10


def child_environment(settings: Settings, runtime: Runtime) -> dict[str, str]:
    """Children reach the database by URL: they never start an embedded server themselves."""
    env = dict(os.environ)
    env.update(
        CARETRAIL_DATABASE_URL=runtime.urls.owner,
        CARETRAIL_APP_DATABASE_URL=runtime.urls.app,
        CARETRAIL_KEK=runtime.kek,
        CARETRAIL_DEV_SIGNING_KEY=runtime.signing_key,
        CARETRAIL_DATA_DIR=str(settings.data_dir),
        CARETRAIL_ENV="development",  # `caretrail up` is the development system, always
    )
    return env


def spawn(role: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", role, *args], env=env)
    log.info("process started", role=role, pid=process.pid)
    return process


async def prepare(settings: Settings, demo: bool) -> tuple[Any, Runtime]:
    if settings.embedded:
        server, runtime = await start_embedded(settings)
        log.info("embedded postgres running", data_dir=str(settings.data_dir))
    else:
        server, runtime = None, configured_runtime(settings)
    await migrate.upgrade(runtime.urls.owner, settings.app_role)
    log.info("migrations at head", revision=migrate.head_revision())
    if demo:
        from infra.demo import seed_demo

        await seed_demo(settings, runtime)
    return server, runtime


def up(settings: Settings, demo: bool) -> int:
    """Run everything until Ctrl-C or SIGTERM; if any process dies, stop the rest."""
    server, runtime = asyncio.run(prepare(settings, demo))
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    env = child_environment(settings, runtime)
    port = ["--port", str(settings.port), "--host", settings.host]
    children = {
        "api": spawn("api", port, env),
        "worker": spawn("worker", [], env),
        "scheduler": spawn("scheduler", [], env),
    }
    write_runtime(settings, runtime, api=f"http://{settings.host}:{settings.port}")
    log.info("caretrail is up", api=f"http://{settings.host}:{settings.port}", docs="/schema")
    exit_code = 0
    try:
        while not stopping:
            for role, process in children.items():
                if process.poll() is not None:
                    log.error(
                        "process exited; stopping everything", role=role, code=process.returncode
                    )
                    exit_code, stopping = process.returncode or 1, True
                    break
            time.sleep(0.2)
    finally:
        stop_children(children)
        (settings.data_dir / RUNTIME_FILE).unlink(missing_ok=True)
        if server is not None:
            server.cleanup()
        log.info("caretrail stopped")
    return exit_code


def stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in children.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for role, process in children.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("process did not stop in time; killing it", role=role)
            process.kill()
            process.wait()
