"""The trail's routes: the public key, signed heads, inclusion and consistency proofs, and
evidence packs (`POST /exports`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
import structlog
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.access.binding import disclose
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import permitted
from services.kernel.errors import RecordNotFound
from services.kernel.handling import Records
from services.trail import proofs
from services.trail.export import PackRequest, build_pack, pack_name
from services.trail.heads import TrailKey

#: Roles that read personal fields decrypted, so may have them decrypted in a pack.
PERSONAL_DATA_ROLES = frozenset({"group_admin", "quality_lead", "home_manager"})

#: A seq is a PostgreSQL bigint.
MAX_SEQ = 2**63 - 1

log = structlog.get_logger()


class ExportBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    location_id: UUID
    first_day: date = msgspec.field(name="from")
    last_day: date = msgspec.field(name="to")
    #: "decrypted" (default) puts personal fields in personal.json when the role may read them.
    personal: Literal["decrypted", "sealed"] = "decrypted"


def trail_key(request: Request[Any, Any, Any]) -> TrailKey:
    key: TrailKey | None = request.app.state.trail_key
    if key is None:
        raise RuntimeError("no trail signing key is configured (CARETRAIL_TRAIL_SIGNING_KEY)")
    return key


@get(
    "/trail/public-key",
    tags=["trail"],
    summary="The Ed25519 key that signs trail heads and evidence packs (no token needed)",
    operation_id="trail_public_key",
    responses=problem_responses(401),
)
async def public_key(request: Request[Any, Any, Any]) -> dict[str, str]:
    return trail_key(request).public_document()


@get(
    "/trail/head",
    tags=["trail"],
    summary="The provider group's latest signed head: seq, chain hash, Merkle root, time",
    operation_id="trail_head",
    responses=problem_responses(400, 401, 404),
)
async def signed_head(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    location_id: FromQuery[UUID | None] = None,
) -> dict[str, Any]:
    """`location_id`: needed by external viewers, to say which provider's trail they mean."""
    if location_id is not None or principal.external:
        principal.require_location(location_id, "locations", location_id)
    return await proofs.current_head(
        records.store.pool, trail_key(request), principal.tenant_id, datetime.now(UTC)
    )


@get(
    "/trail/proof/{event_id:uuid}",
    tags=["trail"],
    summary="An event's stored envelope and its RFC 6962 inclusion proof against a signed head",
    operation_id="trail_proof",
    responses=problem_responses(400, 401, 404),
)
async def inclusion_proof(
    event_id: FromPath[UUID],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    location_id: FromQuery[UUID | None] = None,
) -> dict[str, Any]:
    """Events outside the caller's homes answer 404 like missing ones. `location_id` (the
    event's home) lets an external viewer name the provider whose trail it is."""

    def in_scope(home: UUID | None) -> None:
        if location_id is not None and home != location_id:
            raise RecordNotFound("events", event_id)
        principal.require_location(home, "events", event_id)
        if home is not None:
            disclose(principal.tenant_id, [home], [("events", event_id)])

    return await proofs.inclusion_proof(
        records.store.pool,
        trail_key(request),
        principal.tenant_id,
        event_id,
        in_scope,
        datetime.now(UTC),
        binding=principal.binding,
    )


@get(
    "/trail/consistency",
    tags=["trail"],
    summary="RFC 6962 proof that the signed head at `second` extends the one at `first`",
    operation_id="trail_consistency",
    responses=problem_responses(400, 401, 404, 422),
)
async def consistency(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    first: Annotated[int, QueryParameter(ge=1, le=MAX_SEQ, description="seq of a signed head")],
    second: Annotated[int, QueryParameter(ge=1, le=MAX_SEQ, description="a later head's seq")],
    location_id: FromQuery[UUID | None] = None,
) -> dict[str, Any]:
    if location_id is not None or principal.external:
        principal.require_location(location_id, "locations", location_id)
    return await proofs.consistency_proof(
        records.store.pool, trail_key(request), principal.tenant_id, first, second
    )


@post(
    "/exports",
    tags=["trail"],
    summary="An evidence pack (zip) of one home's events in a date range, verifiable offline",
    operation_id="export_create",
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 422),
    guards=[permitted("exports", "create")],  # the role matrix, before the body is read
    media_type="application/zip",
    response_description="The evidence pack (zip); its README.md says what is in it",
)
async def export(
    data: JSONBody[ExportBody],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[bytes]:
    principal.require_location(data.location_id, "locations", data.location_id)
    may_decrypt = bool(PERSONAL_DATA_ROLES.intersection(principal.roles)) and not principal.external
    pack = PackRequest(
        tenant_id=principal.tenant_id,
        location_id=data.location_id,
        first_day=data.first_day,
        last_day=data.last_day,
        personal="decrypted" if data.personal == "decrypted" and may_decrypt else "sealed",
        exported_by={"user_id": str(principal.user_id), "roles": list(principal.roles)},
    )
    body = await build_pack(records, trail_key(request), pack, datetime.now(UTC))
    log.info("evidence pack exported", location_id=str(data.location_id), bytes=len(body))
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{pack_name(pack)}"'},
    )


HANDLERS = (public_key, signed_head, inclusion_proof, consistency, export)
