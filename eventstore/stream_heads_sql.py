"""Migration 0012: each stream's current version and type kept in `stream_heads`, and the append
functions revised to check and advance it; these are the append functions as they are now.

Why. The append functions used to find a stream's version with
`SELECT ... FROM events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY version DESC LIMIT 1`.
plpgsql caches that statement's plan, and which plan PostgreSQL picks depends on its statistics.
For a tenant the statistics do not know yet (every new tenant, until ANALYZE next samples the
table), and with row-level security adding its own `tenant_id = ...` (and, on events, the
external-read policy's OR), the planner estimated about one row whatever the tenant held, and
took a bitmap scan of all the tenant's events plus a sort as cheap as the unique index: on
PostgreSQL 16 each append read every event of its tenant, so appends slowed as the history grew
(401-587 appends/s with pgbench on one connection, against 3,497-4,187 with this table; figures
and command in tests/bench/README.md). Rewording the query did not make the choice safe: with
estimates of one row, every candidate plan costs about the same. (Migration 0013 removes the
policies' part in that, for reads; the append path no longer depends on it either way.)

A row per stream, keyed by (tenant_id, stream_id) and with no other index, leaves the planner
nothing to choose: the check is one primary-key lookup, and it is also the write. Under the
tenant's head lock (taken first, as before), an append with expected version n > 0 runs
`UPDATE stream_heads SET version = n + k WHERE ... AND version = n AND stream_type = $type`; a
new stream (n = 0) is `INSERT ... ON CONFLICT DO NOTHING`. The row and the events commit or roll
back together. `events` stays the record (its unique key on (tenant_id, stream_id, version)
still refuses a duplicate version): if no row was written, the append asks events for the
stream's last version and type and raises the same SQLSTATEs as before, with the actual
version events holds. If events says the caller was right after all, the head was wrong (an
append by a function older than 0012 that committed while 0012 was being applied, or rows loaded
in bulk): it is set to what events holds and the append goes on. So a head can never lock a
stream out. Appends with no expected version (ANY_VERSION) take the version from events, as
before (eventstore_begin_append is unchanged). The application role may update stream_heads as
it may update tenant_heads; `verify` reports a stream whose versions do not run 1, 2, 3, ...
(eventstore/verify.py).

eventstore_append_many (group commit) checks each entry against stream_heads with a plain
lookup (and against events when the two disagree) before the entry's tenant is locked, as it
checked events before, and writes the row after the tenant's head is locked: every function
locks the head first, then the stream, so none can deadlock another. If the stream moved in
between, or its head was wrong, the statement raises and the client appends each entry alone
(through eventstore_append_one, which sets a wrong head right), as before.
"""

from __future__ import annotations

from eventstore.append_many_sql import _ADVANCE_HEAD as _MANY_ADVANCE_HEAD
from eventstore.append_many_sql import APPEND_MANY_FUNCTION as APPEND_MANY_FUNCTION_0010
from eventstore.append_sql import _CHECK_STREAM
from eventstore.append_sql import APPEND_ONE_FUNCTION as APPEND_ONE_FUNCTION_0009
from eventstore.append_sql_0001 import (
    APPEND_FUNCTION as APPEND_FUNCTION_0001,
)
from eventstore.append_sql_0001 import WRONG_STREAM_TYPE, WRONG_VERSION
from eventstore.schema import split_statements, tenant_policy

TABLE = """
CREATE TABLE stream_heads (
    tenant_id    uuid NOT NULL,
    stream_id    uuid NOT NULL,
    stream_type  text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, stream_id)
) WITH (fillfactor = 80);
"""
# fillfactor: room on each page for the new row version, so that advancing a head stays a HOT
# update (no index entry written), as it does for tenant_heads.

# Every existing stream's head, from the events themselves. The owner runs migrations and owns
# events, but events FORCEs row-level security on its owner too (and no tenant is bound here),
# so it is lifted for this one statement, inside the migration's transaction.
BACKFILL = [
    "ALTER TABLE events NO FORCE ROW LEVEL SECURITY",
    """INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
SELECT DISTINCT ON (tenant_id, stream_id) tenant_id, stream_id, stream_type, version
  FROM events ORDER BY tenant_id, stream_id, version DESC""",
    "ALTER TABLE events FORCE ROW LEVEL SECURITY",
]


def _advance_stream(tenant: str, stream: str, stream_type: str, expected: str, count: str) -> str:
    """Check the stream's version and type and advance its head, in one statement; FOUND says
    whether it did."""
    return f"""
    IF {expected} = 0 THEN
        INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
        VALUES ({tenant}, {stream}, {stream_type}, {count}) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE stream_heads s SET version = {expected} + {count}
         WHERE s.tenant_id = {tenant} AND s.stream_id = {stream}
           AND s.version = {expected} AND s.stream_type = {stream_type};
    END IF;"""


