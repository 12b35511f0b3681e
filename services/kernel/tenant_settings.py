"""A tenant setting as the context that reads it declares it: its default, and the bounds any
value a provider group sets must keep. Deadlines and thresholds are policy, not constants, but
a policy of 9,007,199,254,740,993 hours is no policy: every value is checked against its bounds
when it is changed (services/organisations/groups.py), so a value beyond them is a 422 naming
the setting and is never stored (such an integer could not even be hashed into the trail)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TenantSetting:
    """A whole number when the default is one, a decimal number when it is (an int is not taken
    for a decimal, nor a bool for either), from `minimum` to `maximum` inclusive."""

    default: int | float
    minimum: int | float
    maximum: int | float

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"default {self.default} outside {self.minimum}..{self.maximum}")

    def refusal(self, value: object) -> str | None:
        """Why `value` cannot be this setting, or None if it can."""
        decimal = isinstance(self.default, float)
        kind = "a decimal number" if decimal else "a whole number"
        allowed = (
            type(value) is type(self.default) and self.minimum <= value <= self.maximum  # type: ignore[operator]
        )
        if allowed:
            return None
        example = f", such as {self.default}" if decimal else ""
        return f"must be {kind} at least {self.minimum} and at most {self.maximum}{example}"


def defaults(declared: Mapping[str, TenantSetting]) -> dict[str, int | float]:
    """Each declared setting's default, by name: what a tenant has until it changes one."""
    return {name: setting.default for name, setting in declared.items()}
