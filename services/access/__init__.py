"""External viewers: grants of homes to local authorities and regulators, their read path, and
the access log every one of their reads leaves in the provider's own event log."""
