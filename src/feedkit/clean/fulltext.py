"""Main-content extraction from article pages, and the teaser upgrade gate.

:func:`extract_article` turns one HTML page into an :class:`Article`: the
plain text and clean HTML of the main content (no navigation, sidebars,
comments, share widgets, cookie banners, related-story lists, page title)
plus the page's metadata (title, author, publication date, lead image).

How it works (one parse with lxml; see docs/fulltext.md for the details):

1. **Decode** bytes (BOM, XML declaration, ``<meta charset>``, else UTF-8
   with replacement) and parse with lxml's forgiving HTML parser.
2. **Metadata** from ``<meta>`` (Open Graph, Twitter, Dublin Core, article:*),
   JSON-LD (``Article``/``NewsArticle``/``BlogPosting`` objects, ``@graph``)
   and microdata, before anything is removed.
3. **Strip** elements that never hold article text (scripts, styles, form
   controls, embedded frames).
4. **Measure** every element in one bottom-up walk: total text, link text,
   and *prose* -- text of paragraph-like blocks that are long enough and not
   made of links.  Blocks whose tag/role/class/id says furniture (navigation,
   sidebar, share, comments, related, newsletter, cookie, ads, byline,
   hidden...) are removed, unless they hold most of the page's prose, read
   like a run of paragraphs, or contain an explicit article marker.
5. **Choose** the container maximising ``prose - 0.15 * other text - 0.8 *
   link text`` (explicit article markers weigh 10 % more), then descend
   into a child holding 75 % of its prose unless article text flows on
   beside that child.
6. **Prune** inside it: link lists, teaser-card grids, short boilerplate
   lines ("Share this", "Advertisement", "Read more: ..."), bylines and the
   headline; then render text (blocks separated by blank lines) and
   sanitized HTML.  A page whose markup holds little text but whose JSON-LD
   ``articleBody`` is long gets that ``articleBody``.

:func:`upgrade_item` is the quality gate used when a feed only carries a
teaser: it replaces the item's content with the extracted article only when
the extraction is longer, contains the teaser, and does not look like an
error, navigation or paywall page.

Both functions are pure: no network, no disk, no clock.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html import escape as html_escape
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from feedkit.clean.sanitize import sanitize_html
from feedkit.model import Item

__all__ = [
    "Article",
    "decode_html",
    "extract_article",
    "parse_date",
    "repair_mojibake",
    "upgrade_item",
]

#: Pages longer than this many characters are cut before parsing, so a
#: hostile or broken page costs bounded time (a real article page is < 2 MB).
MAX_CHARS = 6_000_000


@dataclass(frozen=True, slots=True)
class Article:
    """The main content and metadata of one article page.

    ``text`` is plain text: paragraphs separated by blank lines, headings on
    their own lines, without the page title.  ``html`` is the same content
    as sanitized HTML (:func:`feedkit.clean.sanitize.sanitize_html`, URLs
    absolute when the page URL is known).  ``published`` is an aware UTC
    datetime; ``image`` an absolute URL when the page URL is known.
    ``link_density`` is the share of the extracted text that sits inside
    links (high for navigation pages), used by :func:`upgrade_item`.
    """

    text: str = ""
    html: str = ""
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    image: str | None = None
    link_density: float = 0.0


# --------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.\-]{1,40})""")
# What browsers actually use for these labels (WHATWG Encoding Standard).
_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252", "x-sjis": "shift_jis",
    "gb2312": "gb18030", "gbk": "gb18030", "utf8": "utf-8", "unicode": "utf-8",
    "iso-8859-9": "cp1254", "tis-620": "cp874", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
}


def _codec(label: bytes | str) -> str | None:
    name = (label.decode("ascii", "replace") if isinstance(label, bytes) else label).strip().lower()
    name = _ALIASES.get(name, name)
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    # A page that says utf-16 in a meta tag but is readable as bytes is not utf-16.
    return "utf-8" if found.startswith(("utf-16", "utf-32")) else found


def decode_html(data: bytes | str) -> str:
    """Return ``data`` as text, detecting the encoding of bytes.

    Order: byte-order mark, ``<?xml encoding>``, ``<meta charset>`` /
    ``http-equiv`` in the first 4 KB, else UTF-8.  Undecodable bytes become
    U+FFFD; this never raises.
    """
    if isinstance(data, str):
        return data
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, "replace")
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    encoding = _codec(m.group(1)) if m else None
    return data.decode(encoding or "utf-8", "replace")


# UTF-8 bytes that were decoded as Latin-1/windows-1252 somewhere upstream ("donâ€™t",
# "Ã©tÃ©", "Â " for a no-break space, "ÐŸÑ€Ð¸" for Cyrillic): the common lead bytes
# followed by continuation bytes seen through cp1252.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00c5\u00d0\u00d1\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]{1,3}"
)


def _unmangle(match: re.Match[str]) -> str:
    chunk = match.group(0)
    try:
        raw = b"".join(
            bytes([ord(c)]) if ord(c) < 256 else c.encode("cp1252") for c in chunk
        )
        return raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return chunk


