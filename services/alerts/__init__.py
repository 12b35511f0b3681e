"""Alerts: what the detectors found, as event-sourced records (raised, acknowledged, escalated,
resolved), one stream per condition so a condition never has two open alerts."""
