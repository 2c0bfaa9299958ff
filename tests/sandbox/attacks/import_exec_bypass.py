"""Expect: rejected: exec'd imports meet the guard too."""

exec("import ctypes")