def repair_mojibake(text: str) -> str:
    """Undo systematic double-encoding (UTF-8 read as windows-1252) in ``text``.

    Only applied when at least three such sequences occur, and each one only
    when it re-decodes as valid UTF-8, so genuine Latin-1 text is left alone.
    """
    if len(_MOJIBAKE.findall(text, 0, 2_000_000)[:3]) < 3:
        return text
    return _MOJIBAKE.sub(_unmangle, text)


# ---------------------------------------------------------------------- parsing

_PARSER = lxml_html.HTMLParser(  # type: ignore[call-arg]  # stubs lack default_doctype
    remove_comments=True, remove_pis=True, no_network=True, recover=True,
    default_doctype=False, collect_ids=False,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,300}\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _parse(text: str) -> Any:
    """Parse ``text`` into an lxml tree root, or ``None`` for an empty page."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    text = repair_mojibake(_XML_DECL.sub("", text, count=1))
    if "\x00" in text or _CONTROL.search(text[:100000]):
        text = _CONTROL.sub(" ", text)
    if not text.strip():
        return None
    try:
        root = lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return root


# --------------------------------------------------------------------- metadata

_ARTICLE_TYPES = re.compile(
    r"(?:^|[^a-z])(?:\w*article|blogposting|posting|report|webpage|review|"
    r"analysisnewsarticle|creativework|liveblogposting|howto|recipe)$", re.I
)


def _json_ld_objects(root: Any) -> list[dict[str, Any]]:
    """Every JSON object found in the page's JSON-LD scripts, flattened."""
    found: list[dict[str, Any]] = []
    for script in root.iterfind(".//script[@type]"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = script.text or ""
        if not raw.strip() or len(raw) > 2_000_000:
            continue
        try:
            data = json.loads(raw.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack and len(found) < 200:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node[:100]))
            elif isinstance(node, dict):
                found.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph[:100]))
                main = node.get("mainEntity")
                if isinstance(main, (dict, list)):
                    stack.append(main)
    return found


def _ld_types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _ld_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for obj in objects:
        types = _ld_types(obj)
        is_article = any("article" in t.lower() or "posting" in t.lower() for t in types)
        if is_article and (best is None or ("articleBody" in obj and "articleBody" not in best)):
            best = obj
    if best is None:
        for obj in objects:
            if any(_ARTICLE_TYPES.search(t) for t in _ld_types(obj)) and (
                "headline" in obj or "datePublished" in obj
            ):
                return obj
    return best


def _ld_text(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if depth > 5:
        return None
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("url") or value.get("@id"), depth + 1)
    if isinstance(value, list):
        for v in value[:20]:
            got = _ld_text(v, depth + 1)
            if got:
                return got
    return None


def _ld_authors(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() and "://" not in value else []
    if isinstance(value, dict):
        name = value.get("name")
        return [name.strip()] if isinstance(name, str) and name.strip() else []
    if isinstance(value, list) and depth < 5:
        out: list[str] = []
        for v in value[:20]:
            out.extend(_ld_authors(v, depth + 1))
        return out
    return []


def _meta_map(root: Any) -> dict[str, str]:
    """``<meta>`` values keyed by lower-cased property/name/itemprop (first wins)."""
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        value = meta.get("content")
        if key and value and value.strip():
            metas.setdefault(key.strip().lower(), value.strip())
    return metas


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?"
)


