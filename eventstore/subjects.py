"""Data subjects' keys in the database: look up (or make) for writing, load for reading, destroy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventstore.crypto import Keyring
from eventstore.model import SubjectErased


@dataclass(frozen=True, slots=True)
class WritingKeys:
    """The data keys an append encrypts under, and those it made that the append must store."""

    keys: dict[UUID, bytes]
    new: list[tuple[UUID, bytes]]  # (subject_id, wrapped key)


async def keys_for_writing(
    conn: Any, keyring: Keyring, tenant_id: UUID, subject_ids: Iterable[UUID], *, lock: bool
) -> WritingKeys:
    """Each subject's data key in one round trip: the stored one, or a new one for the append
    to store (`eventstore_append` refuses it if another append stored one first). An erased
    subject is refused. With `lock`, the tenant's append lock is taken first, so within the
    caller's transaction no other append can create these keys meanwhile."""
    wanted = sorted(set(subject_ids))
    if not wanted:
        return WritingKeys({}, [])
    rows = await conn.fetch(
        "SELECT subject_id, wrapped_key, erased FROM eventstore_subject_keys($1, $2, $3)",
        tenant_id,
        wanted,
        lock,
    )
    keys: dict[UUID, bytes] = {}
    new: list[tuple[UUID, bytes]] = []
    for row in rows:
        subject_id = row["subject_id"]
        if row["erased"]:
            raise SubjectErased(subject_id)
        if row["wrapped_key"] is not None:
            keys[subject_id] = keyring.unwrap(tenant_id, subject_id, row["wrapped_key"])
        else:
            data_key = keyring.new_data_key()
            keys[subject_id] = data_key
            new.append((subject_id, keyring.wrap(tenant_id, subject_id, data_key)))
    return WritingKeys(keys, new)


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
        "INSERT INTO subject_erasures (tenant_id, subject_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        tenant_id,
        subject_id,
    )
    return bool(deleted)


async def _load(
    conn: Any, keyring: Keyring, tenant_id: UUID, wanted: list[UUID]
) -> dict[UUID, bytes]:
    rows = await conn.fetch(
        "SELECT subject_id, wrapped_key FROM subject_keys"
        " WHERE tenant_id = $1 AND subject_id = ANY($2)",
        tenant_id,
        wanted,
    )
    return {
        r["subject_id"]: keyring.unwrap(tenant_id, r["subject_id"], r["wrapped_key"]) for r in rows
    }
