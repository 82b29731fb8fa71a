"""What both parser paths share: the raw entry shape, screening, and building items.

The lxml fast path (:mod:`.fast`), the feedparser adapter (:mod:`.fp`) and the
JSON Feed reader (:mod:`.jsonfeed`) each turn a document into a
:class:`RawFeed`: the fields as the document gave them, not yet normalized.
:func:`build_result` is the single place that turns a ``RawFeed`` into a
:class:`~feedkit.model.ParseResult`, so every normalization rule applies the
same way whichever path read the bytes.

The screening helpers run *before* any parser sees the bytes: they make the
document ASCII-compatible, remove DOCTYPEs that declare entities (billion
laughs, quadratic blowup, XXE) and recognise HTML pages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from ..clean.sanitize import sanitize_html
from ..errors import ParseError
from ..model import Author, Enclosure, Feed, Item, ParseResult
from ..normalize import (
    IdParts,
    assign_item_ids,
    canonical_url,
    clean_title,
    fix_text,
    normalize_datetime,
    resolve_url,
)

__all__ = [
    "DEFAULT_FEED_URL",
    "MAX_AUTHOR_CHARS",
    "MAX_DOCUMENT_BYTES",
    "RawEntry",
    "RawFeed",
    "RawText",
    "build_result",
    "dedupe_authors",
    "feed_links_in_html",
    "has_doctype",
    "is_html_document",
    "prepare_bytes",
    "split_author",
    "strip_entity_doctype",
    "text_to_html",
]

#: Feed URL used when the caller gives none (ids are scoped by it).
DEFAULT_FEED_URL = "about:feed"
#: Documents larger than this are refused with :class:`~feedkit.errors.ParseError`.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
#: Author names and e-mails are cut to this many characters.
MAX_AUTHOR_CHARS = 256


@dataclass(slots=True)
class RawText:
    """A text construct as found: ``kind`` is ``"text"``, ``"html"`` or ``"xhtml"``.

    ``"html"`` means "may hold markup" (RSS fields, Atom ``type="html"``);
    whether it really does is decided from the value.  ``base`` is the
    ``xml:base`` in scope, when the document had one.
    """

    value: str
    kind: str = "html"
    base: str | None = None


@dataclass(slots=True)
class RawEntry:
    """One entry as a parser path extracted it, before normalization."""

    guid: str | None = None
    title: RawText | None = None
    link: str | None = None
    base: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: list[Author] = field(default_factory=list)
    summary: RawText | None = None
    content: RawText | None = None
    categories: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    language: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RawFeed:
    """A whole document as a parser path extracted it."""

    format: str
    title: RawText | None = None
    link: str | None = None
    description: RawText | None = None
    language: str | None = None
    updated: datetime | None = None
    authors: list[Author] = field(default_factory=list)
    icon: str | None = None
    self_url: str | None = None
    ttl_minutes: int | None = None
    base: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- screening

_UTF16_32 = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\x00<\x00?", "utf-16-be", 0),
    (b"<\x00?\x00", "utf-16-le", 0),
    (b"\x00<\x00", "utf-16-be", 0),
    (b"<\x00", "utf-16-le", 0),
)
_DECL_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*([\"'])[^\"']*\2", re.I)


def prepare_bytes(data: bytes | str) -> tuple[bytes, str | None]:
    """Return ASCII-compatible document bytes and the note of any transcoding.

    A ``str`` is encoded as UTF-8; UTF-16/32 documents (by BOM or by the
    ``<?`` pattern) are transcoded to UTF-8.  In both cases the XML
    declaration's ``encoding`` is removed, since it no longer applies.
    Raises :class:`ParseError` for empty or oversized input.
    """
    note = None
    if isinstance(data, str):
        data = _DECL_ENCODING.sub(rb"\1", data.encode("utf-8", "surrogatepass"), count=1)
        note = "str input encoded as UTF-8"
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ParseError(f"document is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES} limit")
    for prefix, codec, skip in _UTF16_32:
        if data.startswith(prefix):
            try:
                text = data[skip:].decode(codec)
            except UnicodeDecodeError as exc:
                raise ParseError(f"invalid {codec} document: {exc}") from exc
            data = _DECL_ENCODING.sub(rb"\1", text.encode("utf-8"), count=1)
            note = f"transcoded from {codec} to UTF-8"
            break
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:1].isspace():
        data = data.lstrip()
    if not data:
        raise ParseError("empty document")
    return data, note


_ROOT_START = re.compile(rb"<\w")
_DOCTYPE_TOKENS = re.compile(
    rb"\"[^\"]*\"|'[^']*'|<!--.*?-->|\]\s*>|[^\"'\]<>]+|.", re.S
)


def has_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) has a DOCTYPE."""
    head = data[: _head_end(data)]
    return b"<!doctype" in head.lower()


