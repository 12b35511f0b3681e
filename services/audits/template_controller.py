"""The audit-template routes, and the starter library every provider group can copy from."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import get
from litestar.di import NamedDependency

from services.audits.library import AuditTemplate, starter_templates
from services.audits.template_decide import (
    TEMPLATE_DECIDER,
    CreateAuditTemplate,
    QuestionSpec,
    RetireAuditTemplate,
    ReviseAuditTemplate,
)
from services.audits.template_schemas import (
    AuditTemplateRead,
    CreateTemplateBody,
    ReviseTemplateBody,
    render,
)
from services.http.authorization import authorize
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import CommandRoute, RecordApi


def _require_group_wide(principal: Principal) -> None:
    """Templates serve every home of the group, so only group-wide roles shape them."""
    authorize(principal, "audit-templates", "change")


def to_create(
    body: CreateTemplateBody, template_id: UUID, principal: Principal
) -> CreateAuditTemplate:
    _require_group_wide(principal)
    questions = tuple(
        QuestionSpec(text=q.text, quality_statement=q.quality_statement) for q in body.questions
    )
    return CreateAuditTemplate(
        template_id=template_id,
        name=body.name,
        questions=questions,
        green_at=body.green_at,
        amber_at=body.amber_at,
        from_library=body.from_library,
    )


def to_revise(
    body: ReviseTemplateBody, _template_id: UUID, principal: Principal
) -> ReviseAuditTemplate:
    _require_group_wide(principal)
    questions = tuple(
        QuestionSpec(text=q.text, quality_statement=q.quality_statement, id=q.id)
        for q in body.questions
    )
    return ReviseAuditTemplate(
        questions=questions, name=body.name, green_at=body.green_at, amber_at=body.amber_at
    )


def to_retire(_body: None, _template_id: UUID, principal: Principal) -> RetireAuditTemplate:
    _require_group_wide(principal)
    return RetireAuditTemplate()


@get(
    "/library",
    summary="The starter templates every provider group can copy (create with from_library)",
    operation_id="audit_template_library",
    responses=problem_responses(400, 401),
)
async def library(principal: NamedDependency[Principal]) -> list[AuditTemplate]:
    return list(starter_templates())


TEMPLATE_API: RecordApi[Any] = RecordApi(
    decider=TEMPLATE_DECIDER,
    path="/audit-templates",
    tag="audit-templates",
    shared_with_homes=True,
    create_body=CreateTemplateBody,
    to_create=to_create,
    read_type=AuditTemplateRead,
    render=render,
    commands=(
        CommandRoute(
            "revise",
            ReviseTemplateBody,
            to_revise,
            "A new template version; scheduled audits keep the version they copied",
        ),
        CommandRoute("retire", None, to_retire, "No new audits from this template"),
    ),
    extra_handlers=(library,),
)
