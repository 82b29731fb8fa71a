"""Boilerplate removal on plain text, and HTML-to-text for checks and display.

Plain text (a scraped page's text, a ``<description>`` without markup) has
its boilerplate on lines of its own.  :func:`clean_text` applies the same
text rules as the HTML path line by line (via
:func:`feedkit.clean.boilerplate.match_lines`), so a ``Previous Article`` line
followed by a title line becomes ``NavLink(rel="previous", title=...)`` with
no URL (plain text has none).

:func:`html_to_text` renders cleaned HTML as text with paragraphs separated
by blank lines; :func:`item_text` joins an item's summary and content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree

from ..model import Item, NavLink
from .boilerplate import Hit, match_lines
from .dom import BLOCK_TAGS, parse_fragment
from .rules import DEFAULT_RULES, RuleSet

__all__ = ["TextResult", "clean_text", "html_to_text", "item_text"]

_BLANKS = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class TextResult:
    """The outcome of :func:`clean_text`."""

    text: str
    changed: bool
    hits: tuple[Hit, ...] = ()
    navigation: tuple[NavLink, ...] = ()


def clean_text(
    text: str, rules: RuleSet = DEFAULT_RULES, *, title: str | None = None
) -> TextResult:
    """Remove boilerplate lines from plain text and capture navigation titles."""
    if not text or not text.strip():
        return TextResult(text, False)
    lines = text.splitlines()
    remove, navs = match_lines(lines, rules, title=title)
    if not remove:
        return TextResult(text, False)
    hits = tuple(
        Hit(remove[i].kind, remove[i].name, " ".join(lines[i].split())) for i in sorted(remove)
    )
    kept = [line for i, line in enumerate(lines) if i not in remove]
    out = _BLANKS.sub("\n\n", "\n".join(kept)).strip()
    return TextResult(out, True, hits, tuple(navs))


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: blocks and ``<br>`` become line breaks."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        import html as _html

        return _html.unescape(html).strip()
    root = parse_fragment(html)
    parts: list[str] = []
    # iterwalk is iterative: deep markup cannot exhaust the Python stack
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in BLOCK_TAGS
        if event == "start":
            if block:
                parts.append("\n\n")
            elif tag == "br":
                parts.append("\n")
            if el.text and isinstance(el.tag, str):
                parts.append(el.text)
        else:
            if block:
                parts.append("\n\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    text = "".join(parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def item_text(item: Item) -> str:
    """The text of an item's summary and content (blank-line separated)."""
    return "\n\n".join(
        t for t in (html_to_text(item.summary), html_to_text(item.content_html)) if t
    )
