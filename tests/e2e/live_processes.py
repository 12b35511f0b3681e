"""Real `caretrail worker` / `caretrail scheduler` (and `api`) processes against the test database,
and a private RabbitMQ server: what tests/e2e/conftest.py's `live_workers` and `rabbitmq_url`
fixtures hand out."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.embedded import Runtime
from tests.conftest import MigratedDatabase

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(
    database: MigratedDatabase, runtime: Runtime, data_dir: Path, extra: Mapping[str, str]
) -> dict[str, str]:
    return {
        **os.environ,
        "CARETRAIL_DATABASE_URL": database.owner,
        "CARETRAIL_APP_DATABASE_URL": database.app,
        "CARETRAIL_KEK": runtime.kek,
        "CARETRAIL_DEV_SIGNING_KEY": runtime.signing_key,
        **(
            {"CARETRAIL_TRAIL_SIGNING_KEY": trail}
            if (trail := getattr(runtime, "trail_key", None))
            else {}
        ),
        "CARETRAIL_DATA_DIR": str(data_dir),
        "CARETRAIL_DATABASE_NAME": database.settings.database_name,
        "CARETRAIL_LOG_FORMAT": "json",
        "CARETRAIL_LOG_LEVEL": "INFO",
        **extra,
    }


@dataclass
class LiveProcesses:
    """Running `caretrail <role>` processes; each one's JSON log lines are in `log_dir`."""

    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    #: The API's base URL, when "api" is one of the roles.
    api_url: str | None = None

    def log_lines(self, role: str) -> list[dict[str, Any]]:
        lines = []
        for raw in (self.log_dir / f"{role}.log").read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"event": raw})
        return lines

    def wait_for_log(
        self, role: str, matches: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        """The first log line of `role` that `matches`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_lines(role):
                if matches(line):
                    return line
            process = self.processes[role]
            if process.poll() is not None:
                raise AssertionError(f"{role} exited with {process.returncode}: {self.tail(role)}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no matching {role} log line in {timeout}s: {self.tail(role)}"
                )
            time.sleep(0.05)

    def tail(self, role: str, lines: int = 30) -> str:
        text = (self.log_dir / f"{role}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def start(self, role: str, env: dict[str, str], *args: str) -> None:
        out = open(self.log_dir / f"{role}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[role] = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", role, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        ready = "Application startup complete." if role == "api" else "process ready"
        self.wait_for_log(role, lambda line: line.get("event") == ready, READY_TIMEOUT)

    def stop(self, timeout: float = 15.0) -> dict[str, int]:
        """SIGTERM every process; the exit codes (a process killed after `timeout`: -9)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for role, process in self.processes.items():
            try:
                codes[role] = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[role] = process.wait()
        return codes


@contextmanager
def running(
    database: MigratedDatabase,
    runtime: Runtime,
    log_dir: Path,
    roles: tuple[str, ...],
    broker_url: str | None,
    settings_env: Mapping[str, str],
) -> Iterator[LiveProcesses]:
    env = process_env(
        database,
        runtime,
        log_dir,
        {**({"CARETRAIL_BROKER_URL": broker_url} if broker_url else {}), **settings_env},
    )
    live = LiveProcesses(log_dir)
    try:
        for role in roles:
            args: tuple[str, ...] = ()
            if role == "api":
                port = free_port()
                args, live.api_url = ("--port", str(port)), f"http://127.0.0.1:{port}"
            live.start(role, env, *args)
        yield live
    finally:
        live.stop()


@contextmanager
def rabbitmq_server(base: Path) -> Iterator[str]:
    """A private RabbitMQ node (Debian's rabbitmq-server) in `base`, on free ports; its URL."""
    _wait_for_installer()
    if not Path(RABBITMQ_SERVER).exists():
        raise RuntimeError(
            f"{RABBITMQ_SERVER} is missing: install Debian's rabbitmq-server "
            "(`apt-get install -y rabbitmq-server`; the test session does this itself when "
            f"run as root on Debian, log in {INSTALL_LOG}) to run the RabbitMQ tests"
        )
    port, dist_port, epmd_port = free_port(), free_port(), free_port()
    for folder in ("mnesia", "log", "home"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    (base / "enabled_plugins").write_text("[].\n")
    env = {
        **os.environ,
        "HOME": str(base / "home"),
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "ERL_EPMD_PORT": str(epmd_port),
        "RABBITMQ_NODENAME": f"caretrail{port}@localhost",
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
        "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
    }
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([RABBITMQ_SERVER], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"amqp://guest:guest@127.0.0.1:{port}/%2F"
    try:
        _wait_until_accepting(url, server, base / "server.log")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        if epmd := shutil.which("epmd") or _erts_epmd():
            subprocess.run([epmd, "-kill"], env=env, capture_output=True, timeout=10)


INSTALL_LOG = Path(tempfile.gettempdir()) / "caretrail-rabbitmq-install.log"
_installer: subprocess.Popen[bytes] | None = None


def start_rabbitmq_install() -> None:
    """Begin installing Debian's rabbitmq-server in the background when it is missing and we may
    (root, apt-get present), so the test command alone sets up a fresh machine. Called once the
    session has collected a test that needs RabbitMQ (tests/conftest.py); the fixture waits."""
    global _installer
    if _installer or Path(RABBITMQ_SERVER).exists() or os.geteuid() != 0:
        return
    if not shutil.which("apt-get"):
        return
    script = (
        "apt-get install -y --no-install-recommends rabbitmq-server"
        " || { apt-get update && apt-get install -y --no-install-recommends rabbitmq-server; }"
    )
    with open(INSTALL_LOG, "wb") as log:
        _installer = subprocess.Popen(
            ["sh", "-c", script],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _wait_for_installer(timeout: float = 1200) -> None:
    """The background install (if one was started) finishes before a node is started."""
    if _installer is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):  # the caller reports it missing
            _installer.wait(timeout=timeout)


def _erts_epmd() -> str | None:
    found = sorted(Path("/usr/lib/erlang").glob("erts-*/bin/epmd"))
    return str(found[-1]) if found else None


def _wait_until_accepting(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import logging

    import pika

    logging.getLogger("pika").setLevel(logging.CRITICAL)  # refusals until the node is up
    deadline = time.monotonic() + 90
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"rabbitmq-server exited: {log.read_text()[-2000:]}")
        try:
            pika.BlockingConnection(pika.URLParameters(url)).close()
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"rabbitmq did not accept: {log.read_text()[-2000:]}") from exc
            time.sleep(0.5)
