"""Assessment frameworks loaded from versioned data files, and mappings between their versions."""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TypeVar

import msgspec

from services.frameworks.errors import (
    InvalidFrameworkData,
    NoFrameworkMapping,
    UnknownFramework,
    UnknownQualityStatement,
    UnknownRegulation,
)

MAPPINGS_FOLDER = "mappings"
_T = TypeVar("_T")


class Instrument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str


class Regulation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    instrument: str
    number: str
    title: str


class KeyQuestion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str


class QualityStatement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str
    key_question: str
    regulations: tuple[str, ...]


class EvidenceCategory(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str


class ScoreLevel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    score: int
    name: str


class Rating(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str


class Framework(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One version of an assessment framework; its id is the version records are mapped under."""

    id: str
    name: str
    published: dt.date
    key_questions: tuple[KeyQuestion, ...]
    quality_statements: tuple[QualityStatement, ...]
    evidence_categories: tuple[EvidenceCategory, ...]
    scores: tuple[ScoreLevel, ...]
    ratings: tuple[Rating, ...]
    regulations: tuple[Regulation, ...]
    instruments: tuple[Instrument, ...]

    def __post_init__(self) -> None:
        problems = _framework_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    def statements_for(self, key_question_id: str) -> tuple[QualityStatement, ...]:
        return tuple(s for s in self.quality_statements if s.key_question == key_question_id)

    def regulation(self, regulation_id: str) -> Regulation:
        for regulation in self.regulations:
            if regulation.id == regulation_id:
                return regulation
        raise UnknownRegulation(self.id, regulation_id)


class FrameworkMapping(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How each statement of one framework version shows under the next version."""

    from_framework: str
    to_framework: str
    statements: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        if self.from_framework == self.to_framework:
            raise ValueError("a mapping must lead to a different framework version")
        unmapped = sorted(old for old, new in self.statements.items() if not new)
        if unmapped:
            raise ValueError(f"statements mapped to nothing: {', '.join(unmapped)}")


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(ids).items() if count > 1)


def _framework_problems(framework: Framework) -> list[str]:
    problems = []
    collections: dict[str, Iterable[str]] = {
        "key question": (k.id for k in framework.key_questions),
        "quality statement": (s.id for s in framework.quality_statements),
        "evidence category": (e.id for e in framework.evidence_categories),
        "score": (str(s.score) for s in framework.scores),
        "rating": (r.id for r in framework.ratings),
        "regulation": (r.id for r in framework.regulations),
        "instrument": (i.id for i in framework.instruments),
    }
    for label, ids in collections.items():
        problems += [f"duplicate {label} id {value!r}" for value in _duplicates(ids)]
    key_questions = {k.id for k in framework.key_questions}
    regulations = {r.id for r in framework.regulations}
    instruments = {i.id for i in framework.instruments}
    for statement in framework.quality_statements:
        if statement.key_question not in key_questions:
            problems.append(f"{statement.id}: unknown key question {statement.key_question!r}")
        if not statement.regulations:
            problems.append(f"{statement.id}: relates to no regulation")
        problems += [
            f"{statement.id}: unknown regulation {r!r}"
            for r in statement.regulations
            if r not in regulations
        ]
    problems += [
        f"{r.id}: unknown instrument {r.instrument!r}"
        for r in framework.regulations
        if r.instrument not in instruments
    ]
    return problems


def _json_files(folder: Traversable) -> Iterator[Traversable]:
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".json"):
            yield entry


def _decode(entry: Traversable, kind: type[_T]) -> _T:
    try:
        return msgspec.json.decode(entry.read_bytes(), type=kind, strict=True)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise InvalidFrameworkData(entry.name, str(error)) from error


class FrameworkCatalogue:
    """Every framework version found in a data folder, with the mappings between versions."""

    def __init__(self, data_dir: Traversable | None = None) -> None:
        root = data_dir if data_dir is not None else files("services.frameworks").joinpath("data")
        self._frameworks: dict[str, Framework] = {}
        self._statements: dict[str, dict[str, QualityStatement]] = {}
        for entry in _json_files(root):
            self._add_framework(entry.name, _decode(entry, Framework))
        if not self._frameworks:
            raise InvalidFrameworkData(str(root), "no framework files found")
        self._mappings: dict[str, dict[str, FrameworkMapping]] = {}
        for entry in _json_files(root.joinpath(MAPPINGS_FOLDER)):
            self._add_mapping(entry.name, _decode(entry, FrameworkMapping))

    def _add_framework(self, source: str, framework: Framework) -> None:
        if framework.id in self._frameworks:
            raise InvalidFrameworkData(source, f"framework {framework.id!r} is defined twice")
        self._frameworks[framework.id] = framework
        self._statements[framework.id] = {s.id: s for s in framework.quality_statements}

    def _add_mapping(self, source: str, mapping: FrameworkMapping) -> None:
        expected = f"{mapping.from_framework}--{mapping.to_framework}.json"
        if source != expected:
            raise InvalidFrameworkData(source, f"a mapping file must be named {expected}")
        problems = self._mapping_problems(mapping)
        if problems:
            raise InvalidFrameworkData(source, "; ".join(problems))
        self._mappings.setdefault(mapping.from_framework, {})[mapping.to_framework] = mapping

    def _mapping_problems(self, mapping: FrameworkMapping) -> list[str]:
        unknown = [
            f"unknown framework {f!r}"
            for f in (mapping.from_framework, mapping.to_framework)
            if f not in self._frameworks
        ]
        if unknown:
            return unknown
        old = self._statements[mapping.from_framework]
        new = self._statements[mapping.to_framework]
        problems = [
            f"{s!r} is not a statement of {mapping.from_framework}"
            for s in mapping.statements
            if s not in old
        ]
        problems += [f"{s!r} is not mapped" for s in old if s not in mapping.statements]
        problems += [
            f"{source!r} maps to {target!r}, not a statement of {mapping.to_framework}"
            for source, targets in mapping.statements.items()
            for target in targets
            if target not in new
        ]
        return problems

    def versions(self) -> tuple[str, ...]:
        """Framework ids, oldest published first."""
        ordered = sorted(self._frameworks.values(), key=lambda f: (f.published, f.id))
        return tuple(f.id for f in ordered)

    def framework(self, framework_id: str) -> Framework:
        try:
            return self._frameworks[framework_id]
        except KeyError:
            raise UnknownFramework(framework_id) from None

    def latest(self) -> Framework:
        return self._frameworks[self.versions()[-1]]

    def statement(self, framework_id: str, statement_id: str) -> QualityStatement:
        self.framework(framework_id)
        try:
            return self._statements[framework_id][statement_id]
        except KeyError:
            raise UnknownQualityStatement(framework_id, statement_id) from None

    def has_statement(self, framework_id: str, statement_id: str) -> bool:
        return statement_id in self._statements.get(framework_id, {})

    def map_statement(
        self, statement_id: str, from_framework: str, to_framework: str
    ) -> tuple[str, ...]:
        """The ids under `to_framework` that a statement of `from_framework` shows as."""
        self.statement(from_framework, statement_id)
        self.framework(to_framework)
        current: tuple[str, ...] = (statement_id,)
        for mapping in self._mapping_chain(from_framework, to_framework):
            targets = (t for s in current for t in mapping.statements[s])
            current = tuple(dict.fromkeys(targets))
        return current

    def _mapping_chain(self, from_framework: str, to_framework: str) -> list[FrameworkMapping]:
        # breadth-first, so the shortest chain of mapping files wins
        reached_by: dict[str, FrameworkMapping | None] = {from_framework: None}
        queue = deque([from_framework])
        while queue and to_framework not in reached_by:
            for target, mapping in self._mappings.get(queue.popleft(), {}).items():
                if target not in reached_by:
                    reached_by[target] = mapping
                    queue.append(target)
        if to_framework not in reached_by:
            raise NoFrameworkMapping(from_framework, to_framework)
        chain: list[FrameworkMapping] = []
        step = reached_by[to_framework]
        while step is not None:
            chain.append(step)
            step = reached_by[step.from_framework]
        return chain[::-1]


@cache
def default_catalogue() -> FrameworkCatalogue:
    """The framework versions shipped with caretrail, loaded once."""
    return FrameworkCatalogue()