def _head_end(data: bytes) -> int:
    m = _ROOT_START.search(data)
    return m.start() if m else len(data)


def strip_entity_doctype(data: bytes) -> tuple[bytes, list[str]]:
    """Remove a DOCTYPE whose internal subset declares entities.

    Entity declarations are how billion-laughs, quadratic-blowup and XXE
    attacks work, and no real feed needs them, so the whole DOCTYPE goes
    (with a warning).  A DOCTYPE without an internal subset is kept (no
    parser here loads external DTDs).  Raises :class:`ParseError` when the
    DOCTYPE is not terminated or entity declarations remain in the prolog.
    """
    warnings: list[str] = []
    lower_head = data[: _head_end(data)].lower()
    start = lower_head.find(b"<!doctype")
    if start >= 0 and b"[" in lower_head[start:]:
        end = _doctype_end(data, start)
        subset = data[start:end].lower()
        if b"<!entity" in subset or b"%" in subset or b"system" in subset:
            data = data[:start] + data[end:]
            warnings.append("DOCTYPE with entity declarations removed")
    if b"<!entity" in data[: _head_end(data)].lower():
        raise ParseError("entity declarations outside a DOCTYPE")
    return data, warnings


def _doctype_end(data: bytes, start: int) -> int:
    pos = start + len(b"<!doctype")
    in_subset = False
    while pos < len(data):
        m = _DOCTYPE_TOKENS.match(data, pos)
        if m is None:  # pragma: no cover - the pattern matches any byte
            break
        token = m.group(0)
        pos = m.end()
        if token == b"[":
            in_subset = True
            continue
        closes = token.startswith(b"]") and token.endswith(b">") if in_subset else token == b">"
        if closes:
            return pos
    raise ParseError("unterminated DOCTYPE")


_HTML_START = re.compile(
    rb"\A(?:\s|<\?[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.I | re.S,
)


_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF|channel)[\s>]")


def is_html_document(data: bytes) -> bool:
    """Whether ``data`` is an HTML page rather than a feed.

    True when it starts like HTML and holds no ``<rss>``, ``<feed>``,
    ``<rdf:RDF>`` or ``<channel>`` element (a feed wrapped in an HTML page
    is left to the feedparser path, which can dig it out).
    """
    if _HTML_START.match(data[:4096]) is None:
        return False
    return _FEED_ROOT.search(data) is None


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
               "application/json", "application/rdf+xml", "application/xml", "text/xml")


def feed_links_in_html(data: bytes, base_url: str | None) -> list[str]:
    """Feed URLs advertised by an HTML page (``<link rel="alternate" type=...>``).

    Uses :func:`feedkit.fetch.discover.find_feed_links` when it is available,
    else a small local extraction.  Never raises.
    """
    try:
        from ..fetch import discover  # optional sibling module
    except ImportError:
        return _local_feed_links(data, base_url)
    try:
        return list(discover.find_feed_links(data, base_url or ""))
    except Exception:  # a failing helper must not hide the NotAFeedError
        return _local_feed_links(data, base_url)


_LINK_TAG = re.compile(rb"<link\b[^>]{0,2000}>", re.I)
_ATTR = re.compile(rb"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))")


def _local_feed_links(data: bytes, base_url: str | None) -> list[str]:
    found: list[str] = []
    for tag in _LINK_TAG.findall(data[:2_000_000]):
        attrs = {
            m.group(1).lower().decode("ascii", "replace"): (
                m.group(2) or m.group(3) or m.group(4) or b""
            ).decode("utf-8", "replace")
            for m in _ATTR.finditer(tag)
        }
        rels = attrs.get("rel", "").lower().split()
        kind = attrs.get("type", "").lower().split(";")[0].strip()
        href = html.unescape(attrs.get("href", "")).strip()
        if "alternate" in rels and kind in _FEED_TYPES and href:
            url = resolve_url(href, base_url if base_url != DEFAULT_FEED_URL else None)
            if url and url not in found:
                found.append(url)
    return found


