"""Data subjects' keys in the database: create on first use, load for reading, destroy on erasure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventstore.crypto import Keyring
from eventstore.model import SubjectErased


async def keys_for_writing(
    conn: Any, keyring: Keyring, tenant_id: UUID, subject_ids: Iterable[UUID]
) -> dict[UUID, bytes]:
    """The data key of each subject, made on first use. Erased subjects are refused."""
    wanted = sorted(set(subject_ids))
    if not wanted:
        return {}
    erased = await conn.fetch(
        "SELECT subject_id FROM subject_erasures WHERE tenant_id = $1 AND subject_id = ANY($2)",
        tenant_id,
        wanted,
    )
    if erased:
        raise SubjectErased(erased[0]["subject_id"])
    keys = await _load(conn, keyring, tenant_id, wanted)
    for subject_id in wanted:
        if subject_id in keys:
            continue
        data_key = keyring.new_data_key()
        await conn.execute(
            "INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            tenant_id,
            subject_id,
            keyring.wrap(tenant_id, subject_id, data_key),
            keyring.kek_id,
        )
        keys[subject_id] = data_key
    return keys


async def keys_for_reading(
    conn: Any, keyring: Keyring, tenant_id: UUID, subject_ids: Iterable[UUID]
) -> dict[UUID, bytes]:
    """The data keys that still exist; an erased subject is simply absent."""
    wanted = sorted(set(subject_ids))
    return await _load(conn, keyring, tenant_id, wanted) if wanted else {}


async def destroy_key(conn: Any, tenant_id: UUID, subject_id: UUID) -> bool:
    """Delete the subject's key and remember the erasure. True if there was a key to destroy."""
    deleted = await conn.fetchval(
        "WITH d AS (DELETE FROM subject_keys WHERE tenant_id = $1 AND subject_id = $2 RETURNING 1)"
        " SELECT count(*) FROM d",
        tenant_id,
        subject_id,
    )
    await conn.execute(
        "INSERT INTO subject_erasures (tenant_id, subject_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        tenant_id,
        subject_id,
    )
    return bool(deleted)


async def _load(conn: Any, keyring: Keyring, tenant_id: UUID, wanted: list[UUID]) -> dict[UUID, bytes]:
    rows = await conn.fetch(
        "SELECT subject_id, wrapped_key FROM subject_keys WHERE tenant_id = $1 AND subject_id = ANY($2)",
        tenant_id,
        wanted,
    )
    return {r["subject_id"]: keyring.unwrap(tenant_id, r["subject_id"], r["wrapped_key"]) for r in rows}
