"""Running Alembic migrations programmatically, and asking whether the database is at head."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from infra.database import sqlalchemy_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(owner_url: str, app_role: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["sqlalchemy_url"] = sqlalchemy_url(owner_url)
    config.attributes["app_role"] = app_role
    return config


async def upgrade(owner_url: str, app_role: str) -> None:
    """Migrate to head. Alembic's env runs its own event loop, so it gets its own thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(owner_url, app_role), "head")


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head
