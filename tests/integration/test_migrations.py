"""The frozen migrations arrive at exactly the schema the live modules define, and every
downgrade undoes its upgrade.

"At head in one step" is infra/schema.py: each package's current definition (what a reader reads
to learn the schema), run into an empty database at once. The chain is the history each
revision froze as it ran. If someone changes a live schema module without a migration that
makes the same change (or edits a frozen revision), the two dumps differ and the first test
says where."""

from __future__ import annotations

import asyncio
import difflib

from alembic import command

from infra import migrate
from infra.migrate import alembic_config
from tests.conftest import MigratedDatabase
from tests.migrations import (
    create_at_head,
    current_revision,
    revisions,
    schema_dump,
    scratch_database,
)


async def test_upgrading_from_empty_through_every_revision_gives_the_schema_at_head(
    database: MigratedDatabase,
) -> None:
    app_role = database.settings.app_role
    async with scratch_database(database) as chain, scratch_database(database) as one_step:
        await migrate.upgrade(chain.owner, app_role)
        await create_at_head(one_step.owner, app_role)

        assert await current_revision(chain.owner) == migrate.head_revision()
        assert await current_revision(one_step.owner) == migrate.head_revision()
        migrated = await asyncio.to_thread(schema_dump, chain.superuser)
        defined = await asyncio.to_thread(schema_dump, one_step.superuser)
    assert "CREATE TABLE public.events" in migrated
    assert migrated == defined, _difference(
        "migrated through every revision", migrated, "created at head in one step", defined
    )


async def test_each_downgrade_restores_the_schema_its_upgrade_started_from(
    database: MigratedDatabase,
) -> None:
    """From head down to before the first revision, one step at a time, then back up: at each
    revision the schema is what it was on the way down, and before the first, nothing is left."""
    app_role = database.settings.app_role
    async with scratch_database(database) as scratch:
        config = alembic_config(scratch.owner, app_role)
        await migrate.upgrade(scratch.owner, app_role)
        seen = {}
        for name in reversed(revisions()):
            seen[name] = await asyncio.to_thread(schema_dump, scratch.superuser)
            await asyncio.to_thread(command.downgrade, config, "-1")
        assert await current_revision(scratch.owner) is None
        assert await _leftovers(scratch.superuser) == []

        for name in revisions():
            await asyncio.to_thread(command.upgrade, config, "+1")
            assert await current_revision(scratch.owner) == name
            again = await asyncio.to_thread(schema_dump, scratch.superuser)
            assert again == seen[name], _difference(
                f"{name} on the way down", seen[name], f"{name} upgraded again", again
            )


async def _leftovers(superuser_url: str) -> list[str]:
    """What the application's own schema still holds once every revision is downgraded: Alembic's
    table only, which this does not count."""
    import asyncpg

    from infra.database import asyncpg_dsn

    conn = await asyncpg.connect(asyncpg_dsn(superuser_url))
    try:
        rows = await conn.fetch(
            "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relname NOT LIKE 'alembic_version%'"
            " UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public'"
            " UNION ALL SELECT nspname FROM pg_namespace WHERE nspname = 'dramatiq'"
        )
    finally:
        await conn.close()
    return sorted(r["name"] for r in rows)


def _difference(first_name: str, first: str, second_name: str, second: str) -> str:
    lines = difflib.unified_diff(
        first.splitlines(), second.splitlines(), first_name, second_name, lineterm="", n=2
    )
    return "the schemas differ:\n" + "\n".join(list(lines)[:80])
