"""Trusted grading: task folders, cases, checks and the mutants the bank is validated with."""