# --------------------------------------------------------------------------- authors

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def split_author(text: str | None) -> Author | None:
    """Read an RSS-style author string (``"a@b.org (Name)"``, ``"Name <a@b.org>"``)."""
    if not text:
        return None
    text = " ".join(text[:MAX_AUTHOR_CHARS].split())
    if not text:
        return None
    email = None
    if "@" in text:
        m = _EMAIL.search(text)
        if m:
            email = m.group(0)
            text = text.replace(email, "").replace("()", "").replace("<>", "").strip()
            text = text.strip("()<> ").strip()
            if text.lower().startswith("mailto:"):
                text = text[7:].strip()
    return Author(name=text or None, email=email)


def dedupe_authors(authors: list[Author]) -> tuple[Author, ...]:
    """Clean, cap and de-duplicate authors (by name and e-mail), keeping order."""
    out: list[Author] = []
    seen: set[tuple[str | None, str | None]] = set()
    for a in authors:
        name = _cap_author(a.name)
        email = _cap_author(a.email)
        uri = a.uri.strip() if a.uri and a.uri.strip() else None
        if not (name or email):
            continue
        key = (name.casefold() if name else None, email.casefold() if email else None)
        if key in seen:
            continue
        seen.add(key)
        out.append(Author(name=name, email=email, uri=uri))
    return tuple(out)


