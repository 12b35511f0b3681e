"""Assessment frameworks (CQC Single Assessment Framework and later versions) as versioned data."""

from services.frameworks.catalogue import (
    EvidenceCategory,
    Framework,
    FrameworkCatalogue,
    FrameworkMapping,
    KeyQuestion,
    QualityStatement,
    Regulation,
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
    "InvalidFrameworkData",
    "KeyQuestion",
    "NoFrameworkMapping",
    "QualityStatement",
    "Regulation",
    "UnknownFramework",
    "UnknownQualityStatement",
    "UnknownRegulation",
    "default_catalogue",
]
