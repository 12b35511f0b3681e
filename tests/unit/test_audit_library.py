"""The starter library of audit templates: shape, mapping to quality statements, RAG thresholds."""

from __future__ import annotations

import msgspec
import pytest

from services.audits.library import (
    AuditTemplate,
    UnknownAuditTemplate,
    starter_template,
    starter_templates,
)
from services.frameworks import default_catalogue

TEMPLATES = starter_templates()
QUESTIONS = [q for t in TEMPLATES for q in t.questions]


def test_six_starter_templates():
    assert [t.key for t in TEMPLATES] == [
        "medication",
        "care-plans",
        "ipc",
        "environment",
        "night-spot-check",
        "governance",
    ]
    assert all(t.name for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_each_template_has_8_to_15_questions(template: AuditTemplate):
    assert 8 <= len(template.questions) <= 15


def test_question_keys_are_unique_and_belong_to_their_template():
    keys = [q.key for q in QUESTIONS]
    assert len(keys) == len(set(keys))
    for template in TEMPLATES:
        for question in template.questions:
            assert question.key.startswith(f"{template.key}.")


def test_questions_are_distinct_questions():
    texts = [q.text for q in QUESTIONS]
    assert len(texts) == len(set(texts))
    assert all(text.endswith("?") for text in texts)


def test_every_question_maps_to_a_real_quality_statement():
    catalogue = default_catalogue()
    for template in TEMPLATES:
        for question in template.questions:
            assert catalogue.has_statement(template.framework, question.quality_statement), (
                question.key
            )


def test_library_covers_all_five_key_questions():
    catalogue = default_catalogue()
    key_questions = {
        catalogue.statement(t.framework, q.quality_statement).key_question
        for t in TEMPLATES
        for q in t.questions
    }
    assert key_questions == {"safe", "effective", "caring", "responsive", "well-led"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_thresholds_are_sane(template: AuditTemplate):
    assert 0 < template.amber_at < template.green_at <= 1


def test_rag_boundaries_are_inclusive():
    medication = starter_template("medication")
    assert medication.rag(1.0) == "green"
    assert medication.rag(medication.green_at) == "green"
    assert medication.rag(medication.amber_at) == "amber"
    assert medication.rag(medication.amber_at - 0.01) == "red"
    assert medication.rag(0.0) == "red"


def test_unknown_template_key():
    with pytest.raises(UnknownAuditTemplate):
        starter_template("teleportation")


def test_inverted_thresholds_are_refused():
    bad = b'{"key": "x", "name": "X", "framework": "cqc-saf-2024", "green_at": 0.7,'
    bad += b' "amber_at": 0.9, "questions": []}'
    with pytest.raises(msgspec.ValidationError, match="amber_at < green_at"):
        msgspec.json.decode(bad, type=AuditTemplate)
