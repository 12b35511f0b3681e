"""Alembic environment: runs the migrations over asyncpg as the schema owner."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config


def run_in(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(config.attributes["sqlalchemy_url"], poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run_in)
        await connection.commit()
    await engine.dispose()


asyncio.run(run_online())