def parse_date(value: str | None) -> datetime | None:
    """Parse an ISO 8601 or RFC 2822 date string into an aware UTC datetime.

    Naive values are taken as UTC; unreadable values give ``None``.
    """
    if not value:
        return None
    value = value.strip()
    m = _ISO.search(value[:100])
    if m:
        year, month, day, hour, minute, second, zone = m.groups()
        try:
            dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), tzinfo=timezone.utc)
        except ValueError:
            return None
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            dt -= sign * offset
        return dt
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _clean_line(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text or None


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if url.startswith("data:") or url.lower().startswith("javascript:"):
        return None
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    return url


@dataclass(frozen=True, slots=True)
class _Meta:
    title: str | None
    author: str | None
    published: datetime | None
    image: str | None
    body: str | None


def _metadata(root: Any, url: str | None) -> _Meta:
    metas = _meta_map(root)
    ld = _ld_article(_json_ld_objects(root)) or {}

    title = (
        metas.get("og:title") or _ld_text(ld.get("headline")) or metas.get("twitter:title")
        or metas.get("dc.title")
    )
    if not title:
        title = _page_title(root)
    site = metas.get("og:site_name")
    if title and site and len(title) > len(site) + 3 and title.endswith(site):
        head = title[: -len(site)]
        if re.search(r"\s[|·•–—:»-]\s*$", head):  # "Story | Site", not "I love Site"
            title = re.sub(r"[\s|·•–—:»-]+$", "", head) or title

    authors = _ld_authors(ld.get("author"))
    if not authors:
        for key in ("author", "article:author", "parsely-author", "dc.creator",
                    "sailthru.author", "byl", "twitter:creator"):
            value = metas.get(key)
            if value and "://" not in value and not value.startswith("@"):
                authors = [value]
                break
    if not authors:
        authors = _visible_author(root)
    unique = list(dict.fromkeys(
        a for a in (_clean_line(_BY_PREFIX.sub("", x)) for x in authors) if a
    ))

    published = None
    for candidate in (
        metas.get("article:published_time"), _ld_text(ld.get("datePublished")),
        metas.get("datepublished"), metas.get("og:published_time"),
        metas.get("parsely-pub-date"), metas.get("sailthru.date"), metas.get("pubdate"),
        metas.get("publishdate"), metas.get("dc.date.issued"), metas.get("dc.date"),
        metas.get("dcterms.created"), metas.get("date"), _ld_text(ld.get("dateCreated")),
    ):
        published = parse_date(candidate)
        if published:
            break
    if published is None:
        published = _visible_date(root)

    image = (
        metas.get("og:image") or metas.get("og:image:url") or metas.get("og:image:secure_url")
        or metas.get("twitter:image") or metas.get("twitter:image:src")
        or _ld_image(ld.get("image"))
    )
    if not image:
        for node in root.xpath('//link[@rel="image_src"][1]'):
            image = node.get("href")

    body = ld.get("articleBody")
    return _Meta(
        title=_clean_line(title),
        author=", ".join(unique) or None,
        published=published,
        image=_absolute(image, url),
        body=body if isinstance(body, str) and body.strip() else None,
    )


_BY_PREFIX = re.compile(r"^\s*(?:(?:written|posted|published|reviewed)\s+)?by[:\s]+", re.I)
_AUTHOR_XPATH = (
    '(//*[@rel="author"] | //*[@itemprop="author"] | //*[contains(@class, "byline")]'
    ' | //*[contains(@class, "author")])[position() <= 12]'
)


def _visible_author(root: Any) -> list[str]:
    """A byline shown on the page: rel/itemprop author, then byline/author classes."""
    for node in root.xpath(_AUTHOR_XPATH):
        names = node.xpath('.//*[@itemprop="name"]')
        text = _clean_line((names[0] if names else node).text_content())
        if not text:
            continue
        text = _BY_PREFIX.sub("", text)
        words = text.split()
        if 1 <= len(words) <= 6 and len(text) <= 60 and not re.search(r"\d|@|://", text) and (
            text.lower() not in ("author", "authors", "about the author", "by")
        ):
            return [text]
    return []


_SCRIPT_DATE = re.compile(
    r'"(?:datePublished|publishedDate|publishDate|published_at|publishedAt|pubDate|'
    r'dateCreated|firstPublishedDate)"\s*:\s*"([^"]{8,40})"'
)


_MONTHS = {
    m: i + 1 for i, name in enumerate((
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    )) for m in (name, name[:3], name[:4])
}
_TEXT_DATE = re.compile(
    r"\b(?:(?P<mon1>[A-Z][a-z]{2,8})\.? (?P<day1>\d{1,2})(?:st|nd|rd|th)?,? (?P<year1>20\d\d)"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)? (?P<mon2>[A-Z][a-z]{2,8})\.?,? (?P<year2>20\d\d))\b"
)


