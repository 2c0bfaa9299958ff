"""Attempts: taking an assessment, saving answers, submitting, and reading results."""
