"""Assessments: composing them from questions and reading them back."""
