"""What every care-governance record shares: events, deciders, the one command-handling path."""
