"""The CQC Single Assessment Framework data, the catalogue, and mapping between versions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from services.frameworks import (
    FrameworkCatalogue,
    InvalidFrameworkData,
    NoFrameworkMapping,
    UnknownFramework,
    UnknownQualityStatement,
    UnknownRegulation,
    default_catalogue,
)

SAF = "cqc-saf-2024"
GOVERNANCE = "hsca-2014-17"
SHIPPED_DATA = Path(__file__).parents[2] / "services" / "frameworks" / "data"

STATEMENT_NAMES = {
    "safe": [
        "Learning culture",
        "Safe systems, pathways and transitions",
        "Safeguarding",
        "Involving people to manage risks",
        "Safe environments",
        "Safe and effective staffing",
        "Infection prevention and control",
        "Medicines optimisation",
    ],
    "effective": [
        "Assessing needs",
        "Delivering evidence-based care and treatment",
        "How staff, teams and services work together",
        "Supporting people to live healthier lives",
        "Monitoring and improving outcomes",
        "Consent to care and treatment",
    ],
    "caring": [
        "Kindness, compassion and dignity",
        "Treating people as individuals",
        "Independence, choice and control",
        "Responding to people's immediate needs",
        "Workforce wellbeing and enablement",
    ],
    "responsive": [
        "Person-centred care",
        "Care provision, integration and continuity",
        "Providing information",
        "Listening to and involving people",
        "Equity in access",
        "Equity in experiences and outcomes",
        "Planning for the future",
    ],
    "well-led": [
        "Shared direction and culture",
        "Capable, compassionate and inclusive leaders",
        "Freedom to speak up",
        "Workforce equality, diversity and inclusion",
        "Governance, management and sustainability",
        "Partnerships and communities",
        "Learning, improvement and innovation",
        "Environmental sustainability – sustainable development",
    ],
}


@pytest.fixture
def saf():
    return default_catalogue().framework(SAF)


def test_five_key_questions_in_cqc_order(saf):
    assert [k.id for k in saf.key_questions] == [
        "safe",
        "effective",
        "caring",
        "responsive",
        "well-led",
    ]
    assert [k.name for k in saf.key_questions] == [
        "Safe",
        "Effective",
        "Caring",
        "Responsive",
        "Well-led",
    ]


def test_34_quality_statements_with_unique_ids(saf):
    ids = [s.id for s in saf.quality_statements]
    assert len(ids) == 34
    assert len(set(ids)) == 34


def test_statement_counts_per_key_question(saf):
    counts = {k.id: len(saf.statements_for(k.id)) for k in saf.key_questions}
    assert counts == {"safe": 8, "effective": 6, "caring": 5, "responsive": 7, "well-led": 8}


def test_statement_names_are_cqcs(saf):
    names = {k.id: [s.name for s in saf.statements_for(k.id)] for k in saf.key_questions}
    assert names == STATEMENT_NAMES


def test_statement_ids_are_slugs_under_their_key_question(saf):
    for statement in saf.quality_statements:
        assert re.fullmatch(r"[a-z-]+\.[a-z0-9-]+", statement.id)
        assert statement.id.startswith(f"{statement.key_question}.")
    assert default_catalogue().has_statement(SAF, "safe.learning-culture")
    assert default_catalogue().has_statement(SAF, "well-led.governance-management-sustainability")


def test_every_statement_relates_to_a_listed_regulation(saf):
    listed = {r.id for r in saf.regulations}
    for statement in saf.quality_statements:
        assert statement.regulations, statement.id
        assert set(statement.regulations) <= listed, statement.id


def test_regulations_cover_the_2014_and_2009_regulations(saf):
    by_instrument = {(r.instrument, r.number) for r in saf.regulations}
    for number in ["9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "20A"]:
        assert ("hsca-2014", number) in by_instrument
    assert ("cqc-registration-2009", "16") in by_instrument
    assert ("cqc-registration-2009", "18") in by_instrument
    assert saf.regulation("hsca-2014-12").title == "Safe care and treatment"
    assert saf.regulation("hsca-2014-20a").number == "20A"
    with pytest.raises(UnknownRegulation):
        saf.regulation("hsca-2014-99")


def test_well_known_regulation_links(saf):
    def regs(statement_id: str) -> tuple[str, ...]:
        return default_catalogue().statement(SAF, statement_id).regulations

    assert "hsca-2014-13" in regs("safe.safeguarding")
    assert "hsca-2014-11" in regs("effective.consent-to-care-treatment")
    assert "hsca-2014-17" in regs("well-led.governance-management-sustainability")
    assert "hsca-2014-20" in regs("safe.learning-culture")


def test_six_evidence_categories(saf):
    assert [e.id for e in saf.evidence_categories] == [
        "people-experience",
        "staff-leader-feedback",
        "partner-feedback",
        "observation",
        "processes",
        "outcomes",
    ]
    assert all(e.name for e in saf.evidence_categories)


def test_score_scale_and_ratings(saf):
    assert [(s.score, s.name) for s in saf.scores] == [
        (1, "Significant shortfalls"),
        (2, "Some shortfalls"),
        (3, "Good"),
        (4, "Exceptional"),
    ]
    assert [r.name for r in saf.ratings] == [
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    ]


def test_statement_lookup_and_unknown_statement():
    catalogue = default_catalogue()
    assert catalogue.statement(SAF, "safe.medicines-optimisation").name == "Medicines optimisation"
    with pytest.raises(UnknownQualityStatement) as raised:
        catalogue.statement(SAF, "safe.teleportation")
    assert raised.value.statement_id == "safe.teleportation"
    assert not catalogue.has_statement(SAF, "safe.teleportation")
    assert not catalogue.has_statement("cqc-saf-1999", "safe.learning-culture")


def test_unknown_framework():
    with pytest.raises(UnknownFramework):
        default_catalogue().framework("cqc-saf-1999")
    with pytest.raises(UnknownFramework):
        default_catalogue().statement("cqc-saf-1999", "safe.learning-culture")


def test_default_catalogue_is_loaded_once():
    assert default_catalogue() is default_catalogue()
    assert default_catalogue().versions() == (SAF,)
    assert default_catalogue().latest().id == SAF


# --- a further framework version added as data --------------------------------------------------


def _framework(fid: str, published: str, statements: dict[str, str]) -> dict[str, Any]:
    """A new version reusing the 2024 reference lists, with its own statements (id -> name)."""
    document = json.loads((SHIPPED_DATA / f"{SAF}.json").read_text())
    document.update(id=fid, name=f"Test framework {fid}", published=published)
    document["quality_statements"] = [
        {"id": sid, "name": name, "key_question": sid.split(".")[0], "regulations": [GOVERNANCE]}
        for sid, name in statements.items()
    ]
    return document


def _write(folder: Path, name: str, document: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(document, ensure_ascii=False))


def _mapping_2024_to_2026() -> dict[str, Any]:
    saf = default_catalogue().framework(SAF)
    statements = {s.id: [f"{s.key_question}.main"] for s in saf.quality_statements}
    statements["well-led.governance-management-sustainability"] = [
        "well-led.main",
        "well-led.oversight",
    ]
    statements["safe.learning-culture"] = ["safe.main", "well-led.oversight"]
    return {"from_framework": SAF, "to_framework": "cqc-kloe-2026", "statements": statements}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    shutil.copytree(SHIPPED_DATA, tmp_path, dirs_exist_ok=True)
    kq = ["safe", "effective", "caring", "responsive", "well-led"]
    lines_2026 = {f"{k}.main": f"{k} main line" for k in kq} | {"well-led.oversight": "Oversight"}
    _write(tmp_path, "cqc-kloe-2026.json", _framework("cqc-kloe-2026", "2026-09-01", lines_2026))
    _write(tmp_path / "mappings", f"{SAF}--cqc-kloe-2026.json", _mapping_2024_to_2026())
    lines_2027 = {f"{k}.line": f"{k} line" for k in kq}
    _write(tmp_path, "cqc-kloe-2027.json", _framework("cqc-kloe-2027", "2027-04-01", lines_2027))
    to_2027 = {f"{k}.main": [f"{k}.line"] for k in kq} | {"well-led.oversight": ["well-led.line"]}
    mapping = {
        "from_framework": "cqc-kloe-2026",
        "to_framework": "cqc-kloe-2027",
        "statements": to_2027,
    }
    _write(tmp_path / "mappings", "cqc-kloe-2026--cqc-kloe-2027.json", mapping)
    return tmp_path


def test_new_version_is_listed_in_publication_order(data_dir: Path):
    catalogue = FrameworkCatalogue(data_dir)
    assert catalogue.versions() == (SAF, "cqc-kloe-2026", "cqc-kloe-2027")
    assert catalogue.latest().id == "cqc-kloe-2027"
    assert len(catalogue.framework(SAF).quality_statements) == 34


def test_old_statement_maps_to_new_version(data_dir: Path):
    catalogue = FrameworkCatalogue(data_dir)
    governance = "well-led.governance-management-sustainability"
    assert catalogue.map_statement(governance, SAF, "cqc-kloe-2026") == (
        "well-led.main",
        "well-led.oversight",
    )
    assert catalogue.map_statement("safe.safeguarding", SAF, "cqc-kloe-2026") == ("safe.main",)


def test_mapping_chains_across_two_versions(data_dir: Path):
    catalogue = FrameworkCatalogue(data_dir)
    assert catalogue.map_statement("safe.learning-culture", SAF, "cqc-kloe-2027") == (
        "safe.line",
        "well-led.line",
    )
    # both 2026 targets of the governance statement merge again in 2027: reported once
    governance = "well-led.governance-management-sustainability"
    assert catalogue.map_statement(governance, SAF, "cqc-kloe-2027") == ("well-led.line",)


def test_mapping_within_one_version_is_identity(data_dir: Path):
    catalogue = FrameworkCatalogue(data_dir)
    assert catalogue.map_statement("safe.safeguarding", SAF, SAF) == ("safe.safeguarding",)


def test_mapping_needs_a_path_and_a_real_statement(data_dir: Path):
    catalogue = FrameworkCatalogue(data_dir)
    with pytest.raises(NoFrameworkMapping):
        catalogue.map_statement("safe.main", "cqc-kloe-2026", SAF)
    with pytest.raises(UnknownQualityStatement):
        catalogue.map_statement("safe.teleportation", SAF, "cqc-kloe-2027")
    with pytest.raises(UnknownFramework):
        catalogue.map_statement("safe.safeguarding", SAF, "cqc-kloe-2099")


# --- bad data is refused on load with a clear message -------------------------------------------


def test_statement_with_unknown_regulation_is_refused(tmp_path: Path):
    document = _framework("broken", "2026-01-01", {"safe.main": "Main"})
    document["quality_statements"][0]["regulations"] = ["hsca-2014-99"]
    _write(tmp_path, "broken.json", document)
    with pytest.raises(InvalidFrameworkData, match=r"broken\.json.*safe\.main.*hsca-2014-99"):
        FrameworkCatalogue(tmp_path)


def test_wrongly_typed_field_is_refused(tmp_path: Path):
    document = _framework("broken", "2026-01-01", {"safe.main": "Main"})
    document["scores"][0]["score"] = "one"
    _write(tmp_path, "broken.json", document)
    with pytest.raises(InvalidFrameworkData, match=r"scores\[0\]\.score"):
        FrameworkCatalogue(tmp_path)


def test_empty_folder_is_refused(tmp_path: Path):
    with pytest.raises(InvalidFrameworkData, match="no framework files"):
        FrameworkCatalogue(tmp_path)


def test_incomplete_mapping_is_refused(data_dir: Path):
    mapping = _mapping_2024_to_2026()
    del mapping["statements"]["safe.safeguarding"]
    _write(data_dir / "mappings", f"{SAF}--cqc-kloe-2026.json", mapping)
    with pytest.raises(InvalidFrameworkData, match=r"'safe\.safeguarding' is not mapped"):
        FrameworkCatalogue(data_dir)


def test_mapping_to_a_missing_statement_is_refused(data_dir: Path):
    mapping = _mapping_2024_to_2026()
    mapping["statements"]["safe.safeguarding"] = ["safe.nowhere"]
    _write(data_dir / "mappings", f"{SAF}--cqc-kloe-2026.json", mapping)
    with pytest.raises(InvalidFrameworkData, match=r"safe\.nowhere"):
        FrameworkCatalogue(data_dir)


def test_mapping_to_nothing_is_refused(data_dir: Path):
    mapping = _mapping_2024_to_2026()
    mapping["statements"]["safe.safeguarding"] = []
    _write(data_dir / "mappings", f"{SAF}--cqc-kloe-2026.json", mapping)
    with pytest.raises(InvalidFrameworkData, match="mapped to nothing"):
        FrameworkCatalogue(data_dir)


def test_misnamed_mapping_file_is_refused(data_dir: Path):
    _write(data_dir / "mappings", "old--new.json", _mapping_2024_to_2026())
    with pytest.raises(InvalidFrameworkData, match="must be named"):
        FrameworkCatalogue(data_dir)


def test_reference_data_is_immutable(saf):
    with pytest.raises(AttributeError):
        saf.name = "Something else"
