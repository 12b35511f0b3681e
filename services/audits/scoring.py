"""How audit answers become a score and a red / amber / green rating (N/A excluded)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Literal

from services.audits.library import Rag
from services.kernel.errors import InvalidCommand

AnswerValue = Literal["yes", "no", "na"]

DEFAULT_GREEN_AT = 0.9
DEFAULT_AMBER_AT = 0.75


def exact_score(answers: Iterable[AnswerValue]) -> Fraction | None:
    """Yes answers over yes-and-no answers; None when every question was N/A (nothing to score)."""
    values = list(answers)
    yes, no = values.count("yes"), values.count("no")
    return Fraction(yes, yes + no) if yes + no else None


def rag(value: Fraction | float | None, green_at: float, amber_at: float) -> Rag | None:
    """Thresholds are inclusive and compared as the decimals they were written as (0.95, not
    the nearest binary float), so 19 yes out of 20 is green at 0.95."""
    if value is None:
        return None
    exact = value if isinstance(value, Fraction) else Fraction(str(value))
    if exact >= Fraction(str(green_at)):
        return "green"
    if exact >= Fraction(str(amber_at)):
        return "amber"
    return "red"


def rate(
    answers: Iterable[AnswerValue], green_at: float, amber_at: float
) -> tuple[float | None, Rag | None]:
    """The score (0 to 1) and its rating."""
    exact = exact_score(answers)
    return (float(exact) if exact is not None else None), rag(exact, green_at, amber_at)


def check_thresholds(green_at: float, amber_at: float) -> None:
    """0 < amber_at < green_at <= 1, as the starter library requires of its own templates."""
    if not 0 < green_at <= 1:
        raise InvalidCommand("green_at", "must be more than 0 and at most 1")
    if not 0 < amber_at < green_at:
        raise InvalidCommand("amber_at", "must be more than 0 and less than green_at")
