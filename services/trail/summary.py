"""The evidence pack's human-readable summary (summary.html): the home's records by CQC quality
statement, then every event in the pack. Pure: built from the pack's own events.

It is a reading aid: what the pack proves is in the envelopes and proofs, not in this page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from eventstore import RecordedEvent
from services.frameworks.catalogue import Framework
from services.frameworks.evidence import evidence_for

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; font-size: .9rem; }
th { background: #f3f3f3; } .none { color: #777; } code { font-size: .85rem; }
"""


def summary_html(
    facts: Mapping[str, Any], events: Sequence[RecordedEvent], framework: Framework
) -> str:
    """`facts`: home, provider, from, to, generated_at, head (the signed head), personal."""
    head = facts["head"]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Evidence pack: {_e(facts['home'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Evidence pack: {_e(facts['home'])}</h1>",
        f"<p>{_e(facts['provider'])}. Events recorded from {_e(facts['from'])} to"
        f" {_e(facts['to'])} (UTC), exported {_e(facts['generated_at'])}.</p>",
        "<p>Every event below is in the provider's signed trail at seq"
        f" {head['seq']} (Merkle root <code>{_e(head['root_hash'])}</code>, signed"
        f" {_e(head['signed_at'])} by key <code>{_e(head['key_id'])}</code>). Check it with"
        " <code>python verify_pack.py</code> as README.md explains. Personal fields are"
        f" {_e(facts['personal'])} in this pack.</p>",
        f"<h2>By quality statement ({_e(framework.name)})</h2>",
        *_by_statement(events, framework),
        "<h2>Records with no quality statement</h2>",
        _unmapped(events),
        f"<h2>Every event in this pack ({len(events)})</h2>",
        _event_table(events),
        "</body></html>",
    ]
    return "\n".join(parts)


def _by_statement(events: Sequence[RecordedEvent], framework: Framework) -> Iterable[str]:
    shown = False
    for question in framework.key_questions:
        rows = []
        for statement in framework.statements_for(question.id):
            for category, items in evidence_for(events, statement.id).items():
                rows += [
                    _row(
                        statement.name,
                        category,
                        item.reference or item.collection,
                        item.title,
                        item.status or "",
                        "" if item.score is None else f"{item.score:.0%} {item.rag or ''}",
                        ", ".join(str(q) for q in item.failed_question_ids or ()) or "",
                    )
                    for item in items
                ]
        if rows:
            shown = True
            yield f"<h3>{_e(question.name)}</h3>"
            yield _table(
                ("Quality statement", "Evidence", "Record", "Title", "Status", "Score", "Failed"),
                rows,
            )
    if not shown:
        yield '<p class="none">No audit or action in this pack is mapped to a statement.</p>'


def _unmapped(events: Sequence[RecordedEvent]) -> str:
    mapped = {"audit", "action"}
    records = Counter(
        e.stream_type
        for e in {e.stream_id: e for e in events}.values()
        if e.stream_type not in mapped
    )
    if not records:
        return '<p class="none">None.</p>'
    return _table(("Record type", "Records"), [_row(t, str(n)) for t, n in sorted(records.items())])


def _event_table(events: Sequence[RecordedEvent]) -> str:
    rows = [
        _row(
            str(e.seq),
            e.recorded_at.isoformat(),
            e.stream_type,
            e.type,
            str(e.stream_id),
            str(e.event_id),
        )
        for e in events
    ]
    return _table(("Seq", "Recorded at", "Record type", "Event", "Record id", "Event id"), rows)


def _table(header: Sequence[str], rows: Sequence[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>"


def _e(value: object) -> str:
    return escape(str(value))
