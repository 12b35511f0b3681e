"""One function binds whom a transaction reads as (eventstore/binding.py): what it writes, what
it refuses, and that no other module of ours binds a tenant or an organisation by itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from uuid import UUID

import pytest

from eventstore.binding import Binding

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("eventstore", "services", "projections", "workers", "infra", "tests")
THE_FUNCTION = Path("eventstore/binding.py")
#: History, frozen as it ran (infra/migrations/versions): it is not code that binds anything now.
FROZEN = Path("infra/migrations/versions")
#: The append functions bind their own tenant inside PL/pgSQL, on the node that holds it
#: (eventstore/append_sql.py says why): that one statement, in those modules, only.
IN_PLPGSQL = re.compile(r"PERFORM set_config\('app\.tenant_id', (p|v)_tenant::text, true\)")
PLPGSQL_MODULES = (
    Path("eventstore/append_sql.py"),
    Path("eventstore/append_many_sql.py"),
    Path("eventstore/lock_sql.py"),
)
#: Tests that prove an empty setting binds nothing (fail closed) set one by hand.
EMPTY = re.compile(r"set_config\((\$1|'app\.\w+'), '', true\)")

BINDS = re.compile(
    r"set_config\s*\(\s*(?!'(?!app\.))"  # set_config( with 'app.…' or a parameter first
    r"|\bSET\s+(LOCAL\s+|SESSION\s+)?app\.",
    re.IGNORECASE,
)


def test_a_tenant_is_bound_with_set_local_and_a_quoted_uuid() -> None:
    tenant = UUID("6f1c1d52-0f5e-4c35-9d8a-0d4b5f5bb0a1")
    assert Binding.tenant(tenant).statement() == f"SET LOCAL app.tenant_id = '{tenant}'"
    assert Binding.external(tenant).statement() == f"SET LOCAL app.external_org = '{tenant}'"


@pytest.mark.parametrize("value", ["x'; RESET ROLE; --", "", "6f1c1d52"])
def test_anything_but_a_uuid_never_reaches_the_statement(value: str) -> None:
    with pytest.raises(ValueError):
        Binding("tenant", value).statement()  # type: ignore[arg-type]


def test_no_module_but_the_one_function_binds_a_tenant_or_an_organisation() -> None:
    found = [
        f"{path}:{line}: {text}"
        for path in _modules()
        for line, text in _strings(path)
        for hit in BINDS.finditer(text)
        if not _allowed(path, text, hit)
    ]
    assert found == [], "bind with eventstore.binding.bind / bound_transaction instead:\n" + (
        "\n".join(found)
    )


def test_the_check_finds_what_it_looks_for() -> None:
    for text in (
        "SELECT set_config('app.tenant_id', $1, true)",
        "SELECT set_config($1, $2, true)",
        "SET LOCAL app.external_org = 'x'",
        "set app.tenant_id to 'x'",
    ):
        assert BINDS.search(text), text
    assert not BINDS.search("SELECT set_config('synchronous_commit', 'off', true)")
    assert any("append_sql.py" in str(p) for p in _modules())


def _allowed(path: Path, text: str, hit: re.Match[str]) -> bool:
    if path == THE_FUNCTION:
        return True
    statement = text[hit.start() : hit.start() + 80]
    if path in PLPGSQL_MODULES and IN_PLPGSQL.match(text, hit.start() - len("PERFORM ")):
        return True
    return path.parts[0] == "tests" and EMPTY.match(statement) is not None


def _modules() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if FROZEN not in path.relative_to(ROOT).parents
        and ".venv" not in path.parts
        and path.relative_to(ROOT) != Path(__file__).resolve().relative_to(ROOT)
    ]


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of the module (f-strings' literal parts joined), docstrings apart:
    SQL is written in strings; prose about binding is not binding."""
    tree = ast.parse((ROOT / path).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    in_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            found.append((node.lineno, "{}".join(str(p) for p in parts)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            skipped = id(node) in docstrings or id(node) in in_fstrings
            found += [] if skipped else [(node.lineno, node.value)]
    return found
