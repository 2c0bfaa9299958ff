"""Scoring: answers to points, per question and per skill."""
