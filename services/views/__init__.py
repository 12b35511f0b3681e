"""Read-side views: what governance users open, built from projections and the event log."""
