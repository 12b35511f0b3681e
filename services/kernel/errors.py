"""Domain errors. Each maps to one HTTP status in services/http/problems.py, and nowhere else."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a context raises."""


class RecordNotFound(DomainError):
    def __init__(self, collection: str, record_id: object) -> None:
        super().__init__(f"no {collection} record {record_id}")
        self.collection = collection
        self.record_id = record_id


class InvalidCommand(DomainError):
    """The command is well-formed but not allowed: a field is wrong for this record's state."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    """The record's status does not allow this command (e.g. completing a cancelled action)."""


class Forbidden(DomainError):
    """The caller may not do this."""


class VersionMismatch(DomainError):
    """If-Match named a version that is no longer current."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"If-Match version {expected} is stale; the record is at version {actual}")
        self.expected = expected
        self.actual = actual
