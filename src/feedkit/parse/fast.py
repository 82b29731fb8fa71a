"""The fast path: strict, hardened lxml parsing of RSS 0.9x/1.0/2.0 and Atom 0.3/1.0.

The parser never resolves entities, never loads a DTD, never touches the
network and keeps libxml2's size limits (``huge_tree=False``).  It is strict
on purpose: a document that is not well-formed, has a DOCTYPE, declares an
unusual encoding, disagrees with its HTTP charset or has an unknown root
element raises :class:`Unsupported`, and :func:`feedkit.parse.parse_feed`
hands it to the feedparser path with the reason.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from datetime import datetime

from lxml import etree

from ..model import Author, Enclosure
from ..normalize import parse_date
from .common import RawEntry, RawFeed, RawText, has_doctype, split_author

__all__ = ["Unsupported", "parse_fast"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Namespace URI (lower-case, no trailing slash) → short prefix used in keys.
_NS = {
    "http://purl.org/rss/1.0/modules/content": "content",
    "http://purl.org/dc/elements/1.1": "dc",
    "http://purl.org/dc/terms": "dcterms",
    "http://search.yahoo.com/mrss": "media",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/slash": "slash",
    "http://wellformedweb.org/commentapi": "wfw",
    "http://www.georss.org/georss": "georss",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.w3.org/2005/atom": "atom",
    "http://purl.org/atom/ns#": "atom03",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/rss/1.0": "rss",
    "http://my.netscape.com/rdf/simple/0.9": "rss",
    "http://backend.userland.com/rss2": "rss",
    "http://backend.userland.com/rss": "rss",
    "http://blogs.law.harvard.edu/tech/rss": "rss",
}

#: Encodings the fast path reads itself; anything else goes to feedparser.
FAST_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1",
     "windows-1252", "cp1252", "iso-8859-15", "iso-8859-2", "windows-1250",
     "windows-1251", "cp1251", "koi8-r", "koi8-u", "iso-8859-5", "iso-8859-7",
     "iso-8859-9", "windows-1253", "windows-1254"}
)
_ALIASES = {"utf8": "utf-8", "ascii": "us-ascii", "latin-1": "iso-8859-1",
            "latin1": "iso-8859-1", "cp1252": "windows-1252", "cp1251": "windows-1251"}
_DECL = re.compile(rb"\A\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


class Unsupported(Exception):
    """The fast path declines this document; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _canon_encoding(name: str) -> str:
    name = name.strip().lower()
    return _ALIASES.get(name, name)


def check_encoding(data: bytes, headers: Mapping[str, str] | None) -> None:
    """Raise :class:`Unsupported` for encodings the fast path leaves to feedparser."""
    m = _DECL.match(data[:512])
    declared = _canon_encoding(m.group(1).decode("ascii")) if m else "utf-8"
    if declared not in FAST_ENCODINGS:
        raise Unsupported(f"document encoding {declared!r} is left to feedparser")
    if headers:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        hm = _CHARSET.search(ctype or "")
        if hm:
            http = _canon_encoding(hm.group(1))
            if http != declared and not (http == "us-ascii" and declared == "utf-8"):
                raise Unsupported(
                    f"HTTP charset {http!r} disagrees with the document's {declared!r}"
                )


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        strip_cdata=True,
    )