# What events holds for a stream: its last version and type. Read only when the head and the
# caller disagree (a conflict, usually), never on an append that goes through.
_STORED = """
          FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
         ORDER BY e.version DESC LIMIT 1;"""


def _check_and_advance(count: str) -> str:
    """eventstore_append_one's and eventstore_append's check, under the head lock: advance the
    stream's head; or, if it does not match, ask events (the record) and raise what was wrong
    (the version first, as before, then the type). A head that lags or leads events while the
    caller's version is right is set to what events holds, and the append goes on."""
    advance = _advance_stream("p_tenant", "p_stream", "p_stream_type", "p_expected", count)
    return f"""{advance}
    IF NOT FOUND THEN
        SELECT e.version, e.stream_type INTO v_current, v_type{_STORED}
        IF coalesce(v_current, 0) <> p_expected THEN
            RAISE EXCEPTION 'stream %: expected version %, actual %',
                p_stream, p_expected, coalesce(v_current, 0)
                USING ERRCODE = '{WRONG_VERSION}', DETAIL = coalesce(v_current, 0)::text;
        END IF;
        IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
            RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
                USING ERRCODE = '{WRONG_STREAM_TYPE}', DETAIL = v_type;
        END IF;
        INSERT INTO stream_heads AS s (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, p_expected + {count})
        ON CONFLICT (tenant_id, stream_id)
        DO UPDATE SET version = excluded.version, stream_type = excluded.stream_type;
    END IF;"""


def _replaced(text: str, old: str, new: str) -> str:
    """`text` with `old` (which must occur exactly once) replaced: the revised functions are
    the frozen ones with the stream check swapped, so a change to those is caught here."""
    if text.count(old) != 1:
        raise AssertionError(f"expected one occurrence of {old!r}")
    return text.replace(old, new)


def _or_replace(function: str) -> str:
    return function.strip().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


APPEND_ONE_FUNCTION = _or_replace(
    _replaced(APPEND_ONE_FUNCTION_0009, _CHECK_STREAM, _check_and_advance("1"))
)
APPEND_FUNCTION = _or_replace(
    _replaced(APPEND_FUNCTION_0001, _CHECK_STREAM, _check_and_advance("v_count"))
)

_MANY_LOOKUP_0010 = """
        SELECT e.version, e.stream_type INTO v_current, v_type
          FROM events e WHERE e.tenant_id = v_tenant AND e.stream_id = p_streams[i]
         ORDER BY e.version DESC LIMIT 1;"""
# The head first; events (the record) only if they disagree, before the entry is refused.
_MANY_LOOKUP = """
        SELECT s.version, s.stream_type INTO v_current, v_type
          FROM stream_heads s WHERE s.tenant_id = v_tenant AND s.stream_id = p_streams[i];
        IF coalesce(v_current, 0) <> p_expected[i] THEN
            SELECT e.version, e.stream_type INTO v_current, v_type
              FROM events e WHERE e.tenant_id = v_tenant AND e.stream_id = p_streams[i]
             ORDER BY e.version DESC LIMIT 1;
        END IF;"""
# After the entry's head is locked: a stream that moved since the check above (or whose head
# disagreed with events) raises, and the client appends each entry alone, where
# eventstore_append_one sets such a head right (as a duplicate version in events raised before).
_MANY_ADVANCE_STREAM = (
    _advance_stream("v_tenant", "p_streams[i]", "p_stream_types[i]", "p_expected[i]", "1").replace(
        "\n    ", "\n        "
    )
    + """
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stream % was appended to after its check', p_streams[i]
                USING ERRCODE = 'serialization_failure';
        END IF;"""
)
APPEND_MANY_FUNCTION = _or_replace(
    _replaced(
        _replaced(APPEND_MANY_FUNCTION_0010, _MANY_LOOKUP_0010, _MANY_LOOKUP),
        _MANY_ADVANCE_HEAD,
        _MANY_ADVANCE_HEAD + _MANY_ADVANCE_STREAM,
    )
)


#: What migration 0012 runs, one statement each. CREATE OR REPLACE keeps each function's owner
#: and grants.
def upgrade_0012(app_role: str) -> list[str]:
    return [
        *split_statements(TABLE),
        *BACKFILL,
        *split_statements(tenant_policy("stream_heads")),
        f"GRANT SELECT, INSERT, UPDATE ON stream_heads TO {app_role}",
        APPEND_ONE_FUNCTION,
        APPEND_FUNCTION,
        APPEND_MANY_FUNCTION,
    ]


#: And what its downgrade runs: the functions as 0009 and 0010 left them, then the table.
DOWNGRADE_0012 = [
    _or_replace(APPEND_ONE_FUNCTION_0009),
    _or_replace(APPEND_FUNCTION_0001),
    _or_replace(APPEND_MANY_FUNCTION_0010),
    "DROP TABLE stream_heads",
]
