"""Background work: dramatiq actors run by `caretrail worker`, periodic jobs sent by `caretrail
scheduler` (see workers/schedule.py), and the nudge the API sends after each write.

To add actors, write a module of plain module-level `@dramatiq.actor` functions that take ids
(see workers/projections.py and workers/runtime.py for async actors using the process's pool and
Records) and add its dotted name to ACTOR_MODULES: `workers.broker.configure` imports them in
every process (API, worker, scheduler), after it has set the broker.
"""

#: Every module of actors, imported by `workers.broker.configure`.
ACTOR_MODULES: list[str] = [
    "workers.projections",
    "workers.trail",
    "workers.delivery",
    "workers.alerting",
]
