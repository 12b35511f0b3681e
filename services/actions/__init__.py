"""Improvement actions: the action plan, where every change is a new version of the action."""
