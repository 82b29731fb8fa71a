"""Parse feed documents into normalized, sanitized items.

:func:`parse_feed` is the entry point.  It chooses a path:

* JSON Feed 1.0/1.1 documents are read with the json module;
* XML goes through the strict, hardened lxml **fast path**
  (:mod:`feedkit.parse.fast`) when it can;
* anything the fast path declines (not well-formed, DOCTYPE, odd encoding,
  HTTP charset disagreeing with the document, unknown root element) goes
  through the **feedparser fallback** (:mod:`feedkit.parse.fp`).

``ParseResult.parser`` (``"fast"``, ``"feedparser"`` or ``"json"``) and
``ParseResult.parser_reason`` say which path ran and why.  Both XML paths feed
the same normalizer (:func:`feedkit.parse.common.build_result`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from ..errors import NotAFeedError, ParseError
from ..model import ParseResult
from .common import (
    MAX_DOCUMENT_BYTES,
    build_result,
    feed_links_in_html,
    is_html_document,
    prepare_bytes,
    strip_entity_doctype,
)
from .fast import Unsupported, parse_fast
from .jsonfeed import looks_like_json, parse_json_feed

__all__ = ["MAX_DOCUMENT_BYTES", "parse_feed"]

ParserChoice = Literal["auto", "fast", "feedparser"]


def parse_feed(
    data: bytes | str,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    parser: ParserChoice = "auto",
    now: datetime | None = None,
) -> ParseResult:
    """Parse a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.x).

    ``data`` is the document itself, never a path or URL (a ``str`` is
    encoded as UTF-8).  ``url`` is the feed's URL: it scopes item ids and
    resolves relative links (default ``"about:feed"``).  ``headers`` are the
    HTTP response headers (their charset is honoured).  ``parser`` forces a
    path: ``"fast"`` raises :class:`ParseError` when the fast path declines,
    ``"feedparser"`` skips the fast path.  ``now`` is the reference time for
    clamping future dates (no clamping without it).

    Raises :class:`~feedkit.errors.NotAFeedError` (with the page's advertised
    feed links) for an HTML page and :class:`~feedkit.errors.ParseError` for
    anything else that is not a feed; recoverable problems are listed in
    ``ParseResult.warnings``.

    >>> doc = b'''<rss version="2.0"><channel><title>T</title>
    ... <item><title>Hello &amp;amp; bye</title><link>/a?utm_source=x</link></item>
    ... </channel></rss>'''
    >>> result = parse_feed(doc, url="https://example.org/feed.xml")
    >>> result.parser, result.items[0].title, result.items[0].link
    ('fast', 'Hello & bye', 'https://example.org/a')
    """
    if parser not in ("auto", "fast", "feedparser"):
        raise ValueError(f"parser must be 'auto', 'fast' or 'feedparser', not {parser!r}")
    raw_bytes, note = prepare_bytes(data)
    notes = [note] if note else []

    if looks_like_json(raw_bytes):
        raw = parse_json_feed(raw_bytes)
        reason = "JSON Feed, read with the json module"
        return build_result(raw, url=url, now=now, parser="json",
                            reason="; ".join([reason, *notes]), warnings=[])
    if is_html_document(raw_bytes):
        raise NotAFeedError(
            "an HTML page, not a feed", feed_links=feed_links_in_html(raw_bytes, url)
        )
    screened, warnings = strip_entity_doctype(raw_bytes)

    if parser != "feedparser":
        try:
            raw = parse_fast(screened, url=url, headers=headers)
        except Unsupported as exc:
            if parser == "fast":
                raise ParseError(f"fast path declined: {exc.reason}", warnings=warnings) from None
            reason = f"fallback: {exc.reason}"
        else:
            return build_result(raw, url=url, now=now, parser="fast",
                                reason="; ".join(["well-formed XML", *notes]),
                                warnings=warnings)
    else:
        reason = "forced by caller"
    return _fallback(screened, url=url, headers=headers, now=now,
                     reason="; ".join([reason, *notes]), warnings=warnings)


def _fallback(
    data: bytes,
    *,
    url: str | None,
    headers: Mapping[str, str] | None,
    now: datetime | None,
    reason: str,
    warnings: list[str],
) -> ParseResult:
    # imported here so that feedparser loads only when a document needs it
    from .fp import (
        MAX_XML_DEPTH,
        hide_displacing_elements,
        parse_with_feedparser,
        screen_for_feedparser,
        too_deep,
    )

    if too_deep(data):
        raise ParseError(f"elements nested deeper than {MAX_XML_DEPTH} levels",
                         warnings=warnings)
    data, cut = screen_for_feedparser(hide_displacing_elements(data))
    if cut:
        warnings = [*warnings, f"{cut} oversized author field(s) cut before feedparser"]
    raw, fp_warnings = parse_with_feedparser(data, url=url, headers=headers)
    warnings = warnings + fp_warnings
    if raw is None:
        if b"<html" in data[:65536].lower():
            raise NotAFeedError("an HTML page, not a feed",
                                feed_links=feed_links_in_html(data, url), warnings=warnings)
        raise ParseError("not a feed: no RSS, Atom or JSON Feed found", warnings=warnings)
    return build_result(raw, url=url, now=now, parser="feedparser", reason=reason,
                        warnings=warnings)
