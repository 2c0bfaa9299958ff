"""Trusted grading: tasks, cases, numerical checks, the grader and its reports."""
