"""Expect: rejected: importlib is outside the allowlist."""

import importlib

ct = importlib.import_module("ctypes")
