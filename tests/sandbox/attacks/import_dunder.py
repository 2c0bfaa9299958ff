"""Expect: rejected: __import__ at module level meets the guard."""

sp = __import__("subprocess")
