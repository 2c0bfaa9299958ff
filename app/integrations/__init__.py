"""Applicant-tracking system integrations (the Greenhouse assessment partner API)."""
