"""The browser UI: server-rendered pages, one router per page group (DESIGN.md §10)."""
