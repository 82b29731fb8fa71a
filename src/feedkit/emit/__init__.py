"""Emit items as Atom 1.0, RSS 2.0, JSON Feed 1.1 or an HTML digest.

The step is pure: items (and an optional linking result) in, bytes out.
For the same input and ``updated`` the output is byte-for-byte the same.
See ``docs/emitting.md`` for the rules (ids, fallbacks, provenance, safety).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, get_args

from lxml.etree import LxmlError

from ..errors import EmitError
from ..model import Item
from ._common import FEEDKIT_NS as FEEDKIT_NS
from ._common import ID_PREFIX as ID_PREFIX
from ._common import MAX_LINKS_PER_ENTRY as MAX_LINKS_PER_ENTRY
from ._common import MAX_STORY_LINKS_PER_ENTRY as MAX_STORY_LINKS_PER_ENTRY
from ._common import LinkResultLike as LinkResultLike
from ._common import build_meta, prepare_entries
from ._common import emitted_id as emitted_id
from ._common import original_id as original_id

__all__ = [
    "FEEDKIT_NS",
    "FORMATS",
    "ID_PREFIX",
    "MAX_LINKS_PER_ENTRY",
    "MAX_STORY_LINKS_PER_ENTRY",
    "EmitFormat",
    "LinkResultLike",
    "emit_feed",
    "emitted_id",
    "original_id",
]

EmitFormat = Literal["atom", "rss", "json", "html"]
#: The formats :func:`emit_feed` writes.
FORMATS: tuple[str, ...] = get_args(EmitFormat)


def emit_feed(
    items: Sequence[Item],
    *,
    format: EmitFormat,
    title: str = "feedkit",
    link: str | None = None,
    links: LinkResultLike | None = None,
    merge_duplicates: bool = True,
    feed_id: str | None = None,
    updated: datetime | None = None,
    description: str | None = None,
    self_url: str | None = None,
) -> bytes:
    """Serialise ``items`` as one feed document and return its UTF-8 bytes.

    ``format``: ``"atom"``, ``"rss"``, ``"json"`` (JSON Feed 1.1) or
    ``"html"`` (a standalone digest page).  ``link`` is the home page of the
    aggregate and ``self_url`` the URL the feed will be served at (both must
    be absolute http(s) URLs).  ``links`` is a linking result
    (:func:`feedkit.link.link_items`): with ``merge_duplicates`` (the default)
    each duplicate group becomes one item — the one with the longest clean
    content, then the earliest published — listing the others as its sources;
    stories and relations become ``<link rel="related|previous|next">`` and
    ``_feedkit`` entries.  Items sharing an ``id`` are merged even without
    ``links``.  ``feed_id`` and ``updated`` default to documented fallbacks;
    pass ``updated`` for reproducible output.

    Raises :class:`~feedkit.errors.EmitError` for an unknown format, a
    non-http(s) ``link``/``self_url``, or something that is not an ``Item``.
    Every item field is made safe rather than rejected: characters XML cannot
    carry are dropped, HTML is re-sanitized, unsafe URLs are left out.
    """
    if format not in FORMATS:
        raise EmitError(f"unknown emit format {format!r}; expected one of {', '.join(FORMATS)}")
    items = list(items)
    entries = prepare_entries(items, links, merge_duplicates)
    meta = build_meta(
        items,
        title=title,
        link=link,
        self_url=self_url,
        feed_id=feed_id,
        updated=updated,
        description=description,
    )
    try:
        if format == "atom":
            from .atom_rss import emit_atom

            return emit_atom(entries, meta)
        if format == "rss":
            from .atom_rss import emit_rss

            return emit_rss(entries, meta)
        if format == "json":
            from .jsonfeed import emit_json

            return emit_json(entries, meta)
        from .html import emit_html

        return emit_html(entries, meta)
    except (ValueError, TypeError, LxmlError) as exc:
        # Every field is made safe beforehand (and property tests feed junk to
        # prove it), so this is a last line: a library error never escapes raw.
        raise EmitError(f"could not serialise the feed as {format}: {exc}") from exc
