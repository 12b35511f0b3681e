"""Reading home_dashboard documents: only the homes asked for, each record a document let go of
and that came back filled in from its home_records document. What views and detectors read.
`home_summaries` reads the overview's compact summaries instead (home_dashboard_summary.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import msgspec

from eventstore.binding import Binding
from eventstore.connection import bound_transaction
from projections.home_dashboard import HOME_DASHBOARD
from projections.home_dashboard_records import HOME_RECORDS
from projections.home_dashboard_summary import summarize
from projections.projection import Document

SECTIONS = ("actions", "incidents", "complaints", "audits")

_LIVE = """
SELECT d.doc_id, d.doc::text AS doc FROM projection_documents d
  JOIN projection_generations g ON g.tenant_id = d.tenant_id
   AND g.projection = d.projection AND g.live_generation = d.generation
 WHERE d.tenant_id = $1 AND d.projection = $2 AND ($3::text[] IS NULL OR d.doc_id = ANY($3))
 ORDER BY d.doc_id"""


async def _live(conn: Any, tenant_id: UUID, name: str, ids: list[str] | None) -> dict[str, Any]:
    rows = await conn.fetch(_LIVE, tenant_id, name, ids)
    return {row["doc_id"]: msgspec.json.decode(row["doc"]) for row in rows}


def revived_ids(homes: Mapping[str, Document]) -> list[str]:
    return sorted(
        rid
        for doc in homes.values()
        for section in SECTIONS
        for rid, record in doc[section].items()
        if record.get("revived")
    )


def fill_revived(doc: Document, records: Mapping[str, Document]) -> Document:
    """`doc` with each revived record replaced by its facts from `records` (home_records
    documents by record id); one whose facts cannot be read here is left out."""
    if not any(r.get("revived") for s in SECTIONS for r in doc[s].values()):
        return doc
    filled = dict(doc)
    for section in SECTIONS:
        filled[section] = {
            rid: (records[rid]["record"] if record.get("revived") else record)
            for rid, record in doc[section].items()
            if not record.get("revived") or rid in records
        }
    return filled


async def home_documents(
    pool: Any,
    tenant_id: UUID,
    location_ids: Sequence[UUID | str] | None = None,
    *,
    binding: Binding,
) -> dict[str, Document]:
    """The live home_dashboard documents of these homes (None: every home of the tenant), by
    home id, read in one snapshot under `binding`'s row-level security (the tenant itself, or
    an external viewer, who sees only granted homes)."""
    ids = None if location_ids is None else [str(i) for i in location_ids]
    async with bound_transaction(pool, binding) as conn:
        homes = await _live(conn, tenant_id, HOME_DASHBOARD.name, ids)
        wanted = revived_ids(homes)
        records = await _live(conn, tenant_id, HOME_RECORDS.name, wanted) if wanted else {}
    return {doc_id: fill_revived(doc, records) for doc_id, doc in homes.items()}


# The summary where it is complete; the document where it is not there (a row written before its
# projection kept summaries) or cannot be (a record let go of came back: its facts are elsewhere).
_SUMMARIES = """
SELECT d.doc_id, d.summary::text AS summary,
       CASE WHEN d.summary IS NULL OR (d.summary->>'revived')::boolean THEN d.doc::text END AS doc
  FROM projection_documents d
  JOIN projection_generations g ON g.tenant_id = d.tenant_id
   AND g.projection = d.projection AND g.live_generation = d.generation
 WHERE d.tenant_id = $1 AND d.projection = $2 AND ($3::text[] IS NULL OR d.doc_id = ANY($3))
 ORDER BY d.doc_id"""


async def home_summaries(
    pool: Any,
    tenant_id: UUID,
    location_ids: Sequence[UUID | str] | None = None,
    *,
    binding: Binding,
) -> dict[str, Document]:
    """The overview summaries of these homes (None: every home of the tenant), by home id, read
    in one snapshot under `binding`'s row-level security: stored ones as they are, the rest
    summarized here from their documents, revived records filled in first."""
    ids = None if location_ids is None else [str(i) for i in location_ids]
    async with bound_transaction(pool, binding) as conn:
        rows = await conn.fetch(_SUMMARIES, tenant_id, HOME_DASHBOARD.name, ids)
        whole = {row["doc_id"]: msgspec.json.decode(row["doc"]) for row in rows if row["doc"]}
        wanted = revived_ids(whole)
        records = await _live(conn, tenant_id, HOME_RECORDS.name, wanted) if wanted else {}
    return {
        row["doc_id"]: (
            summarize(fill_revived(whole[row["doc_id"]], records))
            if row["doc"]
            else msgspec.json.decode(row["summary"])
        )
        for row in rows
    }
