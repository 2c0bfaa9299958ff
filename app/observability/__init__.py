"""Metrics (Prometheus) and structured logs (structlog) of the API and the grading workers."""
