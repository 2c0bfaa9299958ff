"""The REST API for HR tools at /api/v1."""
