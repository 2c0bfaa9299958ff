"""The judge's own failure: the sandbox could not run the job (never what candidate code did)."""


class SandboxError(RuntimeError):
    """The sandbox itself failed: it could not start, lacks a layer, or was killed by the host."""
