"""The audit routes: schedule from a template, answer, complete, and act on findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.actions.commands import RaiseAction, draft_for_finding
from services.actions.decide import DECIDER as ACTIONS
from services.actions.decide import REFERENCE_PREFIX as ACTION_PREFIX
from services.audits import commands as c
from services.audits.decide import DECIDER
from services.audits.schemas import (
    AnswersBody,
    AuditRead,
    AuditResponse,
    CancelBody,
    CompleteBody,
    LinkFindingBody,
    RaiseActionBody,
    ScheduleBody,
    render,
)
from services.audits.state import AuditState, FindingState
from services.audits.template_decide import TEMPLATE_DECIDER, snapshot
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import (
    CommandRoute,
    Lookups,
    RecordApi,
    caller_of,
    if_match_of,
    replay_of,
    respond,
    visible_record,
)
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand
from services.kernel.handling import Records


async def check_schedule(body: ScheduleBody, lookups: Lookups) -> Mapping[str, Any]:
    """The home must be the caller's; the audit copies the template's current version."""
    await lookups.require_location(body.location_id)
    await lookups.require("audit-templates", body.template_id, "template_id")
    tenant = lookups.principal.tenant_id
    template, _version, _events = await lookups.records.load(
        tenant, TEMPLATE_DECIDER, body.template_id, binding=lookups.principal.binding
    )
    return {"template": snapshot(template)}


async def check_link(body: LinkFindingBody, lookups: Lookups) -> Mapping[str, Any]:
    action = await lookups.require("actions", body.action_id, "action_id")
    return {"action_location_id": action.location_id}


def to_schedule(body: ScheduleBody, audit_id: UUID, _principal: Principal) -> c.ScheduleAudit:
    return c.ScheduleAudit(
        audit_id=audit_id,
        location_id=body.location_id,
        template_id=body.template_id,
        due_date=body.due_date,
    )


def _answers(command: type) -> Callable[[Any, UUID, Principal], Any]:
    def to_command(body: AnswersBody | CompleteBody, _audit_id: UUID, _principal: Principal) -> Any:
        return command(answers=tuple(a.value() for a in body.answers))

    return to_command


def _draft(
    audit: AuditState, finding: FindingState, body: RaiseActionBody, action_id: UUID
) -> RaiseAction:
    question = audit.question(finding.question_id)
    draft = draft_for_finding(
        action_id,
        audit_id=audit.audit_id,
        question_key=str(finding.question_id),
        question_text=question.text if question else "",
        quality_statement=finding.quality_statement,
        location_id=audit.location_id,
        owner_id=body.owner_id,
        due_date=body.due_date,
        priority=body.priority,
    )
    return msgspec.structs.replace(draft, title=body.title) if body.title is not None else draft


async def _draft_for(
    records: Records, principal: Principal, audit_id: UUID, body: RaiseActionBody
) -> RaiseAction:
    """The draft action to raise, checked by a dry run of the actions decider (pure), so that a
    refusal comes before anything is written."""
    audit, _version, _events = await records.load(
        principal.tenant_id, DECIDER, audit_id, binding=principal.binding
    )
    finding = audit.finding(body.finding_id)
    if finding is None:
        raise InvalidCommand("finding_id", f"{body.finding_id} is not a finding of this audit")
    await Lookups(records, principal).require("users", body.owner_id, "owner_id")
    draft = _draft(audit, finding, body, uuid4())
    dry_run = Context(actor=principal.user_id, now=datetime.now(UTC), facts={"reference": "ACT-0"})
    ACTIONS.decide(draft, None, dry_run)
    return draft


@post(
    "/{record_id:uuid}/raise_action",
    status_code=200,
    operation_id="audit_raise_action",
    summary="Raise a draft improvement action for a finding (a manager then opens it)",
    guards=[visible_record(DECIDER.collection, "raise_action")],
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
)
async def raise_action(
    record_id: FromPath[UUID],
    data: JSONBody[RaiseActionBody],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[AuditResponse]:
    # Two transactions: the audit records the request, then the actions context raises the draft
    # with the id the request named (the kernel runs one record per transaction).
    caller = caller_of(principal, request)
    draft = await _draft_for(records, principal, record_id, data)
    command = c.RequestFindingAction(
        finding_id=data.finding_id,
        action_id=draft.action_id,
        owner_id=data.owner_id,
        due_date=data.due_date,
    )
    outcome = await records.execute(
        caller,
        DECIDER,
        record_id,
        command,
        if_match=if_match_of(request),
        replay=await replay_of(request),
    )
    if not outcome.replayed:
        await records.execute(
            caller, ACTIONS, draft.action_id, draft, creating=True, reference_prefix=ACTION_PREFIX
        )
    return respond(API, AuditResponse, outcome)


API: RecordApi[Any] = RecordApi(
    decider=DECIDER,
    path="/audits",
    tag="audits",
    create_body=ScheduleBody,
    to_create=to_schedule,
    read_type=AuditRead,
    render=render,
    check_create=check_schedule,
    commands=(
        CommandRoute("start", None, lambda _b, _i, _p: c.StartAudit(), "Start the audit"),
        CommandRoute(
            "answer",
            AnswersBody,
            _answers(c.RecordAnswers),
            "Record some answers (yes, no or na); a scheduled audit starts",
        ),
        CommandRoute(
            "complete",
            CompleteBody,
            _answers(c.CompleteAudit),
            "Complete with the last answers: scores it and turns every 'no' into a finding",
        ),
        CommandRoute(
            "link_finding",
            LinkFindingBody,
            lambda b, _i, _p: c.LinkFinding(finding_id=b.finding_id, action_id=b.action_id),
            "Link an existing improvement action to a finding",
            check=check_link,
        ),
        CommandRoute(
            "cancel",
            CancelBody,
            lambda b, _i, _p: c.CancelAudit(reason=b.reason),
            "Cancel a scheduled or in-progress audit (reason required)",
        ),
    ),
    extra_handlers=(raise_action,),
)