def parse_fast(
    data: bytes, *, url: str | None = None, headers: Mapping[str, str] | None = None
) -> RawFeed:
    """Parse well-formed RSS/Atom bytes into a :class:`RawFeed` or raise :class:`Unsupported`."""
    check_encoding(data, headers)
    if has_doctype(data):
        raise Unsupported("the document has a DOCTYPE")
    base_url = url if url and url.startswith(("http://", "https://")) else None
    try:
        root = etree.fromstring(data, _parser(), base_url=base_url or "")
    except etree.XMLSyntaxError as exc:
        raise Unsupported(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError) as exc:
        raise Unsupported(f"lxml cannot read this document: {exc}") from None
    if root is None:
        raise Unsupported("empty document")
    ctx = _Ctx(uses_base=b"xml:base" in data)
    key = ctx.key(root.tag)
    if key == "rss":
        return _parse_rss(root, ctx, "rss" + root.get("version", "").replace(".", ""))
    if key == "rdf:RDF":
        version = "rss10"
        if isinstance(root.tag, str) and "netscape" in root.nsmap.get(None, ""):
            version = "rss090"
        return _parse_rss(root, ctx, version)
    if key == "atom:feed":
        return _parse_atom(root, ctx, "atom10")
    if key == "atom03:feed":
        return _parse_atom(root, ctx, "atom03")
    raise Unsupported(f"unknown root element {root.tag!r}")


class _Ctx:
    """Per-document state: tag → key cache, whether xml:base occurs, warnings."""

    __slots__ = ("keys", "uses_base", "warnings")

    def __init__(self, *, uses_base: bool) -> None:
        self.keys: dict[object, str] = {}
        self.uses_base = uses_base
        self.warnings: list[str] = []

    def key(self, tag: object) -> str:
        k = self.keys.get(tag)
        if k is None:
            k = self.keys[tag] = _make_key(tag)
        return k

    def base(self, el: etree._Element) -> str | None:
        return el.base if self.uses_base else None

    def date(self, el: etree._Element) -> datetime | None:
        text = _text(el).strip()
        if not text:
            return None
        value = parse_date(text)
        if value is None:
            self.warnings.append(f"unreadable date {text[:60]!r}")
        return value


