"""Provider groups (tenants), regions, locations (homes), users and people."""
