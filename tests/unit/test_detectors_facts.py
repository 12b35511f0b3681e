"""detector_facts: replaying the same events changes nothing, and the document stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from projections import evolve_documents, with_changes
from projections.detector_facts import AUDITS_KEPT_PER_TEMPLATE, DETECTOR_FACTS, answers_of
from tests.unit.detector_log import Q_MAR, USER, Log

START = datetime(2025, 1, 1, tzinfo=UTC)


def test_replaying_the_events_twice_gives_the_same_documents() -> None:
    log = Log()
    home = log.home("Oak House")
    log.action(home, due=START.date())
    log.incident(home, START, people=(USER,))
    log.audit(home, START, {Q_MAR: "no"})
    once = with_changes({}, evolve_documents(DETECTOR_FACTS, {}, log.events))
    twice = with_changes(once, evolve_documents(DETECTOR_FACTS, once, log.events))
    assert twice == once
    doc = once[str(home)]
    assert doc["owners"] and doc["people"]
    [audit] = doc["answers"]
    assert answers_of(doc, audit)[str(Q_MAR.id)] == "no"
    assert set(answers_of(doc, audit).values()) == {"yes", "no"}
    assert doc["pending"] == {} and len(doc["question_sets"]) == 1


def test_only_the_latest_audits_of_a_template_keep_their_answers() -> None:
    log = Log()
    home = log.home("Oak House")
    audits = [
        log.audit(home, START + timedelta(days=i), {}) for i in range(AUDITS_KEPT_PER_TEMPLATE + 3)
    ]
    doc = with_changes({}, evolve_documents(DETECTOR_FACTS, {}, log.events))[str(home)]
    assert set(doc["answers"]) == {str(a) for a in audits[3:]}


def test_people_of_incidents_older_than_the_kept_days_are_let_go() -> None:
    log = Log()
    home = log.home("Oak House")
    old = log.incident(home, START - timedelta(days=500), people=(USER,))
    new = log.incident(home, START - timedelta(days=10), people=(USER,))
    doc = with_changes({}, evolve_documents(DETECTOR_FACTS, {}, log.events))[str(home)]
    assert set(doc["people"]) == {str(new)} and str(old) not in doc["people"]
