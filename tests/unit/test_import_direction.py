"""Dependencies point one way (../shared/DESIGN.md, "Layering, as it must stay"): read from every
module's imports (tests/import_graph.py), so an import against the direction fails here with
the file, the line and the rule it breaks."""

from __future__ import annotations

from pathlib import Path

from tests import import_graph
from tests.import_graph import Import, against_direction, imports, layer, permitted


def test_no_import_runs_against_the_layering() -> None:
    found = list(imports())
    assert len({i.importer for i in found}) > 150, "too few modules read to prove anything"
    bad = against_direction(found)
    assert not bad, "imports against the direction:\n" + "\n".join(
        import_graph.describe(v) for v in bad
    )


def test_every_package_is_read_including_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    for package in import_graph.PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "services" / "kernel").mkdir()
    (tmp_path / "services" / "kernel" / "__init__.py").write_text("")
    (tmp_path / "services" / "kernel" / "rules.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from workers import nothing\n"
        "def later():\n    from ..views_of import x\n    import infra\n"
    )
    found = {(i.importer, i.imported) for i in imports(tmp_path)}
    assert ("services.kernel.rules", "workers") in found
    assert ("services.kernel.rules", "infra") in found
    assert ("services.kernel.rules", "services") in found  # relative, resolved
    bad = against_direction(imports(tmp_path))
    assert {v.imported for v in bad} >= {"workers", "infra"}


def test_the_rules_are_the_design() -> None:
    assert not permitted("eventstore.store", "services.kernel.events")
    assert not permitted("services.kernel.handling", "services.actions.decide")
    assert not permitted("services.http.records", "workers.nudge")
    assert not permitted("services.actions.controller", "infra.settings")
    assert not permitted("services.alerts.controller", "services.views.links")
    assert not permitted("projections.home_dashboard", "services.views.thresholds")
    assert not permitted("projections.home_dashboard", "services.actions.decide")
    assert not permitted("workers.runtime", "infra.app")
    assert permitted("projections.home_dashboard", "services.actions.events")
    assert permitted("services.views.home_figures", "projections.home_dashboard_facts")
    assert permitted("services.audits.decide", "services.actions.events")
    assert permitted("workers.alerting", "services.alerts.decide")
    assert permitted("infra.app", "workers.nudge")
    assert layer("services.web.pages") == layer("services.actions.pages") == "views"


def test_a_violation_names_the_file_line_and_rule() -> None:
    root = import_graph.ROOT
    text = import_graph.describe(
        Import("services.http.records", "workers.nudge", 23, root / "services/http/records.py")
    )
    assert text.startswith("services/http/records.py:23: services.http.records imports workers")
    assert "services.http may import only eventstore, services.kernel" in text
