"""Demo data for `caretrail up --demo`: two provider groups with six months of history."""

from infra.demo.seed import seed_demo

__all__ = ["seed_demo"]
