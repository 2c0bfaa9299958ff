"""Read a PDF back the way a person would: its text (pdftotext) and its pages as PNG (pdftoppm)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode()


def pdf_pages_as_png(pdf: bytes, prefix: Path, *, dpi: int = 80) -> list[Path]:
    """Write <prefix>-<n>.png for each page; return them in page order."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-", str(prefix)],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))
