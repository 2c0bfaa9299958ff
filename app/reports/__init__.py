"""The candidate report: one attempt read against its assessment's cohort, as a page and a PDF."""