def _make_key(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    if tag[0] != "{":
        return tag
    uri, local = tag[1:].split("}", 1)
    uri = uri.lower().rstrip("/")
    prefix = _NS.get(uri)
    if prefix is None:
        return "?:" + local
    if prefix in ("rss", "atom", "atom03") and local in ("rss", "feed", "channel", "item"):
        # home-format elements keep their bare name only where they are unambiguous
        return local if prefix == "rss" else f"{prefix}:{local}"
    if prefix == "rss":
        return local
    return f"{prefix}:{local}"


def _text(el: etree._Element) -> str:
    if len(el):
        return "".join(str(t) for t in el.itertext())
    return el.text or ""


def _serialize(child: etree._Element) -> str:
    if any(isinstance(e.tag, str) and e.tag.startswith("{") for e in child.iter()):
        child = _strip_ns(child)
    return etree.tostring(child, encoding="unicode", method="html", with_tail=True)


def _strip_ns(el: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(el, with_tail=False), _parser())
    for e in copy.iter():
        if isinstance(e.tag, str) and e.tag.startswith("{"):
            e.tag = e.tag.split("}", 1)[1]
        for name in list(e.attrib):
            if name.startswith("{"):
                del e.attrib[name]
    etree.cleanup_namespaces(copy)
    copy.tail = el.tail
    return copy


def _markup(el: etree._Element) -> str:
    """Inner content of ``el``: text plus any child elements serialized as HTML."""
    if not len(el):
        return el.text or ""
    return (el.text or "") + "".join(_serialize(c) for c in el)


def _first_attr(el: etree._Element, *names: str) -> str | None:
    for name in names:
        value = el.get(name)
        if value:
            return value
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _add_extra(extra: dict[str, str], name: str, value: str | None) -> None:
    if value and value.strip() and name not in extra:
        extra[name] = value.strip()


# --------------------------------------------------------------------------- RSS

def _parse_rss(root: etree._Element, ctx: _Ctx, version: str) -> RawFeed:
    feed = RawFeed(format=version or "rss", base=ctx.base(root))
    channel = None
    items: list[etree._Element] = []
    for child in root:
        k = ctx.key(child.tag)
        if k == "channel":
            channel = child
        elif k == "item":
            items.append(child)
    if channel is None:
        raise Unsupported("RSS document without a channel")
    for child in channel:
        k = ctx.key(child.tag)
        if k == "item":
            items.append(child)
        else:
            _rss_channel_field(feed, child, k, ctx)
    feed.entries = [_rss_item(el, ctx) for el in items]
    feed.warnings = ctx.warnings
    return feed


def _rss_channel_field(feed: RawFeed, el: etree._Element, k: str, ctx: _Ctx) -> None:
    if k == "title":
        if feed.title is None:
            feed.title = RawText(_text(el), "html")
    elif k == "link":
        if not feed.link:
            feed.link = (_text(el).strip() or el.get("href")) or None
    elif k in ("description", "dc:description", "itunes:subtitle"):
        if feed.description is None:
            feed.description = RawText(_markup(el), "html")
    elif k in ("language", "dc:language"):
        feed.language = feed.language or _text(el).strip() or None
    elif k in ("lastBuildDate", "dc:date", "pubDate", "dcterms:modified"):
        feed.updated = feed.updated or ctx.date(el)
    elif k in ("managingEditor", "dc:creator", "itunes:author", "author"):
        author = split_author(_text(el))
        if author:
            feed.authors.append(author)
    elif k == "image":
        for sub in el:
            if ctx.key(sub.tag) == "url":
                feed.icon = feed.icon or _text(sub).strip() or None
    elif k == "itunes:image":
        feed.icon = feed.icon or el.get("href")
    elif k == "atom:link":
        if el.get("rel") == "self":
            feed.self_url = feed.self_url or el.get("href")
    elif k == "ttl":
        feed.ttl_minutes = _int(_text(el))


_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"


def _rss_item(item: etree._Element, ctx: _Ctx) -> RawEntry:
    e = RawEntry(base=ctx.base(item), language=item.get(_XML_LANG), guid=item.get(_RDF_ABOUT))
    guid_link: str | None = None
    other_link: str | None = None  # a non-HTML alternate, used when nothing better exists
    for el in item:
        k = ctx.key(el.tag)
        handler = _RSS_ITEM.get(k)
        if handler is not None:
            handler(e, el, ctx)
        elif k == "guid":
            text = _text(el).strip()
            if text and (e.guid is None or e.guid == item.get(_RDF_ABOUT)):
                e.guid = text
                if el.get("isPermaLink", "true").strip().lower() == "true":
                    guid_link = text
        elif k == "atom:link":
            rel = el.get("rel", "alternate")
            href = el.get("href")
            kind = el.get("type")
            if rel == "alternate" and href:
                if kind is None or "html" in kind:
                    e.link = e.link or href  # first link in document order, as <link> is
                else:
                    other_link = other_link or href
            elif rel == "enclosure" and href:
                e.enclosures.append(
                    Enclosure(url=href, type=el.get("type"), length=_int(el.get("length")))
                )
    if not e.link:
        e.link = other_link or guid_link
    return e


def _set_title(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if e.title is None:
        e.title = RawText(_markup(el) if len(el) else (el.text or ""), "html")


def _set_link(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if not e.link:
        e.link = _text(el).strip() or el.get("href") or None


def _set_summary(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if e.summary is None and (el.text or len(el)):
        e.summary = RawText(_markup(el), "html", ctx.base(el))


def _set_content(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if e.content is None and (el.text or len(el)):
        e.content = RawText(_markup(el), "html", ctx.base(el))


def _set_published(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if e.published is None:
        e.published = ctx.date(el)


def _set_updated(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    if e.updated is None:
        e.updated = ctx.date(el)


def _add_author(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    author = _person(el, ctx) if len(el) else split_author(el.text)
    if author:
        e.authors.append(author)


def _add_category(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    text = _text(el).strip()
    if text:
        e.categories.append(text)


def _add_enclosure(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    url = el.get("url")
    if url and url.strip():
        e.enclosures.append(Enclosure(url=url.strip(), type=el.get("type") or None,
                                      length=_int(el.get("length"))))


def _media(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    k = ctx.key(el.tag)
    if k == "media:group":
        for sub in el:
            _media(e, sub, ctx)
    elif k == "media:thumbnail":
        _add_extra(e.extra, "image", el.get("url"))
    elif k == "media:content":
        medium = (el.get("medium") or "").lower()
        kind = (el.get("type") or "").lower()
        if medium == "image" or kind.startswith("image/"):
            _add_extra(e.extra, "image", el.get("url"))
        else:
            _add_extra(e.extra, "media_content", el.get("url"))
        for sub in el:
            _media(e, sub, ctx)
    elif k == "media:description":
        _add_extra(e.extra, "media_description", _text(el))


def _extra_text(name: str) -> Callable[[RawEntry, etree._Element, _Ctx], None]:
    def handler(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
        _add_extra(e.extra, name, _text(el))

    return handler


def _itunes_image(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    _add_extra(e.extra, "image", el.get("href"))


def _source(e: RawEntry, el: etree._Element, ctx: _Ctx) -> None:
    _add_extra(e.extra, "source_url", el.get("url"))
    _add_extra(e.extra, "source_title", _text(el))


_Handler = Callable[[RawEntry, etree._Element, _Ctx], None]
_RSS_ITEM: dict[str, _Handler] = {
    "title": _set_title,
    "link": _set_link,
    "description": _set_summary,
    "dc:description": _set_summary,
    "content:encoded": _set_content,
    "xhtml:body": _set_content,
    "pubDate": _set_published,
    "dcterms:issued": _set_published,
    "dc:date": _set_updated,
    "atom:updated": _set_updated,
    "modified": _set_updated,
    "updated": _set_updated,
    "published": _set_published,
    "issued": _set_published,
    "atom:published": _set_published,
    "dcterms:modified": _set_updated,
    "author": _add_author,
    "dc:creator": _add_author,
    "itunes:author": _add_author,
    "category": _add_category,
    "dc:subject": _add_category,
    "enclosure": _add_enclosure,
    "media:group": _media,
    "media:thumbnail": _media,
    "media:content": _media,
    "media:description": _media,
    "comments": _extra_text("comments"),
    "slash:comments": _extra_text("comment_count"),
    "wfw:commentRss": _extra_text("comment_feed"),
    "georss:point": _extra_text("georss_point"),
    "itunes:duration": _extra_text("duration"),
    "itunes:image": _itunes_image,
    "source": _source,
}


# --------------------------------------------------------------------------- Atom

def _text_construct(el: etree._Element, ctx: _Ctx) -> RawText | None:
    kind = (el.get("type") or "text").strip().lower()
    mode = (el.get("mode") or "").strip().lower()
    if kind in ("xhtml", "application/xhtml+xml") or mode == "xml":
        children = [c for c in el if isinstance(c.tag, str)]
        if len(children) == 1 and ctx.key(children[0].tag) in ("xhtml:div", "div") \
                and not (el.text or "").strip():
            value = _markup(children[0])
        else:
            value = _markup(el)
        return RawText(value, "xhtml", ctx.base(el))
    value = _text(el) if not len(el) else _markup(el)
    if mode == "base64":
        try:
            value = base64.b64decode(value).decode("utf-8")
        except (binascii.Error, ValueError):
            ctx.warnings.append("undecodable base64 content")
            return None
    if kind in ("html", "text/html") or "html" in kind:
        return RawText(value, "html", ctx.base(el))
    if kind in ("text", "text/plain") or kind.startswith("text/"):
        return RawText(value, "text", ctx.base(el))
    return None


def _person(el: etree._Element, ctx: _Ctx) -> Author | None:
    name = email = uri = None
    for sub in el:
        k = ctx.key(sub.tag).rpartition(":")[2]
        if k == "name":
            name = _text(sub)
        elif k == "email":
            email = _text(sub)
        elif k in ("uri", "url"):
            uri = _text(sub).strip() or None
    if not len(el):
        return split_author(el.text)
    if not (name or email):
        return None
    return Author(name=name, email=email, uri=uri)


def _parse_atom(root: etree._Element, ctx: _Ctx, version: str) -> RawFeed:
    feed = RawFeed(format=version, base=ctx.base(root), language=root.get(_XML_LANG))
    entries: list[RawEntry] = []
    for el in root:
        k = ctx.key(el.tag)
        local = k.partition(":")[2] if k.startswith(("atom:", "atom03:")) else k
        if local == "entry":
            entries.append(_atom_entry(el, ctx, feed.language))
        elif local == "title":
            feed.title = feed.title or _text_construct(el, ctx)
        elif local in ("subtitle", "tagline"):
            feed.description = feed.description or _text_construct(el, ctx)
        elif local == "link":
            rel = el.get("rel", "alternate")
            if rel == "alternate" and not feed.link:
                feed.link = el.get("href")
            elif rel == "self" and not feed.self_url:
                feed.self_url = el.get("href")
        elif local in ("updated", "modified"):
            feed.updated = feed.updated or ctx.date(el)
        elif local == "author":
            person = _person(el, ctx)
            if person:
                feed.authors.append(person)
        elif local in ("icon", "logo"):
            feed.icon = feed.icon or _text(el).strip() or None
    feed.entries = entries
    feed.warnings = ctx.warnings
    return feed


def _atom_entry(entry: etree._Element, ctx: _Ctx, language: str | None) -> RawEntry:
    e = RawEntry(base=ctx.base(entry), language=entry.get(_XML_LANG) or language)
    alternates: list[tuple[str | None, str]] = []
    for el in entry:
        k = ctx.key(el.tag)
        local = k.partition(":")[2] if k.startswith(("atom:", "atom03:")) else k
        if local == "title":
            if e.title is None:
                e.title = _text_construct(el, ctx)
        elif local == "link":
            href = el.get("href")
            if not href:
                continue
            rel = el.get("rel", "alternate")
            if rel == "alternate":
                if ctx.uses_base:
                    href = _resolve(el, href)
                alternates.append((el.get("type"), href))
            elif rel == "enclosure":
                e.enclosures.append(
                    Enclosure(url=href, type=el.get("type"), length=_int(el.get("length")))
                )
            elif rel == "replies":
                _add_extra(e.extra, "comments", href)
        elif local == "id":
            e.guid = e.guid or _text(el).strip() or None
        elif local in ("published", "issued"):
            _set_published(e, el, ctx)
        elif local in ("updated", "modified"):
            _set_updated(e, el, ctx)
        elif local == "created":
            if e.published is None and e.updated is None:
                e.extra.setdefault("created", _text(el).strip())
        elif local == "author":
            person = _person(el, ctx)
            if person:
                e.authors.append(person)
        elif local == "summary":
            if e.summary is None:
                e.summary = _text_construct(el, ctx)
        elif local == "content":
            if el.get("src"):
                _add_extra(e.extra, "content_src", el.get("src"))
            elif e.content is None:
                e.content = _text_construct(el, ctx)
        elif local == "category":
            term = el.get("term") or el.get("label") or _text(el)
            if term and term.strip():
                e.categories.append(term.strip())
        elif k.startswith("media:"):
            _media(e, el, ctx)
        elif k in _RSS_ITEM and k.partition(":")[0] in ("dc", "slash", "wfw", "georss",
                                                        "itunes", "dcterms", "content"):
            _RSS_ITEM[k](e, el, ctx)
    if alternates:
        e.link = next((h for t, h in alternates if t is None or "html" in t), alternates[0][1])
    if e.summary is None and e.content is None and "media_description" in e.extra:
        e.summary = RawText(e.extra["media_description"], "text")
    return e


def _resolve(el: etree._Element, href: str) -> str:
    base = el.base
    if not base:
        return href
    from urllib.parse import urljoin

    try:
        return urljoin(base, href)
    except ValueError:
        return href
