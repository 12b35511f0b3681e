"""Reading the settings from the environment, against their one definition (infra/settings.py):
each variable's text parsed to its field's type and checked against its bounds, every bad one
named with what it allows; and the README's configuration table, generated from the same.

An empty variable counts as unset (compose files pass `${VAR:-}` through as ""). Whole numbers
and decimals are read as such; `true/false`, `yes/no`, `1/0` as booleans; a comma-separated
list as a tuple; `CARETRAIL_LOG_LEVEL` in any case.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from msgspec import inspect

from infra.settings import Settings

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class SettingsError(ValueError):
    """Environment variables whose values are not allowed; the message names each and what it
    allows, one a line."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One setting as the environment sets it."""

    field: str
    name: str
    also: str | None
    meaning: str
    shown: str | None
    type: inspect.Type
    default: Any

    def raw(self, environ: Mapping[str, str]) -> str | None:
        for name in (self.name, self.also):
            if name and environ.get(name, "") != "":
                return environ[name]
        return None


def variables() -> Iterator[Variable]:
    """Every setting, in the order the definition lists them."""
    info = inspect.type_info(Settings)
    assert isinstance(info, inspect.StructType)
    for field in info.fields:
        assert isinstance(field.type, inspect.Metadata), f"{field.name} has no variable"
        extra = field.type.extra or {}
        yield Variable(
            field.name,
            extra["env"],
            extra.get("also"),
            extra["meaning"],
            extra.get("shown"),
            field.type.type,
            field.default,
        )


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values, errors = {}, []
    for variable in variables():
        raw = variable.raw(env)
        if raw is None:
            continue
        try:
            values[variable.field] = _parsed(variable, raw)
        except (msgspec.ValidationError, ValueError):
            errors.append(f"{variable.name}={raw!r} is not allowed: expected {allowed(variable)}")
    settings = msgspec.convert(values, Settings) if not errors else Settings()
    errors += _contradictions(settings)
    if errors:
        raise SettingsError("\n".join(errors))
    return settings.with_(data_dir=settings.data_dir.expanduser().absolute())


def _contradictions(settings: Settings) -> list[str]:
    """Values each allowed on its own that cannot hold together."""
    found = []
    if settings.worker_max_backoff_ms < settings.worker_min_backoff_ms:
        found.append(
            "CARETRAIL_WORKER_MAX_BACKOFF_MS must be at least CARETRAIL_WORKER_MIN_BACKOFF_MS"
            f" ({settings.worker_min_backoff_ms})"
        )
    if settings.delivery_backoff_cap_seconds < settings.delivery_backoff_seconds:
        found.append(
            "CARETRAIL_DELIVERY_BACKOFF_CAP_SECONDS must be at least"
            f" CARETRAIL_DELIVERY_BACKOFF_SECONDS ({settings.delivery_backoff_seconds})"
        )
    return found


def _parsed(variable: Variable, raw: str) -> Any:
    kind = _unwrapped(variable.type)
    text: Any = raw.strip()
    if isinstance(kind, inspect.BoolType):
        text = _BOOLEANS.get(text.lower(), text)
    elif isinstance(kind, inspect.VarTupleType):
        text = [part.strip() for part in text.split(",") if part.strip()]
    elif variable.field == "log_level":
        text = text.upper()
    elif variable.field == "public_url":
        text = text.rstrip("/")
    return msgspec.convert(text, _field_types()[variable.field], strict=False, dec_hook=_path)


def _path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


@cache
def _field_types() -> dict[str, Any]:
    """Each field's type with its bounds (the definition's annotations, resolved)."""
    return typing.get_type_hints(Settings, include_extras=True)


def _unwrapped(kind: inspect.Type) -> inspect.Type:
    """The type a value must have, bounds aside, None aside."""
    if isinstance(kind, inspect.Metadata):
        return _unwrapped(kind.type)
    if isinstance(kind, inspect.UnionType):
        rest = [t for t in kind.types if not isinstance(t, inspect.NoneType)]
        return _unwrapped(rest[0]) if len(rest) == 1 else kind
    return kind


def allowed(variable: Variable) -> str:
    """What a variable may hold, in words: the second half of its error, and the README's."""
    kind = _unwrapped(variable.type)
    if isinstance(kind, inspect.LiteralType):
        return "one of " + ", ".join(str(v) for v in kind.values)
    if isinstance(kind, inspect.BoolType):
        return "true or false (or yes/no, 1/0)"
    if isinstance(kind, inspect.IntType | inspect.FloatType):
        return _number(kind)
    if isinstance(kind, inspect.StrType) and kind.pattern:
        return "a name of letters, digits and _, not starting with a digit"
    if isinstance(kind, inspect.VarTupleType):
        return "a comma-separated list"
    return "a path" if variable.field.endswith(("_dir", "_file")) else "text"


def _number(kind: inspect.IntType | inspect.FloatType) -> str:
    what = "a whole number" if isinstance(kind, inspect.IntType) else "a number"
    low = f"more than {kind.gt}" if kind.gt is not None else None
    low = f"at least {kind.ge}" if kind.ge is not None else low
    high = f"at most {kind.le}" if kind.le is not None else None
    return " ".join(p for p in (what, low, "and" if low and high else None, high) if p)


def shown_default(variable: Variable) -> str:
    """The default as the README shows it."""
    if variable.shown is not None:
        return variable.shown
    value = variable.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return f"`{','.join(value)}`"
    if isinstance(value, Path):
        return f"`./{value}`"
    return f"`{value}`"


def markdown_table() -> str:
    """The README's configuration table: one row per variable, from the definition."""
    rows = ["| variable | meaning | allowed | default |", "|---|---|---|---|"]
    for v in variables():
        name = f"`{v.name}`" + (f" (or `{v.also}`)" if v.also else "")
        rows.append(f"| {name} | {v.meaning} | {allowed(v)} | {shown_default(v)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