def _cap_author(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(fix_text(value[:MAX_AUTHOR_CHARS]).split())
    if "&" in value:
        value = html.unescape(value)
    return value or None


# --------------------------------------------------------------------------- text → HTML

_HAS_TAG = re.compile(r"<[A-Za-z/!]")
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")


def text_to_html(text: str) -> str | None:
    """Turn plain text into HTML that keeps its line structure.

    The text is escaped; each block separated by blank lines becomes a
    ``<p>``, single newlines inside a block become ``<br>``.  Returns
    ``None`` for blank text.

    >>> text_to_html("a & b\\nsecond line\\n\\nnext block")
    '<p>a &amp; b<br>\\nsecond line</p>\\n<p>next block</p>'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        lines = [html.escape(line.strip(), quote=False) for line in block.split("\n")]
        paragraphs.append("<p>" + "<br>\n".join(line for line in lines if line) + "</p>")
    return "\n".join(paragraphs)


def _html_field(raw: RawText | None, base: str | None) -> str | None:
    if raw is None:
        return None
    value = fix_text(raw.value)
    if not value.strip():
        return None
    if raw.kind == "text":
        return text_to_html(value)
    if _HAS_TAG.search(value) is None:
        if "&" in value:
            value = html.unescape(value)
        return text_to_html(value)
    out = sanitize_html(value, base_url=_http_base(raw.base) or base).strip()
    return out or None


def _same_html(a: str, b: str) -> bool:
    """Whether two sanitized fragments are the same markup, whitespace aside."""
    if a == b:
        return True
    if a.count("<") != b.count("<"):  # cheapest: one scan each, and usually decisive
        return False
    if _solid_length(a) != _solid_length(b):  # cheap: no allocation
        return False
    return "".join(a.split()) == "".join(b.split())


def _solid_length(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def _plain_text(raw: RawText | None) -> str | None:
    """Feed descriptions: plain one-paragraph text."""
    if raw is None:
        return None
    text = clean_title(fix_text(raw.value), markup=raw.kind != "text")
    return text


def _http_base(base: str | None) -> str | None:
    if base and base.startswith(("http://", "https://")):
        return base
    return None


# --------------------------------------------------------------------------- building

def build_result(
    raw: RawFeed,
    *,
    url: str | None,
    now: datetime | None,
    parser: str,
    reason: str,
    warnings: list[str],
) -> ParseResult:
    """Normalize a :class:`RawFeed` into a :class:`ParseResult` (the shared rules).

    See ``docs/parsing.md`` for the rules: UTC dates (``published`` falls
    back to ``updated``; future dates clamped to ``now``), canonical links
    resolved against ``xml:base`` / the feed URL / the site link, sanitized
    HTML (plain text becomes paragraphs), cleaned titles and stable ids.
    """
    feed_url = url or DEFAULT_FEED_URL
    site_link = canonical_url(raw.link, _http_base(raw.base) or _http_base(feed_url))
    # Base for relative links: xml:base, else the feed URL, else the site link.
    doc_base = _http_base(raw.base) or _http_base(feed_url) or _http_base(site_link)
    feed_title = clean_title(fix_text(raw.title.value), markup=raw.title.kind != "text") \
        if raw.title else None
    feed = Feed(
        url=feed_url,
        title=feed_title,
        link=site_link,
        description=_plain_text(raw.description),
        language=(raw.language or "").strip() or None,
        updated=normalize_datetime(raw.updated, now=now),
        authors=dedupe_authors(raw.authors),
        icon=resolve_url(raw.icon, doc_base),
        self_url=resolve_url(raw.self_url, doc_base),
        ttl_minutes=raw.ttl_minutes,
        format=raw.format,
    )
    all_warnings = list(warnings) + raw.warnings
    drafts: list[tuple[Any, ...]] = []
    id_parts: list[IdParts] = []
    inherit_authors = feed.authors if raw.format.startswith("atom") else ()
    feed_language = feed.language
    for index, entry in enumerate(raw.entries):
        if _is_empty(entry):
            all_warnings.append(f"entry {index} has no title, link, id or content; skipped")
            continue
        base = _http_base(entry.base) or doc_base if entry.base else doc_base
        link = entry.link
        if link:
            link = canonical_url(link.replace("&amp;", "&") if "&amp;" in link else link, base)
        title = entry.title
        title_text = (clean_title(fix_text(title.value), markup=title.kind != "text")
                      if title is not None else None)
        updated = normalize_datetime(entry.updated, now=now) if entry.updated else None
        published = (normalize_datetime(entry.published, now=now) if entry.published
                     else None) or updated
        content = summary = None
        if entry.content:
            content = _html_field(entry.content, base)
        if entry.summary:
            if entry.content and entry.summary.value == entry.content.value:
                summary = content  # the same HTML is never sanitized twice
            else:
                summary = _html_field(entry.summary, base)
        if summary is not None and content is not None and _same_html(summary, content):
            summary = None
        guid = entry.guid.strip() or None if entry.guid else None
        enclosures: tuple[Enclosure, ...] = ()
        if entry.enclosures:
            enclosures = tuple(
                Enclosure(url=u, type=e.type, length=e.length)
                for e in entry.enclosures if (u := resolve_url(e.url, base))
            )
        categories: tuple[str, ...] = ()
        if entry.categories:
            categories = tuple(dict.fromkeys(
                c for c in (" ".join(fix_text(x).split()) for x in entry.categories) if c
            ))
        authors = dedupe_authors(entry.authors) if entry.authors else ()
        language = entry.language.strip() or None if entry.language else None
        drafts.append((title_text, link, published, updated, authors or inherit_authors,
                       summary, content, categories, enclosures, language or feed_language,
                       guid, entry.extra))
        id_parts.append(IdParts(guid, link, title_text, published))
    ids = assign_item_ids(feed_url, id_parts)
    items = tuple(
        Item(id=item_id, feed_url=feed_url, title=d[0], link=d[1], published=d[2],
             updated=d[3], authors=d[4], summary=d[5], content_html=d[6], categories=d[7],
             enclosures=d[8], language=d[9], guid=d[10], feed_title=feed_title, extra=d[11])
        for item_id, d in zip(ids, drafts, strict=True)
    )
    return ParseResult(
        feed=feed, items=items, warnings=tuple(all_warnings), parser=parser, parser_reason=reason,
    )


def _is_empty(entry: RawEntry) -> bool:
    return not (
        (entry.title and entry.title.value.strip())
        or (entry.link and entry.link.strip())
        or (entry.guid and entry.guid.strip())
        or (entry.summary and entry.summary.value.strip())
        or (entry.content and entry.content.value.strip())
        or entry.enclosures
    )


def join_base(base: str | None, value: str | None) -> str | None:
    """Resolve an ``xml:base`` value against the base in scope."""
    if not value:
        return base
    try:
        return urljoin(base, value.strip()) if base else value.strip()
    except ValueError:
        return base
