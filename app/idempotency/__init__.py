"""Idempotent POSTs: claim a key, store the first response, replay it to retries."""
