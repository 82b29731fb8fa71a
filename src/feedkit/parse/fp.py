"""The feedparser adapter: the one module in feedkit that imports feedparser.

feedparser is the universal fallback for documents the fast path declines
(ill-formed XML, odd encodings, DOCTYPEs, unknown roots).  It is called on a
``BytesIO`` (never a string: it would open paths and URLs), with the
response headers, and with its own sanitizer and relative-URI pass off
(feedkit sanitizes and resolves URLs itself).

Before feedparser sees the bytes, :func:`screen_for_feedparser` protects it
from its known holes: the DOCTYPE entity screening of
:func:`~feedkit.parse.common.strip_entity_doctype` (quadratic blowup,
billion laughs) and cutting absurdly long author/e-mail fields
(kurtmckee/feedparser#562: its e-mail regex takes seconds on a 32 kB
author field).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from ..errors import ParseError
from ..model import Author, Enclosure
from .common import RawEntry, RawFeed, RawText, split_author

__all__ = ["MAX_FIELD_BYTES", "parse_with_feedparser", "screen_for_feedparser"]

#: Author-like fields longer than this are cut before feedparser reads them.
MAX_FIELD_BYTES = 512

_AUTHORISH = re.compile(
    rb"<(/?)((?:[A-Za-z_][\w.-]{0,40}:)?"
    rb"(?:author|creator|name|email|managingEditor|webMaster|contributor|publisher|owner))"
    rb"(?=[\s/>])[^<>]{0,4000}?(/?)>",
    re.I,
)
_CDATA = re.compile(rb"\A\s*<!\[CDATA\[(.*)\]\]>\s*\Z", re.S)
_TAGS = re.compile(rb"<[^>]*>")
_PARTIAL_ENTITY = re.compile(rb"&[#\w]{0,12}\Z")


#: Documents nested deeper than this are refused before feedparser sees them.
MAX_XML_DEPTH = 1000
_XML_TOKEN = re.compile(rb"<(!\[CDATA\[|!--|/|[A-Za-z_])")


def too_deep(data: bytes, limit: int = MAX_XML_DEPTH) -> bool:
    """Whether the element nesting of ``data`` exceeds ``limit`` (one linear scan)."""
    depth = 0
    pos = 0
    find = data.find
    while True:
        m = _XML_TOKEN.search(data, pos)
        if m is None:
            return False
        kind = m.group(1)
        if kind == b"![CDATA[" or kind == b"!--":
            end = find(b"]]>" if kind == b"![CDATA[" else b"-->", m.end())
            if end < 0:
                return False
            pos = end + 3
            continue
        end = find(b">", m.end())
        if end < 0:
            return False
        if kind == b"/":
            depth = depth - 1 if depth else 0
        elif data[end - 1:end] != b"/":
            depth += 1
            if depth > limit:
                return True
        pos = end + 1


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]{1,8})|([0-9]{1,10}));")


def _valid_char_ref(m: re.Match[bytes]) -> bytes:
    try:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    except ValueError:
        return b"&#xFFFD;"
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"
    return m.group(0)


def fix_char_refs(data: bytes) -> bytes:
    """Replace character references feedparser cannot encode (surrogates, NUL, > U+10FFFF)."""
    if b"&#" not in data:
        return data
    return _CHAR_REF.sub(_valid_char_ref, data)


def _cut(text: bytes, limit: int) -> bytes:
    cut = limit
    while cut > 0 and (text[cut] & 0xC0) == 0x80:  # do not split a UTF-8 sequence
        cut -= 1
    return _PARTIAL_ENTITY.sub(b"", text[:cut])


# Elements feedparser files under the item's own description/content slots,
# displacing the real ones (a photo caption becomes the article's content).
# They are renamed, under whatever prefix the document binds, so feedparser
# ignores them; feedkit's fast path reads them as extras.
_HIDDEN = {
    b"http://search.yahoo.com/mrss": (b"description", b"title", b"text"),
    b"http://www.itunes.com/dtds/podcast-1.0.dtd": (b"summary",),
}
_XMLNS = re.compile(rb"xmlns:([A-Za-z_][\w.-]{0,40})\s*=\s*[\"']([^\"']{1,200})[\"']")


def hide_displacing_elements(data: bytes) -> bytes:
    """Rename ``media:description``/``media:title``/``itunes:summary`` for feedparser."""
    head = data[:65536]
    for m in _XMLNS.finditer(head):
        names = _HIDDEN.get(m.group(2).lower().rstrip(b"/"))
        if not names:
            continue
        prefix = re.escape(m.group(1))
        pattern = re.compile(rb"<(/?)" + prefix + rb":(" + b"|".join(names) + rb")(?=[\s/>])")
        data = pattern.sub(rb"<\1" + m.group(1) + rb":feedkit-hidden-\2", data)
    return data


def screen_for_feedparser(data: bytes, limit: int = MAX_FIELD_BYTES) -> tuple[bytes, int]:
    """Cut author-like element contents longer than ``limit`` bytes.

    Returns the new bytes and how many fields were cut.  Works in one
    linear pass over the tags named like author fields (``author``,
    ``dc:creator``, ``name``, ``email``, ``managingEditor`` ...), pairing
    each opening tag with the closing tag that immediately follows it.
    """
    pieces: list[bytes] = []
    last = 0
    cut_count = 0
    prev: re.Match[bytes] | None = None
    for m in _AUTHORISH.finditer(data):
        if (
            prev is not None
            and m.group(1) == b"/"
            and not prev.group(1)
            and not prev.group(3)
            and prev.group(2) == m.group(2)
            and m.start() - prev.end() > limit
        ):
            body = data[prev.end():m.start()]
            cdata = _CDATA.match(body)
            if cdata:
                inner = cdata.group(1)
                new = b"<![CDATA[" + _cut(inner, limit) + b"]]>" if len(inner) > limit else body
            else:
                new = _cut(_TAGS.sub(b"", body), limit) if len(body) > limit else body
            if new is not body:
                pieces.append(data[last:prev.end()])
                pieces.append(new)
                last = m.start()
                cut_count += 1
        prev = m
    if not cut_count:
        return data, 0
    pieces.append(data[last:])
    return b"".join(pieces), cut_count


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _kind(detail: Any, atom: bool) -> str:
    kind = (detail.get("type") or "") if detail else ""
    if "xhtml" in kind:
        return "xhtml"
    if kind == "text/plain" and atom:
        return "text"
    return "html"


def _text(detail: Any, value: Any, atom: bool, base: str | None) -> RawText | None:
    if not isinstance(value, str):
        return None
    det_base = detail.get("base") if detail else None
    if det_base and base:
        det_base = urljoin(base, det_base)
    return RawText(value, _kind(detail, atom), det_base or None)


def _authors(obj: Any) -> list[Author]:
    out: list[Author] = []
    for a in obj.get("authors") or []:
        if not isinstance(a, dict):
            continue
        name, email, href = a.get("name"), a.get("email"), a.get("href")
        if name or email:
            out.append(Author(name=name or None, email=email or None, uri=href or None))
    return out


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    return None


def parse_with_feedparser(
    data: bytes, *, url: str | None = None, headers: Mapping[str, str] | None = None
) -> tuple[RawFeed | None, list[str]]:
    """Run feedparser over ``data`` and map its result to a :class:`RawFeed`.

    Returns ``(None, warnings)`` when feedparser found no feed at all (no
    version, no entries, no title): the caller decides which error to raise.
    ``data`` must already be screened (:func:`screen_for_feedparser`).
    """
    import feedparser

    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    http_url = url if url and url.startswith(("http://", "https://")) else None
    if http_url:
        response_headers.setdefault("content-location", http_url)
    try:
        d = feedparser.parse(
            io.BytesIO(fix_char_refs(data)),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser has crashed on junk before; it is not a feed then
        raise ParseError(f"feedparser failed: {type(exc).__name__}: {exc}") from exc
    warnings: list[str] = []
    if d.get("bozo"):
        bozo = d.get("bozo_exception")
        # "no Content-type specified" only says the caller gave no headers
        no_type = "content-type" not in response_headers
        if not (no_type and type(bozo).__name__ == "NonXMLContentType"):
            warnings.append(f"feedparser: {type(bozo).__name__}: {str(bozo)[:200]}")
    version = d.get("version") or ""
    fdict = d.get("feed") or {}
    entries = d.get("entries") or []
    if (not version or d.get("bozo")) and not entries and not fdict.get("title"):
        return None, warnings
    atom = version.startswith("atom")
    for entry in entries:
        # The item link is the first HTML (or untyped) alternate link in document
        # order, as on the fast path; feedparser keeps the last one, and treats an
        # Atom <id> as a permalink when no link precedes it.
        alternates = [lk for lk in dict.get(entry, "links") or []
                      if lk.get("rel") == "alternate" and lk.get("href")]
        html = [lk["href"] for lk in alternates if "html" in (lk.get("type") or "html")]
        if html or alternates:
            entry["link"] = (html or [alternates[0]["href"]])[0]
        elif atom:
            entry["link"] = None
    feed = RawFeed(
        format=version or "unknown",
        title=_text(fdict.get("title_detail"), fdict.get("title"), atom, http_url),
        link=fdict.get("link"),
        description=_text(fdict.get("subtitle_detail"), fdict.get("subtitle"), atom, http_url),
        language=fdict.get("language"),
        updated=_dt(dict.get(fdict, "updated_parsed"))
        or _dt(dict.get(fdict, "published_parsed")),
        authors=_authors(fdict),
        icon=(fdict.get("image") or {}).get("href") or fdict.get("icon") or fdict.get("logo"),
        self_url=next((lk.get("href") for lk in fdict.get("links") or []
                       if lk.get("rel") == "self"), None),
        ttl_minutes=_int(fdict.get("ttl")),
    )
    for entry in entries:
        feed.entries.append(_entry(entry, atom, http_url))
    return feed, warnings


def _entry(entry: Any, atom: bool, base: str | None) -> RawEntry:
    contents = [c for c in entry.get("content") or [] if isinstance(c.get("value"), str)]
    summary_value = entry.get("summary")
    summary_detail = entry.get("summary_detail")
    # feedparser copies content into summary when the entry has none, and puts a
    # description that follows content:encoded into content[1]; undo both.
    if contents and isinstance(summary_value, str) and summary_value == contents[0]["value"]:
        if len(contents) > 1:
            summary_value, summary_detail = contents[1]["value"], contents[1]
        else:
            summary_value = None
    authors = _authors(entry)
    raw_author = dict.get(entry, "author")
    if not atom and len(authors) == 1 and isinstance(raw_author, str):
        # re-split the RSS author string with feedkit's rule: feedparser's e-mail
        # regex cuts long TLDs ("a@b.online" -> "a@b.onli", name "ne")
        author = split_author(raw_author)
        authors = [author] if author else []
    e = RawEntry(
        guid=entry.get("id") or None,
        title=_text(entry.get("title_detail"), entry.get("title"), atom, base),
        link=entry.get("link") or None,
        published=_dt(dict.get(entry, "published_parsed")),
        updated=_dt(dict.get(entry, "updated_parsed")),
        authors=authors,
        summary=_text(summary_detail, summary_value, atom, base),
        content=_text(contents[0], contents[0]["value"], atom, base) if contents else None,
    )
    for tag in entry.get("tags") or []:
        term = tag.get("term") or tag.get("label")
        if isinstance(term, str) and term.strip():
            e.categories.append(term.strip())
    for enc in entry.get("enclosures") or []:
        href = enc.get("href")
        if isinstance(href, str) and href.strip():
            e.enclosures.append(Enclosure(url=href.strip(), type=enc.get("type") or None,
                                          length=_int(enc.get("length"))))
    if isinstance(entry.get("comments"), str):
        e.extra["comments"] = entry["comments"]
    for thumb in entry.get("media_thumbnail") or []:
        if isinstance(thumb.get("url"), str):
            e.extra.setdefault("image", thumb["url"])
    if isinstance(entry.get("slash_comments"), str):
        e.extra["comment_count"] = entry["slash_comments"]
    if isinstance(entry.get("wfw_commentrss"), str):
        e.extra["comment_feed"] = entry["wfw_commentrss"]
    lang = (entry.get("title_detail") or {}).get("language")
    if isinstance(lang, str) and lang:
        e.language = lang
    return e


def reparse_bozo(data: bytes) -> str | None:
    """Re-read emitted feed bytes with feedparser; ``None`` when it sets no bozo flag.

    Otherwise returns ``"ExceptionName: message"`` of feedparser's
    ``bozo_exception``.  Used by :mod:`feedkit.selfcheck` and the tests to
    prove that what feedkit emits is well-formed for the most common reader.
    """
    import feedparser

    d = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    if not d.get("bozo"):
        return None
    exc = d.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}"