def _date_in_text(text: str) -> datetime | None:
    """The first English "March 5, 2024" / "5 March 2024" date in ``text``."""
    for m in _TEXT_DATE.finditer(text):
        month = _MONTHS.get((m.group("mon1") or m.group("mon2")).lower())
        if month is None:
            continue
        try:
            return datetime(int(m.group("year1") or m.group("year2")), month,
                            int(m.group("day1") or m.group("day2")), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _visible_date(root: Any) -> datetime | None:
    """Microdata, ``<time>`` elements, then dates in page scripts' JSON."""
    for node in root.xpath('(//*[@itemprop="datePublished"] | //time)[position() <= 5]'):
        found = parse_date(node.get("content") or node.get("datetime") or node.text_content())
        if found:
            return found
    for script in root.iter("script"):
        raw = script.text
        if raw and len(raw) < 5_000_000:
            m = _SCRIPT_DATE.search(raw)
            if m:
                found = parse_date(m.group(1))
                if found:
                    return found
    return None


_TITLE_SEPARATORS = re.compile(r"\s+[|·•–—:-]\s+|\s+»\s+")


def _page_title(root: Any) -> str | None:
    """The ``<title>`` without its site-name suffix (or the ``<h1>`` it contains)."""
    node = next(root.iter("title"), None)
    page = _clean_line(node.text_content()) if node is not None else None
    h1 = next(root.iter("h1"), None)
    heading = _clean_line(h1.text_content()) if h1 is not None else None
    if page and heading and heading.lower() in page.lower():
        return heading
    if page:
        parts = _TITLE_SEPARATORS.split(page)
        if len(parts) > 1:  # "Story title | Site name", rarely the other way round
            first = parts[0] if len(parts[0].split()) >= 2 else max(parts, key=len)
            return first
        return page
    return heading


def _ld_image(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        got = value.get("url") or value.get("contentUrl")
        return got if isinstance(got, str) else None
    if isinstance(value, list) and value and depth < 5:
        return _ld_image(value[0], depth + 1)
    return None


# ------------------------------------------------------------------ extraction

# Never article text; removed with their content before measuring.
_STRIP_TAGS = (
    "script", "style", "noscript", "template", "math", "object", "embed", "iframe",
    "canvas", "input", "head", "link", "meta", "map", "audio", "video", "source", "track",
)
# Controls and widgets, removed too -- unless an unclosed one swallowed the page
# (libxml2 does not close a <button> when the next one opens), then only unwrapped.
_STRIP_IF_SMALL = ("svg", "select", "textarea", "button", "option", "datalist", "dialog")
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small",
    "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "nobr",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PROSE_TAGS = frozenset({"p", "blockquote", "pre", "dd"})
_BOILERPLATE_TAGS = frozenset({"nav", "aside", "footer", "menu", "form", "header", "figcaption"})
_BOILERPLATE_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
    "dialog", "alertdialog", "toolbar", "tablist", "alert",
})
_TOKEN = r"(?:^|[^a-z0-9])(?:{})(?:$|[^a-z0-9])"  # noqa: S105 -- a regex, not a secret
# class/id tokens of page furniture (whole tokens, split on anything non-alphanumeric)
# class/id words of page furniture: whole words (split on anything non-alphanumeric),
# word prefixes ("share-buttons", "sharebar") and word suffixes ("megamenu").
_NEGATIVE_WORDS = frozenset({
    "nav", "navs", "navbar", "navigation", "navlink", "navlinks", "navmenu", "breadcrumb",
    "breadcrumbs", "crumbs", "aside", "sharing", "comment", "comments", "commentlist",
    "disqus", "respond", "popular", "trending", "newsletter", "newsletters", "subscription",
    "signup", "promo", "promos", "promotion", "promotions", "ad", "ads", "adslot",
    "adsbygoogle", "dfp", "cookie", "cookies", "consent", "gdpr", "popup", "modal",
    "overlay", "toolbar", "tags", "taglist", "tagcloud", "pagination", "pager", "byline",
    "author", "authors", "bio", "meta", "postmeta", "copyright", "print", "login", "signin",
    "rating", "reaction", "reactions", "sr", "screen", "visually", "masthead", "banner",
    "toc", "credit", "credits", "date", "dates", "timestamp", "dateline", "regwall",
})
_NEGATIVE_PREFIXES = (
    "footer", "sidebar", "share", "social", "related", "recommend", "recirc", "subscribe",
    "advert", "sponsor", "search", "skip",
)
_NEGATIVE_SUFFIXES = ("menu", "menus", "caption", "captions")
# "hidden-xs" only hides on small screens; "elementor-invisible" is animated in.
_RESPONSIVE = frozenset({"xs", "sm", "md", "lg", "xl", "print", "mobile", "desktop", "tablet"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def _is_negative(attrs: str) -> bool:
    """Whether class/id words name page furniture."""
    words = [w for w in _WORD_SPLIT.split(attrs.lower()) if w]
    for i, word in enumerate(words):
        if (
            word in _NEGATIVE_WORDS
            or word.startswith(_NEGATIVE_PREFIXES)
            or word.endswith(_NEGATIVE_SUFFIXES)
            or "paywall" in word
        ):
            return True
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "hidden" and following not in _RESPONSIVE:
            return True
        if word == "invisible" and i > 0 and words[i - 1] == "condition":
            return True
    return False


# ... unless one of these says "this is the article" (compound class names)
_POSITIVE = re.compile(
    r"article[-_]?(?:body|content|text|main|detail|entry)|articlebody|entry[-_]?(?:content|body)"
    r"|post[-_]?(?:body|content|text|entry)|story[-_]?(?:body|content|text)"
    r"|main[-_]?(?:content|text)|body[-_]?(?:text|copy|content)|rich[-_]?text|prose"
    r"|blog[-_]?(?:post|content|body)|content[-_]?body|page[-_]?content|markdown",
    re.I,
)
# Never a layout wrapper, so removed even when holding much prose (comment threads,
# the article duplicated inside a "republish" modal).
_STRONG_NEGATIVE = re.compile(
    _TOKEN.format(r"comments?|commentlist|disqus|respond|modal|popup|lightbox"), re.I
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BOILERPLATE_LINE = re.compile(
    r"^\W*(?:advertisement|advertising|anzeige|werbung|publicité|publicidad|publicidade"
    r"|реклама|partager|teilen|compartir|compartilhar|поделиться|sponsored( content)?"
    r"|share( this)?( (?:article|story|post|page))?( on \w+)?|share via|tweet|email|print"
    r"|read more|read next|related( articles| stories| posts| content)?|see also"
    r"|more (?:from|on) .{0,40}|recommended( for you)?|most (?:read|popular)|trending"
    r"|sign up( for .{0,40})?|subscribe( now| today| to .{0,40})?|log ?in|sign in"
    r"|follow us( on .{0,30})?|skip to (?:main )?content|back to top|continue reading"
    r"|comments?( \(\d+\))?|\d+ comments?|leave a (?:comment|reply)|tags?:?|filed under:?"
    r"|photo:?|image:?|video:?|listen( to this article)?|loading\.*|click here"
    r"|copy link|link copied|previous( article| post)?|next( article| post)?)\W*$",
    re.I,
)


def _strip(body: Any) -> None:
    """Remove elements that never carry article text."""
    etree.strip_elements(body, *_STRIP_TAGS, with_tail=False)
    swallowed = []
    for el in list(body.iter(*_STRIP_IF_SMALL)):
        if len(el.text_content()) > 600:
            swallowed.append(el)
        elif el.getparent() is not None:
            el.drop_tree()
    for el in swallowed:
        el.drop_tag()


# Class names that describe a post's topic or state, not the element's role
# (WordPress post_class "category-social-media", "tag-comments", "has-sidebar"...).
_STATE_CLASSES = re.compile(
    r"(?<![\w-])(?:category|tag|post_tag|format|has|no|with|is|enable|tweak)-[\w-]*", re.I
)


def _attr_text(el: Any) -> str:
    cls: str | None = el.get("class")
    ident: str | None = el.get("id")
    if cls and "-" in cls:
        cls = _STATE_CLASSES.sub(" ", cls)
    if ident and ident.count("-") + ident.count("_") >= 3:
        # A long id is often a slug made from a heading ("related-products-and-services"):
        # only its last word names a role ("republish-tool-modal").
        ident = re.split(r"[-_]", ident)[-1]
    if cls and ident:
        return cls + " " + ident
    return cls or ident or ""


def _is_hidden(el: Any) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") == "true" and el.tag != "span"):
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _measure(root: Any) -> tuple[dict[Any, list[float]], list[Any]]:
    """Bottom-up statistics for every element.

    Returns ``(stats, boilerplate)``: ``stats[el]`` is ``[text, link_text,
    prose, inline_text, inline_link_text, has_article_marker]`` (lengths in
    characters); ``boilerplate`` lists the elements whose markup says
    furniture, in document order.
    """
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    stats: dict[Any, list[float]] = {}
    boilerplate: list[Any] = []
    verdicts: dict[str, int] = {}
    inline = _INLINE
    for el in reversed(elements):
        tag = el.tag
        t = el.text
        own = len(t.strip()) if t else 0
        total = inline_len = float(own)
        link = inline_link = prose = 0.0
        positive = 0.0
        for child in el:
            tail = child.tail
            if tail:
                n = len(tail.strip())
                total += n
                inline_len += n
            st = stats.get(child)
            if st is None:
                continue
            total += st[0]
            link += st[1]
            prose += st[2]
            if st[5]:
                positive = 1.0
            if child.tag in inline:
                inline_len += st[3]
                inline_link += st[4]
        if tag == "a":
            link = total
            inline_link = inline_len
            prose = 0.0
        if tag not in inline and inline_len > 0:
            density = inline_link / inline_len
            if density < 0.4:
                if tag in _PROSE_TAGS:
                    if inline_len >= 20:
                        prose += inline_len
                elif tag not in _HEADINGS and inline_len >= 40:
                    prose += inline_len * (1.0 if inline_len >= 80 else 0.5)
        attrs = _attr_text(el)
        if attrs:
            verdict = verdicts.get(attrs)
            if verdict is None:  # class names repeat a lot within a page
                verdict = verdicts[attrs] = (
                    1 if _POSITIVE.search(attrs) else -1 if _is_negative(attrs) else 0
                )
        else:
            verdict = 0
        role = el.get("role")
        if tag == "main" or verdict == 1 or el.get("itemprop") in ("articleBody", "text"):
            # an explicit article marker (not <article>: teaser cards use it too)
            positive = 1.0
        elif (
            tag in _BOILERPLATE_TAGS
            or (role and role.lower() in _BOILERPLATE_ROLES)
            or (verdict == -1 and tag != "article")
            or _is_hidden(el)
        ):
            boilerplate.append(el)
        stats[el] = [total, link, prose, inline_len, inline_link, positive]
    boilerplate.reverse()
    return stats, boilerplate


def _drop_boilerplate(
    root: Any, stats: dict[Any, list[float]], boilerplate: list[Any]
) -> None:
    """Remove furniture blocks, keeping the ancestors' statistics right."""
    total_prose = stats[root][2] or 1.0
    dropped: set[Any] = set()
    for el in boilerplate:
        if el is root or el.tag in ("body", "html"):
            continue
        ancestors = []
        parent = el.getparent()
        inside_dropped = False
        while parent is not None and parent in stats:
            if parent in dropped:
                inside_dropped = True
                break
            ancestors.append(parent)
            parent = parent.getparent()
        if inside_dropped:
            continue
        st = stats[el]
        if st[5]:
            continue  # holds an explicit article marker
        if el.tag == "header" and st[1] < 0.5 * st[0] and any(
            a.tag in ("article", "section", "main") for a in ancestors
        ):
            continue  # a section's or the article's own heading block, not the site's
        attrs = _attr_text(el)
        strong = bool(attrs and _STRONG_NEGATIVE.search(attrs))
        if not strong and st[2] >= 0.5 * total_prose and el.tag not in _BOILERPLATE_TAGS:
            continue  # holds most of the page's prose: a layout wrapper, not furniture
        if st[2] >= 0.6 * total_prose and el.tag in ("form", "header"):
            continue
        if (not strong and el.tag not in _BOILERPLATE_TAGS and st[2] > 400
                and st[2] >= 0.6 * st[0] and st[1] < 0.2 * st[0]):
            continue  # reads like a run of paragraphs: probably mislabelled content
        dropped.add(el)
        for anc in ancestors:
            ast = stats[anc]
            ast[0] -= st[0]
            ast[1] -= st[1]
            ast[2] -= st[2]
        el.drop_tree()


# Container score = prose - _K_OTHER * other text - _K_LINK * link text; marked
# article containers get * _BOOST; descend into a child holding _DESCEND of the prose.
_K_OTHER = 0.15
_K_LINK = 0.8
_BOOST = 1.1
_DESCEND = 0.75


_ZERO = [0.0] * 6
# parts of an article, never the article itself
_NO_DESCENT = frozenset({
    "ul", "ol", "dl", "li", "table", "tbody", "tr", "td", "blockquote", "p", "pre", "figure",
})


def _choose(root: Any, stats: dict[Any, list[float]]) -> Any:
    """The element holding the article: best prose score, then descend."""
    best = root
    best_score = -1.0
    for el in root.iter():
        st = stats.get(el)
        if st is None or st[2] <= 0:
            continue
        total, link, prose = st[0], st[1], st[2]
        score = prose - _K_OTHER * max(total - prose - link, 0.0) - _K_LINK * link
        if el.tag == "article" or el.get("itemprop") == "articleBody":
            score *= _BOOST
        else:
            attrs = _attr_text(el)
            if attrs and _POSITIVE.search(attrs):
                score *= _BOOST
        if score >= best_score:
            best, best_score = el, score
    # Descend while one child holds nearly all of the prose: the rest is furniture
    # (teaser cards, author boxes) that happened to be written in sentences.
    # Unless a sibling with the same tag and class also holds prose: an article body
    # split in parts (around ads or images) stays whole.
    while True:
        prose = stats[best][2]
        if prose <= 0:
            return best
        for child in best:
            st = stats.get(child)
            if st is not None and st[2] >= _DESCEND * prose:
                if child.tag in _NO_DESCENT:
                    return best
                key = (child.tag, child.get("class"))
                for sib in best:
                    if sib is child or stats.get(sib, _ZERO)[2] < 0.02 * prose:
                        continue
                    if sib.tag in _PROSE_TAGS or (sib.tag, sib.get("class")) == key:
                        return best  # article text flows on beside the child
                best = child
                break
        else:
            return best


def _norm_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_card_list(el: Any, stats: dict[Any, list[float]]) -> bool:
    """A grid of teaser cards: 3+ child blocks, each a headline link plus a short blurb."""
    cards = 0
    card_text = 0.0
    for child in el:
        st = stats.get(child)
        if st is None or not st[0] or child.tag in _NO_DESCENT:
            continue  # list items with a source link each are text, not cards
        if st[0] < 500 and st[1] >= 20 and st[1] >= 0.2 * st[0]:
            cards += 1
            card_text += st[0]
    return cards >= 3 and card_text >= 0.8 * stats[el][0]


def _prune(container: Any, stats: dict[Any, list[float]], title: str | None) -> None:
    """Remove link lists, boilerplate lines and the title heading inside the container."""
    title_words = _norm_words(title) if title else ""
    doomed: list[Any] = []
    skip: set[Any] = set()
    seen_prose = False
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        if parent in skip:
            skip.add(el)
            continue
        st = stats.get(el)
        if st is None:
            continue
        tag = el.tag
        total, link, prose = st[0], st[1], st[2]
        if tag in _INLINE:
            continue  # inline elements go or stay with their block
        remove = False
        if tag == "h1" and not seen_prose:
            remove = True  # the headline: the text starts after it
        elif tag in ("h1", "h2") and title_words:
            words = _norm_words(el.text_content())
            remove = bool(words) and (words == title_words or (
                len(words) > 15 and (words in title_words or title_words in words)))
        elif tag not in _HEADINGS and (
            (total > 0 and link / total > 0.5 and prose < 0.3 * total) or (
                len(el) >= 3 and link > 0.2 * total and total < 0.5 * stats[container][0]
                and _is_card_list(el, stats)
            )
        ):
            remove = True  # a list of links, or a grid of teaser cards
        elif tag in _HEADINGS and total < 100:
            # headings are often links to themselves; only furniture titles go
            text = " ".join(el.text_content().split())
            remove = bool(_BOILERPLATE_LINE.match(text))
        elif total < 250:
            text = " ".join(el.text_content().split())
            remove = bool(
                (len(text) < 100 and _BOILERPLATE_LINE.match(text))
                or (len(text) < 100 and not seen_prose and _BYLINE.match(text))
                or (link > 0 and _BOILERPLATE_PREFIX.match(text))
            )
        if not remove and st[3] >= 40 and st[4] < 0.4 * st[3]:
            seen_prose = True  # a block with a sentence of its own text
        if remove:
            doomed.append(el)
            skip.add(el)
    for el in doomed:
        el.drop_tree()


# A short block opening with one of these is a cross-link or a byline, not text.
_BOILERPLATE_PREFIX = re.compile(
    r"^\W*(?:(?:read|see|watch|listen)(?: more| also| next)?|related(?: articles?| stories)?"
    r"|also read|more on this|recommended|lire aussi|à lire aussi|mehr zum thema|lesen sie auch"
    r"|leia (?:também|mais)|lea también|читайте также)\s*[:|>»]",
    re.I,
)
# Bylines ("By Jo Marsh and Ann Lee | Reuters") and datelines, before the first paragraph.
_BYLINE = re.compile(
    r"^(?:(?i:by|von|par|por|автор):?\s+(?:[A-ZÀ-ÞА-Я][\w.'’-]*,?\s*|(?i:and|und|et|y|e|&)\s+)+"
    r"(?:[|•·–—-].{0,60})?"
    r"|(?i:published|updated|posted|last updated)\b.{0,60}"
    r"|\d{1,2}:\d{2}\s*(?i:am|pm)?.{0,40}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}.{0,40}"
    r"|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}.{0,40})$"
)

_BLOCK_BREAK = "\x00"  # control characters were replaced before parsing
_LINE_BREAK = "\x01"


def _render_text(container: Any) -> str:
    parts: list[str] = []
    inline = _INLINE
    stack: list[tuple[Any, bool]] = [(container, False)]
    # iterative walk: (element, closing) pairs; closing emits the tail
    while stack:
        el, closing = stack.pop()
        tag = el.tag
        if closing:
            if tag not in inline:
                parts.append(_BLOCK_BREAK)
            tail = el.tail
            if tail and el is not container:
                parts.append(tail)
            continue
        if not isinstance(tag, str):
            if el.tail:
                parts.append(el.tail)
            continue
        if tag == "br":
            parts.append(_LINE_BREAK)
        elif tag not in inline:
            parts.append(_BLOCK_BREAK)
        elif tag in ("td", "th"):
            parts.append(" ")
        if el.text:
            parts.append(el.text)
        stack.append((el, True))
        children = list(el)
        for child in reversed(children):
            stack.append((child, False))
    blocks: list[str] = []
    for block in "".join(parts).split(_BLOCK_BREAK):
        lines: list[str] = []
        for line in block.split(_LINE_BREAK):
            line = " ".join(line.split())
            if line:
                lines.append(line)
            elif lines:  # an empty line (<br><br>) ends a paragraph
                blocks.append("\n".join(lines))
                lines = []
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _text_from_body(body: str) -> tuple[str, str]:
    """Plain text and HTML paragraphs from a JSON-LD ``articleBody``."""
    body = _CONTROL.sub(" ", body)
    if "<" in body and ">" in body:
        try:
            fragment = lxml_html.fragment_fromstring(body, create_parent="div", parser=_PARSER)
        except (etree.ParserError, ValueError):
            fragment = None
        text = _render_text(fragment) if fragment is not None else re.sub(r"<[^>]*>", " ", body)
    else:
        text = body
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\r\n\s*\r\n|\n", text)]
    paragraphs = [p for p in paragraphs if p]
    markup = "".join(f"<p>{html_escape(p)}</p>" for p in paragraphs)
    return "\n\n".join(paragraphs), markup


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the main content and metadata of an article page.

    ``html`` is the page (bytes are decoded with :func:`decode_html`);
    ``url`` is the page's address, used to make links and the image URL
    absolute.  Never raises on bad markup: a page without a body or without
    text gives an :class:`Article` with empty ``text``/``html``.

    >>> page = "<html><body><nav><a href='/'>Home</a></nav><article>" \\
    ...        "<h1>Hi</h1><p>" + "Some words of the story. " * 5 + "</p></article></body></html>"
    >>> extract_article(page).text[:24]
    'Some words of the story.'
    """
    root = _parse(decode_html(html))
    if root is None:
        return Article()
    meta = _metadata(root, url)
    body = root.find("body")
    if body is None:
        body = root
    _strip(body)
    published = meta.published
    if published is None:  # last resort: a date written near the top of the page
        published = _date_in_text(" ".join(itertools.islice(body.itertext(), 400)))
    stats, boilerplate = _measure(body)
    _drop_boilerplate(body, stats, boilerplate)
    container = _choose(body, stats)
    _prune(container, stats, meta.title)
    text = _render_text(container)
    total = stats.get(container, _ZERO)
    link_density = total[1] / total[0] if total[0] > 0 else 0.0
    if meta.body and len(meta.body) > max(500, 2 * len(text)):
        # The markup holds little (rendered by script, or the page is a stub):
        # the JSON-LD articleBody the publisher supplied is the better text.
        text, markup = _text_from_body(meta.body)
        link_density = 0.0
    elif text:
        container.tail = None
        markup = sanitize_html(lxml_html.tostring(container, encoding="unicode"), base_url=url)
    else:
        markup = ""
    return Article(
        text=text,
        html=markup,
        title=meta.title,
        author=meta.author,
        published=published,
        image=meta.image,
        link_density=round(min(max(link_density, 0.0), 1.0), 3),
    )


# ------------------------------------------------------------- teaser upgrade

# Error, robot-check and gone pages: looked for at the start of the text only
# (further on, a real story may well say "the body was not found").
_ERROR_PAGE = re.compile(
    r"\b(?:404|page not found|(?:page|article|story|content) (?:is no longer available"
    r"|does not exist|doesn't exist)|(?:cannot|can't|could not|couldn't) be found"
    r"|access denied|403 forbidden|error \d{3}"
    r"|something went wrong|enable javascript|javascript is (?:disabled|required)"
    r"|are you a robot|verify you are (?:a )?human|captcha|unusual traffic"
    r"|seite nicht gefunden|page introuvable|página no encontrada|página não encontrada"
    r"|страница не найдена)\b",
    re.I,
)
# Paywall / registration walls: anywhere in a short text.
_PAYWALL = re.compile(
    r"\b(?:subscribe to (?:continue|read|unlock)|to continue reading|continue reading with"
    r"|(?:sign|log) ?in to (?:continue|read)|already a subscriber|subscribers only"
    r"|for (?:subscribers|members) only|members only|premium content|exclusive to subscribers"
    r"|you have reached your (?:free )?(?:article )?limit|create a free account to"
    r"|abonnez-vous pour|réservé aux abonnés|nur für abonnenten|jetzt abonnieren"
    r"|solo para suscriptores|exclusivo para assinantes|только для подписчиков)\b",
    re.I,
)
_TEASER_TAIL = re.compile(
    r"(?:\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…|(?:continue|keep) reading.*|read more.*"
    r"|the post .{0,200} appeared first on .*)\s*$",
    re.I | re.S,
)


def _plain(html: str) -> str:
    if not html or not html.strip():
        return ""
    html = _CONTROL.sub(" ", html)
    if "<" not in html:
        return " ".join(html.split())
    try:
        fragment = lxml_html.fragment_fromstring(html, create_parent="div", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return " ".join(re.sub(r"<[^>]*>", " ", html).split())
    return _render_text(fragment)


def _shingles(words: list[str], n: int = 3) -> set[tuple[str, ...]]:
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def upgrade_item(
    item: Item,
    page_html: str | bytes,
    *,
    min_ratio: float = 1.2,
    min_chars: int = 300,
    max_link_density: float = 0.5,
    teaser_words: int = 25,
    min_teaser_overlap: float = 0.6,
    url: str | None = None,
) -> tuple[Item, str]:
    """Replace a teaser item's content with the full article, if it is better.

    ``page_html`` is the article page (fetched by the caller; this function
    does no I/O); ``url`` its address (default: ``item.link``).  The feed's
    own content (``content_html``, else ``summary``) is kept when the
    extraction

    * is empty or shorter than ``min_chars`` characters,
    * is not at least ``min_ratio`` times as long as the feed's text,
    * does not contain the teaser: at least ``min_teaser_overlap`` of the
      word 3-grams of the teaser's first ``teaser_words`` words (case,
      punctuation and whitespace ignored; a trailing "…"/"Read more" dropped)
      must occur in the article,
    * looks like an error, robot-check, paywall or navigation page (short
      text naming "404", "page not found", "access denied", "subscribe to
      continue"..., or link density above ``max_link_density``).

    Returns ``(item, reason)``; ``reason`` starts with ``"upgraded"`` or
    ``"kept"`` and says why.  An upgraded item has ``content_html`` set to
    :attr:`Article.html` and keeps its own title, link and other fields (its
    ``summary`` becomes the old content when it had none).
    """
    feed_html = item.content_html or item.summary or ""
    feed_text = _plain(feed_html)
    article = extract_article(page_html, url or item.link)
    text = article.text
    if not text:
        return item, "kept: nothing extracted from the page"
    if article.link_density > max_link_density:
        return item, f"kept: navigation page (link density {article.link_density:.2f})"
    hit = _ERROR_PAGE.search(text[:250])
    if hit:
        return item, f"kept: looks like an error page ({hit.group(0)!r})"
    hit = _PAYWALL.search(text) if len(text) < 3000 else None
    if hit:
        return item, f"kept: looks like a paywall ({hit.group(0)!r})"
    if len(text) < min_chars:
        return item, f"kept: extraction too short ({len(text)} < {min_chars} chars)"
    if len(text) < min_ratio * len(feed_text):
        return item, (
            f"kept: extraction not longer than the feed content "
            f"({len(text)} < {min_ratio:g} x {len(feed_text)} chars)"
        )
    teaser = _TEASER_TAIL.sub("", feed_text)
    words = re.findall(r"\w+", teaser.lower())[:teaser_words]
    if len(words) >= 4:
        wanted = _shingles(words)
        present = _shingles(re.findall(r"\w+", text.lower()))
        overlap = len(wanted & present) / len(wanted)
        if overlap < min_teaser_overlap:
            return item, f"kept: teaser not found in the extraction (overlap {overlap:.2f})"
    upgraded = replace(
        item, content_html=article.html, summary=item.summary or item.content_html
    )
    return upgraded, f"upgraded: {len(text)} chars extracted vs {len(feed_text)} in the feed"
