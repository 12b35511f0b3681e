"""The import graph of caretrail's own packages, read from the source (AST), and the layering
it must keep (../shared/DESIGN.md, "Layering, as it must stay").

Every import counts: at module level, inside functions, under `if TYPE_CHECKING:`, relative or
absolute. `uv run python -m tests.import_graph` prints the graph by layer and any import
against the direction; tests/unit/test_import_direction.py fails on one.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("eventstore", "services", "projections", "workers", "infra")

#: Layers inside services/ named apart from the contexts (every other folder is a context).
KERNEL, HTTP, CATALOG, VIEWS = "services.kernel", "services.http", "services.catalog", "views"
#: Folders of services/ holding views and pages (read-side edges over the contexts).
VIEW_PACKAGES = ("services.views", "services.web")

#: What each layer may import besides itself. A context may import other contexts; projections
#: read the contexts' events (`services.<context>.events` and the other `*events` modules) and
#: the published framework catalogue (versioned reference data that events name by id).
ALLOWED: dict[str, frozenset[str]] = {
    "eventstore": frozenset(),
    KERNEL: frozenset({"eventstore"}),
    HTTP: frozenset({"eventstore", KERNEL}),
    "context": frozenset({"eventstore", KERNEL, HTTP, "context"}),
    CATALOG: frozenset({"eventstore", KERNEL, HTTP, "context"}),
    "projections": frozenset({"eventstore", KERNEL, "context events", "frameworks"}),
    VIEWS: frozenset({"eventstore", KERNEL, HTTP, "context", CATALOG, "projections", VIEWS}),
    "workers": frozenset(
        {"eventstore", KERNEL, HTTP, "context", CATALOG, "projections", VIEWS, "workers"}
    ),
    "infra": frozenset(
        {"eventstore", KERNEL, HTTP, "context", CATALOG, "projections", VIEWS, "workers", "infra"}
    ),
}
#: The order the graph is printed in, lowest first.
LAYERS = ("eventstore", KERNEL, HTTP, "context", CATALOG, "projections", VIEWS, "workers", "infra")


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    line: int
    path: Path


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of our packages, by dotted name (migrations included: they import too)."""
    return {
        module_name(path, root): path
        for package in PACKAGES
        for path in sorted((root / package).rglob("*.py"))
    }


def _known(name: str, known: dict[str, Path]) -> str | None:
    """The module `name` is, or is inside (an imported attribute resolves to its module)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = importer.split(".")
        parts = parts if is_package else parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    # `from package import module` imports the module; `from module import name`, the module.
    return [f"{base}.{alias.name}" for alias in node.names]


def imports(root: Path = ROOT) -> Iterator[Import]:
    """Each (module, module it imports, line) once."""
    known = modules(root)
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        seen: set[tuple[str, int]] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(node, name, path.name == "__init__.py"):
                found = _known(target, known) if target.split(".")[0] in PACKAGES else None
                if found and found != name and (found, node.lineno) not in seen:
                    seen.add((found, node.lineno))
                    yield Import(name, found, node.lineno, path)


def layer(module: str) -> str:
    """The layer a module is in (see ALLOWED)."""
    top = module.partition(".")[0]
    if top != "services":
        return top
    if module == "services":
        return "context"
    if module.startswith(VIEW_PACKAGES) or module.split(".")[-1] == "pages":
        return VIEWS
    for named in (KERNEL, HTTP, CATALOG):
        if module == named or module.startswith(named + "."):
            return named
    return "context"


def _kind(module: str) -> str:
    """What a projection may see of an imported module: a context's events, or the catalogue."""
    if layer(module) != "context":
        return layer(module)
    if module.split(".")[-1].endswith("events"):
        return "context events"
    if module == "services.frameworks" or module.startswith("services.frameworks."):
        return "frameworks"
    return "context"


def permitted(importer: str, imported: str) -> bool:
    source, target = layer(importer), layer(imported)
    if source == target:
        return True
    if source == "projections" and target == "context":
        return _kind(imported) in ALLOWED["projections"]
    return target in ALLOWED[source]


def against_direction(found: Iterable[Import]) -> list[Import]:
    return [i for i in found if not permitted(i.importer, i.imported)]


def describe(violation: Import, root: Path = ROOT) -> str:
    source, target = layer(violation.importer), layer(violation.imported)
    allowed = ", ".join(sorted(ALLOWED[source])) or "nothing of ours"
    return (
        f"{violation.path.relative_to(root)}:{violation.line}: {violation.importer} imports"
        f" {violation.imported}, but {source} may import only {allowed} (not {target})"
    )


def group(module: str) -> str:
    """The node a module is drawn as: each services/ folder on its own, other packages whole."""
    parts = module.split(".")
    if parts[0] == "services" and len(parts) > 1:
        return f"services.{parts[1]}"
    return parts[0]


def package_graph(found: Iterable[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for i in found:
        source, target = group(i.importer), group(i.imported)
        if source != target:
            edges[source].add(target)
    return edges


def _order(node: str) -> tuple[int, str]:
    return LAYERS.index(layer(node)), node


def render(root: Path = ROOT) -> str:
    found = list(imports(root))
    edges = package_graph(found)
    lines = ["Package import graph (A -> what A imports), lowest layer first:"]
    for node in sorted(edges, key=_order):
        lines.append(f"  {node} [{layer(node)}] -> {', '.join(sorted(edges[node], key=_order))}")
    bad = against_direction(found)
    lines.append(f"Imports against the direction: {len(bad)}")
    lines += [f"  {describe(v, root)}" for v in bad]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT))
