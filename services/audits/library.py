"""The starter library of audit templates every home gets, shipped as data."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Literal

import msgspec

Rag = Literal["green", "amber", "red"]

STARTER_TEMPLATES_FILE = "starter-templates.json"


class AuditQuestion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One yes / no / N/A question, mapped to the quality statement it gives evidence for."""

    key: str
    text: str
    quality_statement: str


class AuditTemplate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named set of questions with the thresholds that turn a score into red, amber or green."""

    key: str
    name: str
    framework: str
    green_at: float
    amber_at: float
    questions: tuple[AuditQuestion, ...]

    def __post_init__(self) -> None:
        if not 0 < self.amber_at < self.green_at <= 1:
            raise ValueError(f"{self.key}: need 0 < amber_at < green_at <= 1")
        strays = [q.key for q in self.questions if not q.key.startswith(f"{self.key}.")]
        if strays:
            raise ValueError(f"{self.key}: question keys must start with {self.key}.: {strays}")

    def rag(self, score: float) -> Rag:
        """Red, amber or green for a score between 0 and 1 (yes answers over answered questions)."""
        if score >= self.green_at:
            return "green"
        if score >= self.amber_at:
            return "amber"
        return "red"


class UnknownAuditTemplate(LookupError):
    """The starter library has no template with this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no starter audit template {key!r}")
        self.key = key


@cache
def starter_templates() -> tuple[AuditTemplate, ...]:
    """Medication, care plans, IPC, environment, night spot check and governance templates."""
    raw = files("services.audits").joinpath("data").joinpath(STARTER_TEMPLATES_FILE).read_bytes()
    return msgspec.json.decode(raw, type=tuple[AuditTemplate, ...], strict=True)


def starter_template(key: str) -> AuditTemplate:
    for template in starter_templates():
        if template.key == key:
            return template
    raise UnknownAuditTemplate(key)
