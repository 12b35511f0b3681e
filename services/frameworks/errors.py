"""Domain errors raised when framework reference data is missing, unknown or malformed."""

from __future__ import annotations


class FrameworkError(Exception):
    """Base for every framework reference-data error, so the edge can map them in one place."""


class InvalidFrameworkData(FrameworkError, ValueError):
    """A framework or mapping data file does not match the expected shape or contradicts itself."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"invalid framework data in {source}: {problem}")
        self.source = source
        self.problem = problem


class UnknownFramework(FrameworkError, LookupError):
    """No framework version with this id is loaded."""

    def __init__(self, framework_id: str) -> None:
        super().__init__(f"unknown framework {framework_id!r}")
        self.framework_id = framework_id


class UnknownQualityStatement(FrameworkError, LookupError):
    """The framework version has no quality statement with this id."""

    def __init__(self, framework_id: str, statement_id: str) -> None:
        super().__init__(f"framework {framework_id!r} has no quality statement {statement_id!r}")
        self.framework_id = framework_id
        self.statement_id = statement_id


class UnknownRegulation(FrameworkError, LookupError):
    """The framework version lists no regulation with this id."""

    def __init__(self, framework_id: str, regulation_id: str) -> None:
        super().__init__(f"framework {framework_id!r} lists no regulation {regulation_id!r}")
        self.framework_id = framework_id
        self.regulation_id = regulation_id


class NoFrameworkMapping(FrameworkError, LookupError):
    """No chain of mapping files leads from one framework version to the other."""

    def __init__(self, from_framework: str, to_framework: str) -> None:
        super().__init__(f"no mapping from framework {from_framework!r} to {to_framework!r}")
        self.from_framework = from_framework
        self.to_framework = to_framework
