"""What staff can ask of an improvement action: imperative commands, plain values only."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from services.actions.events import ActionSource, Priority


class RaiseAction(msgspec.Struct, frozen=True, kw_only=True):
    """Add an action to the plan; `draft=True` for one proposed by another context (audits)."""

    action_id: UUID
    location_id: UUID
    title: str
    description: str
    success_measure: str
    owner_id: UUID
    due_date: date
    priority: Priority
    source: ActionSource | None = None
    quality_statements: tuple[str, ...] = ()
    draft: bool = False


class OpenAction(msgspec.Struct, frozen=True):
    """Confirm a draft action: it joins the live plan."""


class ReassignAction(msgspec.Struct, frozen=True, kw_only=True):
    owner_id: UUID


class RedateAction(msgspec.Struct, frozen=True, kw_only=True):
    due_date: date
    reason: str


class NoteProgress(msgspec.Struct, frozen=True, kw_only=True):
    text: str


class StartAction(msgspec.Struct, frozen=True):
    pass


class CompleteAction(msgspec.Struct, frozen=True, kw_only=True):
    evidence: str


class VerifyAction(msgspec.Struct, frozen=True, kw_only=True):
    note: str | None = None


class ReopenAction(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class CancelAction(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


def draft_for_finding(
    action_id: UUID,
    *,
    audit_id: UUID,
    question_key: str,
    question_text: str,
    quality_statement: str,
    location_id: UUID,
    owner_id: UUID,
    due_date: date,
    priority: Priority = "high",
) -> RaiseAction:
    """The draft action an audit proposes for a failed question; a manager opens or cancels it.

    Run it with `records.execute(caller, DECIDER, action_id, command, creating=True,
    reference_prefix=REFERENCE_PREFIX)` after checking the owner exists.
    """
    return RaiseAction(
        action_id=action_id,
        location_id=location_id,
        title=f"Audit finding: {question_text}"[:200],
        description=f"Audit question {question_key} was answered 'no' in audit {audit_id}.",
        success_measure=f"Question {question_key} is answered 'yes' at the next audit of the home.",
        owner_id=owner_id,
        due_date=due_date,
        priority=priority,
        source=ActionSource(kind="audit_finding", id=f"{audit_id}:{question_key}"),
        quality_statements=(quality_statement,),
        draft=True,
    )
