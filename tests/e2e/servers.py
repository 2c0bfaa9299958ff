"""A real `chainrule serve` on 127.0.0.1 for end-to-end tests, on a free port."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    command: Sequence[str], env: dict[str, str], base: str, cwd: Path | None = None
) -> Iterator[None]:
    """Start `command`, wait until `base`/healthz answers, and stop it on exit."""
    # A file, not a pipe: a pipe nobody reads fills up with access logs and stalls the server.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            list(command), env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    log.seek(0)
                    pytest.fail(f"server did not come up:\n{log.read()}")
                time.sleep(0.2)
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)
