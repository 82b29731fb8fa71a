"""JSON Feed 1.0 / 1.1 reader (the json module; feedparser does not read JSON).

https://www.jsonfeed.org/version/1.1/ — 1.0's ``author`` and 1.1's
``authors`` are both read; ``content_html`` wins over ``content_text``;
``summary`` is plain text per the spec.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import ParseError
from ..model import Author, Enclosure
from ..normalize import parse_date
from .common import RawEntry, RawFeed, RawText

__all__ = ["looks_like_json", "parse_json_feed"]


# Characters an XML document cannot carry (C0 controls but tab/LF/CR, lone
# surrogates, U+FFFE/U+FFFF).  JSON escapes can produce them; the XML paths
# never do, and lxml (sanitizer, cleaners) refuses them, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [_NOT_XML.sub("", v) if isinstance(v, str) else v for v in value]
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: _xml_safe(value) for key, value in pairs}


def looks_like_json(data: bytes) -> bool:
    """Whether the document starts like a JSON object."""
    return data.lstrip()[:1] == b"{"


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _authors(obj: dict[str, Any]) -> list[Author]:
    found: list[Author] = []
    raw = obj.get("authors")
    candidates = raw if isinstance(raw, list) else []
    if isinstance(obj.get("author"), dict):
        candidates = [*candidates, obj["author"]]
    for a in candidates:
        if isinstance(a, dict) and (_str(a.get("name")) or _str(a.get("url"))):
            found.append(Author(name=_str(a.get("name")), uri=_str(a.get("url"))))
    return found


def parse_json_feed(data: bytes) -> RawFeed:
    """Read JSON Feed bytes into a :class:`RawFeed`; raise :class:`ParseError` otherwise."""
    try:
        doc = json.loads(data, object_pairs_hook=_object)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"invalid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ParseError("JSON document is not an object")
    version = _str(doc.get("version")) or ""
    if not version.startswith(("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")):
        raise ParseError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed without an items array")
    warnings: list[str] = []
    feed = RawFeed(
        format="json" + version.rstrip("/").rsplit("/", 1)[-1],
        title=RawText(doc["title"], "text") if _str(doc.get("title")) else None,
        link=_str(doc.get("home_page_url")),
        description=RawText(doc["description"], "text") if _str(doc.get("description")) else None,
        language=_str(doc.get("language")),
        authors=_authors(doc),
        icon=_str(doc.get("icon")) or _str(doc.get("favicon")),
        self_url=_str(doc.get("feed_url")),
        warnings=warnings,
    )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            warnings.append(f"item {index} is not an object; skipped")
            continue
        feed.entries.append(_entry(item, warnings))
    return feed


def _date(value: Any, warnings: list[str]) -> Any:
    text = _str(value)
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        warnings.append(f"unreadable date {text[:60]!r}")
    return parsed


def _entry(item: dict[str, Any], warnings: list[str]) -> RawEntry:
    content = None
    if _str(item.get("content_html")):
        content = RawText(item["content_html"], "html")
    elif _str(item.get("content_text")):
        content = RawText(item["content_text"], "text")
    e = RawEntry(
        guid=_str(item.get("id")),
        # JSON Feed titles are plain text by the spec, but publishers routinely
        # put entities in them; they are read like RSS titles (unescaped).
        title=RawText(item["title"], "html") if _str(item.get("title")) else None,
        link=_str(item.get("url")) or _str(item.get("external_url")),
        published=_date(item.get("date_published"), warnings),
        updated=_date(item.get("date_modified"), warnings),
        authors=_authors(item),
        summary=RawText(item["summary"], "text") if _str(item.get("summary")) else None,
        content=content,
        language=_str(item.get("language")),
    )
    tags = item.get("tags")
    if isinstance(tags, list):
        e.categories = [t for t in tags if isinstance(t, str)]
    attachments = item.get("attachments")
    if isinstance(attachments, list):
        for a in attachments:
            if isinstance(a, dict) and _str(a.get("url")):
                size = a.get("size_in_bytes")
                e.enclosures.append(Enclosure(
                    url=a["url"], type=_str(a.get("mime_type")),
                    length=size if isinstance(size, int) and not isinstance(size, bool) else None,
                ))
    for name in ("image", "banner_image", "external_url"):
        value = _str(item.get(name))
        if value:
            e.extra[name] = value
    return e
