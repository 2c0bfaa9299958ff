"""Expect: rejected: builtins.__import__ is the guarded one."""

import builtins

sock = builtins.__import__("socket")
