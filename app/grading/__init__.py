"""Grading: the only importer of sandbox; turns submissions into sandbox calls and back."""
