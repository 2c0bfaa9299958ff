"""Candidates and their invitations."""
