"""Audits: internal checks of a home from templates of questions mapped to quality statements."""
