"""Incidents: what happened at a home, who must be told by when, and what was learned."""
