"""The HTTP edge shared by every context: who is calling, errors, and the record routes."""
