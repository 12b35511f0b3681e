"""Feedback: compliments, suggestions, surveys and meeting points, closed by "you said, we did"."""
