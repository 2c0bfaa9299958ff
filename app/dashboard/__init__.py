"""The recruiter's dashboard: open assessments, recent completions, what needs attention."""
