"""Render question text (Markdown with $math$) to safe HTML; the page typesets the math."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # Custom questions come from organizations, so raw HTML in Markdown is never passed through.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    # Math becomes <span class="math inline"> / <div class="math block"> holding the escaped TeX:
    # KaTeX typesets it in the browser, and until then the source stays readable.
    dollarmath_plugin(md, allow_digits=False, double_inline=True)
    return md


@lru_cache(maxsize=512)
def render_markdown(text: str, *, heading_shift: int = 0) -> Markup:
    """Return the HTML of a statement or prompt; math is left for KaTeX in the browser.

    `heading_shift` moves the text's headings down (# becomes <h2> with 1) so they sit under
    the page's own heading.
    """
    md = _renderer()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + heading_shift)}"
    return Markup(md.renderer.render(tokens, md.options, {}))


def render_inline(text: str) -> Markup:
    """Return the HTML of a one-paragraph text (a prompt, a choice) without the <p> wrapper."""
    return Markup(_renderer().renderInline(text))
