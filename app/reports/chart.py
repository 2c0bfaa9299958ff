"""The per-skill profile as an SVG chart drawn on the server (matplotlib), for page and PDF alike.

The same SVG bytes go into the page and into the PDF, so both show one picture. It is drawn with
glyphs as paths, so no font on the reader's machine can change it.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from app.reports.cohort import SkillStanding

CANDIDATE = "#1f5f8b"  # the page's accent colour
COHORT = "#1c2330"
BAND = "#8a96a8"
_RC: dict[Any, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "chainrule-report",
    "font.family": "DejaVu Sans",
}


def skill_label(skill: str) -> str:
    return skill.replace("_", " ").capitalize()


WIDE = 7.2  # inches: the page at desktop width and the PDF
NARROW = 4.0  # a phone's width, so the labels stay as large as the page's text


def profile_svg(skills: list[SkillStanding], *, width: float = WIDE) -> str:
    """An SVG document: one bar per skill for the candidate, the cohort's mean and middle half."""
    rows = list(reversed(skills))  # matplotlib counts rows from the bottom
    narrow = width < WIDE
    height = (1.6 if narrow else 1.1) + 0.55 * max(len(rows), 1)
    # Figure() rather than pyplot: no global figure manager, safe in the server's threads.
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(width, height), layout="constrained")
        axes = figure.add_subplot()
        ys = range(len(rows))
        axes.barh(
            ys, [100 * r.fraction for r in rows], height=0.5, color=CANDIDATE, label="Candidate"
        )
        band = [(i, r) for i, r in enumerate(rows) if r.cohort_low is not None]
        if band:
            axes.hlines(
                [i for i, _ in band],
                [100 * (r.cohort_low or 0) for _, r in band],
                [100 * (r.cohort_high or 0) for _, r in band],
                colors=BAND,
                linewidth=7,
                alpha=0.55,
                label="Cohort, middle half",
            )
            axes.plot(
                [100 * (r.cohort_mean or 0) for _, r in band],
                [i for i, _ in band],
                linestyle="none",
                marker="D",
                markersize=7,
                color=COHORT,
                label="Cohort mean",
            )
        axes.set_yticks(list(ys), [skill_label(r.skill) for r in rows])
        axes.set_xlim(0, 100)
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_xlabel("Share of the skill's points (%)")
        axes.xaxis.grid(visible=True, color="#d6dbe3")
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        handles, labels = axes.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] != "Candidate")
        axes.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=1 if narrow else 3,
            frameon=False,
        )
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


@lru_cache(maxsize=256)
def profile_data_url(skills: tuple[SkillStanding, ...], width: float = WIDE) -> str:
    """The chart as a data: URL for an <img>, kept per distinct profile (drawing one costs
    50-300 ms, and a profile changes only when an attempt of the assessment finishes).

    An image rather than inline <svg>: the page's strict CSP forbids the inline styles
    matplotlib's SVG carries, and an image is a document of its own.
    """
    svg = profile_svg(list(skills), width=width)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
