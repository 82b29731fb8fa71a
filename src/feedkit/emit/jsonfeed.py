"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written with :mod:`json`.

Provenance, merged duplicates, the story and the relations of each item go
in a ``_feedkit`` extension object (JSON Feed's rule: custom keys start with
an underscore).  ``<``, ``>`` and ``&`` are written as ``\\u003c`` /
``\\u003e`` / ``\\u0026`` so the document stays inert even if someone inlines
it in an HTML ``<script>`` block; the decoded values are unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..model import Item
from ._common import (
    EmitEntry,
    EmitLink,
    FeedMeta,
    emitted_id,
    html_to_text,
    plain_text,
    safe_http_url,
    safe_language,
    utc,
)

__all__ = ["JSONFEED_VERSION", "emit_json"]

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
            "\u2029": "\\u2029"}


def _text(value: str | None) -> str | None:
    return plain_text(value) or None


def _iso(item_date: Any) -> str | None:
    when = utc(item_date)
    return when.isoformat() if when is not None else None


def _source(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": _raw_id(item.id), "feed_id": emitted_id(item.feed_url)}
    for key, value in (
        ("feed_url", safe_http_url(item.feed_url)),
        ("feed_title", _text(item.feed_title)),
        ("url", safe_http_url(item.link)),
        ("title", _text(item.title)),
        ("date_published", _iso(item.published)),
    ):
        if value is not None:
            out[key] = value
    return out


def _raw_id(value: str) -> str:
    """The item id as is, except lone surrogates (not encodable in UTF-8) → U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def _relation(ln: EmitLink, entries: Sequence[EmitEntry]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": ln.kind, "rel": ln.rel, "target": _raw_id(ln.target)}
    if ln.target_entry is not None:
        out["target_id"] = _raw_id(entries[ln.target_entry].item.id)
    if ln.href:
        out["url"] = ln.href
    if ln.title:
        out["title"] = ln.title
    if ln.score is not None:
        out["score"] = ln.score
    if ln.reason:
        out["reason"] = ln.reason
    return out


def _item(entry: EmitEntry, entries: Sequence[EmitEntry]) -> dict[str, Any]:
    item = entry.item
    out: dict[str, Any] = {"id": _raw_id(item.id)}
    url = safe_http_url(item.link)
    if url:
        out["url"] = url
    title = _text(item.title)
    if title:
        out["title"] = title
    content = entry.content_html or entry.summary_html
    if content:
        out["content_html"] = content
    else:
        out["content_text"] = ""
    if entry.summary_html and entry.content_html:
        summary = plain_text(html_to_text(entry.summary_html))
        if summary:
            out["summary"] = summary
    for key, value in (("date_published", _iso(item.published)),
                       ("date_modified", _iso(item.updated))):
        if value:
            out[key] = value
    authors = []
    for a in item.authors:
        author: dict[str, str] = {}
        name = _text(a.name or a.email)
        if name:
            author["name"] = name
        uri = safe_http_url(a.uri)
        if uri:
            author["url"] = uri
        if author:
            authors.append(author)
    if authors:
        out["authors"] = authors
    tags = [t for t in (_text(c) for c in item.categories) if t]
    if tags:
        out["tags"] = tags
    lang = safe_language(item.language)
    if lang:
        out["language"] = lang
    attachments = []
    for enc in item.enclosures:
        enc_url = safe_http_url(enc.url)
        if not enc_url:
            continue
        att: dict[str, Any] = {"url": enc_url,
                               "mime_type": _text(enc.type) or "application/octet-stream"}
        if enc.length is not None and enc.length >= 0:
            att["size_in_bytes"] = enc.length
        attachments.append(att)
    if attachments:
        out["attachments"] = attachments
    ext: dict[str, Any] = {"feed_id": emitted_id(item.feed_url)}
    feed_url = safe_http_url(item.feed_url)
    if feed_url:
        ext["feed_url"] = feed_url
    feed_title = _text(item.feed_title)
    if feed_title:
        ext["feed_title"] = feed_title
    ext["sources"] = [_source(src) for src in entry.sources]
    if entry.story is not None:
        ext["story"] = {
            "id": _raw_id(entry.story.id),
            "size": entry.story_size,
            "reason": plain_text(entry.story.reason),
        }
    if entry.links:
        ext["relations"] = [_relation(ln, entries) for ln in entry.links]
    out["_feedkit"] = ext
    return out


def emit_json(entries: Sequence[EmitEntry], meta: FeedMeta) -> bytes:
    """Serialise prepared entries as a JSON Feed 1.1 document (UTF-8 bytes).

    Every item has ``id`` and ``content_html`` (or an empty ``content_text``
    when it has no HTML at all, since the spec requires one of them);
    ``summary`` is the plain text of the item's summary when it also has
    content.  Only http(s) URLs are written.
    """
    doc: dict[str, Any] = {"version": JSONFEED_VERSION, "title": meta.title}
    if meta.link:
        doc["home_page_url"] = meta.link
    if meta.self_url:
        doc["feed_url"] = meta.self_url
    if meta.description:
        doc["description"] = meta.description
    doc["items"] = [_item(entry, entries) for entry in entries]
    doc["_feedkit"] = {"feed_id": meta.feed_id, "updated": meta.updated.isoformat(),
                       "generator": "feedkit"}
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
    for raw, escaped in _ESCAPES.items():
        text = text.replace(raw, escaped)
    return text.encode("utf-8")
