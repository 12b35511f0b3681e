"""The trail key: where it comes from (settings, or the embedded system's secrets, added once to
secrets made before the trail existed) and what its public document says."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from infra.embedded import configured_runtime, load_secrets
from infra.settings import Settings
from services.trail.heads import TrailKey
from services.trail.verify_pack import load_public_key, signature_ok


def test_secrets_made_before_the_trail_get_one_trail_key_that_then_stays(tmp_path: Path) -> None:
    old = {"kek": "k", "owner_password": "o", "app_password": "a", "signing_key": "s"}
    (tmp_path / "secrets.json").write_text(json.dumps(old))
    first = load_secrets(tmp_path)
    assert {k: first[k] for k in old} == old
    assert len(base64.b64decode(first["trail_key"])) == 32
    assert load_secrets(tmp_path)["trail_key"] == first["trail_key"]
    assert oct(os.stat(tmp_path / "secrets.json").st_mode & 0o777) == "0o600"
    fresh = load_secrets(tmp_path / "new")
    assert fresh["trail_key"] != first["trail_key"]


def test_the_setting_wins_and_production_requires_it(tmp_path: Path) -> None:
    seed = base64.b64encode(bytes(range(32))).decode()
    settings = Settings(database_url="postgresql://o@h/db", data_dir=tmp_path, kek="k")
    settings = settings.with_(dev_signing_key="s", trail_signing_key=seed)
    assert configured_runtime(settings).trail_key == seed
    production = settings.with_(environment="production", trail_signing_key=None)
    with pytest.raises(RuntimeError, match="CARETRAIL_TRAIL_SIGNING_KEY"):
        configured_runtime(production)
    assert Settings.from_env({"CARETRAIL_TRAIL_SIGNING_KEY": seed}).trail_signing_key == seed


def test_the_public_document_is_what_the_verifier_reads() -> None:
    key = TrailKey(bytes(range(32)))
    document = key.public_document()
    assert load_public_key(json.dumps(document)) == key.public_key
    assert load_public_key(document["pem"]) == key.public_key
    assert load_public_key(document["public_key"]) == key.public_key
    assert signature_ok(key.public_key, base64.b64encode(key.sign(b"m")).decode(), b"m")
    assert not signature_ok(key.public_key, base64.b64encode(key.sign(b"m")).decode(), b"n")
    with pytest.raises(ValueError):
        TrailKey(bytes(31))
