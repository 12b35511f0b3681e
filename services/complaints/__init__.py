"""Complaints: received, acknowledged and answered within the tenant's working-day deadlines."""
