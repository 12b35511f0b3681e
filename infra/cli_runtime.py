"""How a `caretrail` subcommand reaches the system: the configured database, or the embedded one
in the data folder (attached if running, else started), migrated to head."""

from __future__ import annotations

from infra.embedded import Runtime, configured_runtime, start_embedded
from infra.settings import Settings


async def runtime_for(settings: Settings) -> Runtime:
    """The configured database, or the embedded one (attached if running, else started)."""
    if not settings.embedded:
        return configured_runtime(settings)
    from infra import migrate

    _server, runtime = await start_embedded(settings)
    await migrate.upgrade(runtime.urls.owner, settings.app_role)  # a no-op when already at head
    return runtime
