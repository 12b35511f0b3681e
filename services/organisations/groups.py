"""The provider group itself (the tenant): its name and its settings. Pure decide and evolve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import msgspec

from services.alerts import settings as alert_rules
from services.complaints import decide as complaints
from services.incidents import notifications as incident_rules
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event
from services.kernel.tenant_settings import TenantSetting, defaults
from services.organisations import dashboard_settings
from services.organisations.events import ProviderGroupRegistered, ProviderGroupSettingsChanged

#: Tenant settings, each with its default and bounds. Deadlines and thresholds are policy, not
#: constants; each context declares the settings it reads, and a provider group may change any
#: of them within their bounds (services/kernel/tenant_settings.py).
SETTINGS: Mapping[str, TenantSetting] = {
    **incident_rules.SETTINGS,
    **alert_rules.SETTINGS,
    **complaints.SETTINGS,
    **dashboard_settings.SETTINGS,
}
DEFAULT_SETTINGS: Mapping[str, int | float | str | bool] = defaults(SETTINGS)


class RegisterProviderGroup(msgspec.Struct, frozen=True, kw_only=True):
    group_id: UUID
    name: str


class ChangeSettings(msgspec.Struct, frozen=True, kw_only=True):
    settings: dict[str, int | float | str | bool]


class ProviderGroup(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    settings: dict[str, int | float | str | bool]


def decide_group(command: object, state: ProviderGroup | None, context: Context) -> Sequence[Event]:
    match command, state:
        case RegisterProviderGroup(group_id=group_id, name=name), None:
            return [ProviderGroupRegistered(group_id=group_id, name=name)]
        case ChangeSettings(settings=changes), ProviderGroup():
            for key, value in changes.items():
                if key not in SETTINGS:
                    raise InvalidCommand(f"settings.{key}", "not a setting")
                if (refused := SETTINGS[key].refusal(value)) is not None:
                    raise InvalidCommand(f"settings.{key}", refused)
            dashboard_settings.check({**state.settings, **changes})
            return [ProviderGroupSettingsChanged(settings=changes)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve_group(state: ProviderGroup | None, event: Event) -> ProviderGroup:
    match event:
        case ProviderGroupRegistered(group_id=group_id, name=name):
            return ProviderGroup(id=group_id, name=name, settings=dict(DEFAULT_SETTINGS))
        case ProviderGroupSettingsChanged(settings=changes):
            assert state is not None
            return msgspec.structs.replace(state, settings={**state.settings, **changes})
    raise TypeError(f"a provider group does not handle {type(event).__name__}")


def effective_settings(state: ProviderGroup | None) -> dict[str, Any]:
    return dict(state.settings) if state else dict(DEFAULT_SETTINGS)


GROUPS: Decider[ProviderGroup] = Decider(
    stream_type="provider-group",
    collection="provider-groups",
    events=(ProviderGroupRegistered, ProviderGroupSettingsChanged),
    decide=decide_group,
    evolve=evolve_group,
    index=lambda g: RecordIndex(location_id=None, status="active", summary={"name": g.name}),
)
