"""Upcasters: old event shapes are lifted to the current one on read, never rewritten in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Upcasters:
    """A registry from (event_type, schema_version) to the function that yields version + 1."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: `@upcasters.register("ActionCreated", 1)` lifts v1 data to v2."""

        def add(step: Upcaster) -> Upcaster:
            key = (event_type, from_version)
            if key in self._steps:
                raise ValueError(f"an upcaster for {event_type} v{from_version} already exists")
            self._steps[key] = step
            return step

        return add

    def upcast(self, event_type: str, version: int, data: dict[str, Any]) -> tuple[int, dict]:
        """Apply every registered step in turn; returns the final version and data."""
        while (step := self._steps.get((event_type, version))) is not None:
            data = step(dict(data))
            version += 1
        return version, data
