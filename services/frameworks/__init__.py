"""Assessment frameworks (CQC Single Assessment Framework and later versions) as versioned data."""

from services.frameworks.catalogue import (
    EvidenceCategory,
    Framework,
    FrameworkCatalogue,
    FrameworkMapping,
    Instrument,
    KeyQuestion,
    QualityStatement,
    Rating,
    Regulation,
    ScoreLevel,
    default_catalogue,
)
from services.frameworks.errors import (
    FrameworkError,
    InvalidFrameworkData,
    NoFrameworkMapping,
    UnknownFramework,
    UnknownQualityStatement,
    UnknownRegulation,
)

__all__ = [
    "EvidenceCategory",
    "Framework",
    "FrameworkCatalogue",
    "FrameworkError",
    "FrameworkMapping",
    "Instrument",
    "InvalidFrameworkData",
    "KeyQuestion",
    "NoFrameworkMapping",
    "QualityStatement",
    "Rating",
    "Regulation",
    "ScoreLevel",
    "UnknownFramework",
    "UnknownQualityStatement",
    "UnknownRegulation",
    "default_catalogue",
]
