"""Atom 1.0 and RSS 2.0 through feedgen.

feedgen builds the standard elements.  What it cannot express — a complete
Atom ``<source>`` (id, title, self link), ``rel="previous"/"next"`` links,
per-entry ``xml:lang``, RSS ``<source url>`` for each item, ``dc:creator``
and the ``fk:`` provenance elements — is added through feedgen's own
extension mechanism (an extension object registered on *this* generator,
whose hooks receive each entry's lxml element), never by patching feedgen.

RSS item dates are written by this module with :func:`email.utils.format_datetime`
rather than feedgen's ``formatRFC2822``, which switches the process-wide
locale while it formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from email.utils import format_datetime
from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree

from ._common import (
    FEEDKIT_NS,
    EmitEntry,
    EmitLink,
    FeedMeta,
    clean_text,
    emitted_id,
    fallback_title,
    plain_text,
    safe_email,
    safe_http_url,
    safe_language,
    utc,
)

__all__ = ["emit_atom", "emit_rss"]

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_MIME_PART = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]{0,126}"
_MIME = re.compile(rf"^{_MIME_PART}/{_MIME_PART}$")

_Hook = Callable[[Any], None]


class _AtomFeedExtension:
    """Declares the ``fk:`` namespace on the Atom root."""

    def extend_ns(self) -> dict[str, str]:
        return {"fk": FEEDKIT_NS}

    def extend_atom(self, feed: Any) -> Any:
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _RssFeedExtension(_AtomFeedExtension):
    """Declares the ``fk:`` and ``dc:`` namespaces on the RSS root."""

    def extend_ns(self) -> dict[str, str]:
        return {"fk": FEEDKIT_NS, "dc": DC_NS}


class _EntryExtension:
    """Per-entry hook: ``hook`` receives the finished lxml entry/item element."""

    def __init__(self) -> None:
        self.hook: _Hook | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: Any) -> Any:
        if self.hook is not None:
            self.hook(entry)
        return entry

    def extend_rss(self, item: Any) -> Any:
        if self.hook is not None:
            self.hook(item)
        return item


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, {k: clean_text(v) for k, v in attrs.items() if v})
    if text:
        el.text = clean_text(text)
    return el


def _distinct_links(entry: EmitEntry) -> list[EmitLink]:
    """The entry's links that have a URL, one per (rel, href)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for ln in entry.links:
        if ln.href and (ln.rel, ln.href) not in seen:
            seen.add((ln.rel, ln.href))
            out.append(ln)
    return out


def _fk_elements(parent: Any, entry: EmitEntry, entries: Sequence[EmitEntry]) -> None:
    """``fk:source`` per merged duplicate, ``fk:story``, ``fk:relation`` per link."""
    for src in entry.sources:
        _sub(parent, f"{{{FEEDKIT_NS}}}source", plain_text(src.title),
             id=emitted_id(src.id), feed=emitted_id(src.feed_url),
             **{"feed-title": plain_text(src.feed_title)}, link=safe_http_url(src.link) or "")
    if entry.story is not None:
        _sub(parent, f"{{{FEEDKIT_NS}}}story", id=entry.story.id,
             size=str(entry.story_size), reason=entry.story.reason)
    for ln in entry.links:
        if ln.target_entry is not None:
            target = emitted_id(entries[ln.target_entry].item.id)
        else:
            target = safe_http_url(ln.target) or emitted_id(ln.target)
        _sub(parent, f"{{{FEEDKIT_NS}}}relation", kind=ln.kind, target=target,
             score="" if ln.score is None else format(ln.score, ".6g"), reason=ln.reason,
             link=ln.href or "")


def _setup(meta: FeedMeta, feed_ext: type[_AtomFeedExtension]) -> Any:
    fg = FeedGenerator()
    fg.register_extension("feedkit", feed_ext, _EntryExtension, atom=True, rss=True)
    fg.title(meta.title)
    fg.updated(meta.updated)
    fg.generator("feedkit")
    if meta.link:
        fg.link(href=meta.link, rel="alternate")
    if meta.self_url:
        fg.link(href=meta.self_url, rel="self")
    return fg


def _serialize(fg: Any, method: str) -> bytes:
    return bytes(getattr(fg, method)(pretty=True, encoding="UTF-8", xml_declaration=True))


