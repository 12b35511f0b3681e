"""The embedded default: a private PostgreSQL from the pgserver wheel, its secrets, and how
every `caretrail` subcommand finds the database of a running system."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.database import DatabaseUrls, bootstrap
from infra.settings import Settings

RUNTIME_FILE = "runtime.json"
SECRETS_FILE = "secrets.json"


class NotRunning(RuntimeError):
    """No caretrail system is running on this data directory."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a process needs to reach the system's database and keys."""

    urls: DatabaseUrls
    kek: str
    signing_key: str
    #: Base64 Ed25519 seed of the trail key (services/trail/); None: heads cannot be signed.
    trail_key: str | None = None


def load_secrets(data_dir: Path) -> dict[str, str]:
    """The embedded system's generated secrets (KEK, role passwords), made once, mode 0600."""
    path = data_dir / SECRETS_FILE
    if path.exists():
        found: dict[str, str] = json.loads(path.read_text())
        return found if "trail_key" in found else _add_trail_key(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    made = {
        "kek": base64.b64encode(os.urandom(32)).decode(),
        "owner_password": secrets.token_urlsafe(24),
        "app_password": secrets.token_urlsafe(24),
        "signing_key": secrets.token_urlsafe(32),
        "trail_key": base64.b64encode(os.urandom(32)).decode(),
    }
    _write_secrets(path, made)
    return made


def _add_trail_key(path: Path) -> dict[str, str]:
    """Secrets made before the trail was signed get its key, once, whoever starts first."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found: dict[str, str] = json.loads(path.read_text())
        if "trail_key" not in found:
            found["trail_key"] = base64.b64encode(os.urandom(32)).decode()
            staged = path.with_suffix(".new")
            staged.unlink(missing_ok=True)
            _write_secrets(staged, found)
            os.replace(staged, path)
    return found


def _write_secrets(path: Path, values: dict[str, str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(values, out)


def _pgserver() -> Any:
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.utils
    return pgserver


def start_server(data_dir: Path) -> Any:
    """Start (or attach to) the embedded PostgreSQL; it stops when its last user exits."""
    pgserver = _pgserver()

    pgdata = data_dir / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(pgdata, cleanup_mode="stop")


def server_running(data_dir: Path) -> bool:
    info = _pgserver().utils.PostmasterInfo.read_from_pgdata(data_dir / "pg")
    return info is not None and info.is_running()


async def start_embedded(settings: Settings) -> tuple[Any, Runtime]:
    """Start the embedded server and make sure roles and database exist."""
    found = load_secrets(settings.data_dir)
    server = start_server(settings.data_dir)
    urls = await bootstrap(
        server.get_uri(), settings, found["owner_password"], found["app_password"]
    )
    return server, Runtime(
        urls,
        settings.kek or found["kek"],
        settings.dev_signing_key or found["signing_key"],
        settings.trail_signing_key or found["trail_key"],
    )


def write_runtime(settings: Settings, runtime: Runtime, **extra: Any) -> None:
    path = settings.data_dir / RUNTIME_FILE
    body = {
        "owner_url": runtime.urls.owner,
        "app_url": runtime.urls.app,
        "pid": os.getpid(),
        **extra,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(body, out)


def read_runtime(settings: Settings) -> dict[str, Any]:
    """The running system's runtime file, or NotRunning."""
    path = settings.data_dir / RUNTIME_FILE
    if not path.exists() or not server_running(settings.data_dir):
        raise NotRunning(
            f"no caretrail system is running in {settings.data_dir} (start one with `caretrail up`)"
        )
    return json.loads(path.read_text())


def configured_runtime(settings: Settings) -> Runtime:
    """The runtime of an external database (DATABASE_URL set): nothing to start."""
    assert settings.database_url is not None
    from infra.database import with_credentials

    app = settings.app_database_url or with_credentials(
        settings.database_url, settings.app_role, settings.app_password
    )
    kek, signing_key = settings.kek, settings.dev_signing_key
    trail_key = settings.trail_signing_key
    if settings.production and signing_key is None:
        signing_key = ""  # production refuses development tokens: it needs no key for them
    if kek is None or signing_key is None or trail_key is None:
        if settings.production:
            raise RuntimeError(
                "CARETRAIL_KEK and CARETRAIL_TRAIL_SIGNING_KEY must be set in production"
            )
        found = load_secrets(settings.data_dir)
        kek, signing_key = kek or found["kek"], signing_key or found["signing_key"]
        trail_key = trail_key or found["trail_key"]
    return Runtime(DatabaseUrls(owner=settings.database_url, app=app), kek, signing_key, trail_key)
