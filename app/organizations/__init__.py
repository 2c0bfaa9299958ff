"""Organizations, recruiters and API keys."""