def emit_atom(entries: Sequence[EmitEntry], meta: FeedMeta) -> bytes:
    """Serialise prepared entries as an Atom 1.0 document (UTF-8 bytes).

    Fallbacks (Atom requires them): entry title → :func:`fallback_title`;
    entry updated → item updated, else published, else the feed's updated;
    a feed-level ``<author>`` named after the feed title when some entry has
    no author; an empty ``<content type="html"/>`` when an entry has neither
    content, summary nor link.
    """
    fg = _setup(meta, _AtomFeedExtension)
    fg.id(meta.feed_id)
    if meta.description:
        fg.subtitle(meta.description)
    needs_feed_author = False
    for entry in entries:
        item = entry.item
        fe = fg.add_entry(order="append")
        fe.id(emitted_id(item.id))
        fe.title(fallback_title(item))
        fe.updated(utc(item.updated) or utc(item.published) or meta.updated)
        published = utc(item.published)
        if published is not None:
            fe.published(published)
        authors = [
            {k: v for k, v in (("name", name), ("email", safe_email(a.email) or ""),
                               ("uri", safe_http_url(a.uri) or "")) if v}
            for a in item.authors
            if (name := plain_text(a.name or a.email))
        ]
        if authors:
            fe.author(authors)
        else:
            needs_feed_author = True
        link = safe_http_url(item.link)
        if link:
            fe.link(href=link, rel="alternate")
        content = entry.content_html or entry.summary_html
        if content or not link:
            fe.content(content, type="html")
        if entry.summary_html and entry.content_html:
            fe.summary(entry.summary_html, type="html")
        for cat in item.categories:
            term = plain_text(cat)
            if term:
                fe.category(term=term)
        fe.feedkit.hook = _atom_hook(entry, entries)
    if needs_feed_author:
        fg.author(name=meta.title)
    return _serialize(fg, "atom_str")


def _atom_hook(entry: EmitEntry, entries: Sequence[EmitEntry]) -> _Hook:
    item = entry.item

    def hook(el: Any) -> None:
        lang = safe_language(item.language)
        if lang:
            el.set(_XML_LANG, lang)
        # feedgen builds Atom elements without a namespace under a root that
        # declares Atom as the default one; these follow the same convention.
        for enc in item.enclosures:
            url = safe_http_url(enc.url)
            if url:
                attrs = {"rel": "enclosure", "href": url}
                if enc.type and _MIME.match(enc.type):
                    attrs["type"] = enc.type
                if enc.length is not None and enc.length >= 0:
                    attrs["length"] = str(enc.length)
                _sub(el, "link", **attrs)
        own = safe_http_url(item.link)
        via_seen = {own} if own else set()
        for src in entry.sources:
            via = safe_http_url(src.link)
            if via and via not in via_seen:
                via_seen.add(via)
                _sub(el, "link", rel="via", href=via)
        for ln in _distinct_links(entry):
            _sub(el, "link", rel=ln.rel, href=ln.href or "", title=ln.title or "")
        source = _sub(el, "source")
        _sub(source, "id", emitted_id(item.feed_url))
        if plain_text(item.feed_title):
            _sub(source, "title", plain_text(item.feed_title))
        feed_href = safe_http_url(item.feed_url)
        if feed_href:
            _sub(source, "link", rel="self", href=feed_href)
        _fk_elements(el, entry, entries)

    return hook


def emit_rss(entries: Sequence[EmitEntry], meta: FeedMeta) -> bytes:
    """Serialise prepared entries as an RSS 2.0 document (UTF-8 bytes).

    Titles are plain text made inert by :func:`plain_text` (no ``<`` that
    could open a tag survives), so readers that render RSS ``<title>`` as
    HTML show them as text.  Channel fallbacks (RSS requires them): link →
    ``about:blank``; description → the feed title.  An item with neither
    title nor description gets :func:`fallback_title`.
    """
    fg = _setup(meta, _RssFeedExtension)
    if not meta.link:
        fg.link(href="about:blank", rel="alternate")
    fg.description(meta.description or meta.title)
    for entry in entries:
        item = entry.item
        fe = fg.add_entry(order="append")
        fe.guid(emitted_id(item.id), permalink=False)
        description = entry.summary_html or entry.content_html
        title = plain_text(item.title)
        if title or not description:
            fe.title(title or fallback_title(item))
        link = safe_http_url(item.link)
        if link:
            fe.link(href=link, rel="alternate")
        if entry.summary_html and entry.content_html:
            fe.description(entry.summary_html, isSummary=True)
            fe.content(entry.content_html)
        elif description:
            fe.description(description, isSummary=True)
        enclosure = next((e for e in item.enclosures if safe_http_url(e.url)), None)
        if enclosure is not None:
            mime = enclosure.type if enclosure.type and _MIME.match(enclosure.type) else None
            length = enclosure.length if enclosure.length and enclosure.length > 0 else 0
            fe.enclosure(safe_http_url(enclosure.url), str(length),
                         mime or "application/octet-stream")
        for cat in item.categories:
            term = plain_text(cat)
            if term:
                fe.category(term=term)
        fe.feedkit.hook = _rss_hook(entry, entries)
    return _serialize(fg, "rss_str")


def _rss_hook(entry: EmitEntry, entries: Sequence[EmitEntry]) -> _Hook:
    item = entry.item

    def hook(el: Any) -> None:
        for a in item.authors:
            name = plain_text(a.name or a.email)
            if name:
                _sub(el, f"{{{DC_NS}}}creator", name)
        when = utc(item.published) or utc(item.updated)
        if when is not None:
            _sub(el, "pubDate", format_datetime(when))
        feed_href = safe_http_url(item.feed_url)
        if feed_href:
            _sub(el, "source", plain_text(item.feed_title) or feed_href, url=feed_href)
        for ln in _distinct_links(entry):
            _sub(el, f"{{{ATOM_NS}}}link", rel=ln.rel, href=ln.href or "")
        _fk_elements(el, entry, entries)

    return hook
