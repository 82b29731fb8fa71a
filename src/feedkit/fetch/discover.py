"""Feed discovery: find the feeds a web page advertises.

:func:`find_feed_links` is pure (HTML in, URLs out): it returns, in document
order,

1. ``<link rel="alternate">`` (or ``rel="feed"``) elements whose ``type`` is
   a feed type — ``application/rss+xml``, ``application/atom+xml``,
   ``application/rdf+xml``, ``application/feed+json``, ``application/json``;
2. then, as a lower-priority fallback, ``<a href>`` links whose URL looks
   like a feed (``/feed``, ``/rss``, ``.rss``, ``.atom``, ``rss.xml``,
   ``atom.xml``, ``feed.json`` ...).

URLs are made absolute against ``<base href>`` and ``base_url``; only
http(s) results are kept, fragments are dropped, duplicates removed.

:func:`discover_feeds` does the I/O: it fetches the page (a feed answers
with its own URL), reads its links, and as a last resort probes the common
paths ``/feed``, ``/rss``, ``/rss.xml``, ``/atom.xml``, ``/feed.xml``,
``/index.xml`` and ``/feed.json``, keeping those that answer 200 with
something that looks like a feed.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

from ..errors import FetchError
from .http import Fetcher

__all__ = ["COMMON_FEED_PATHS", "discover_feeds", "find_feed_links", "looks_like_feed"]

#: Paths probed when a page advertises no feed, in order.
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
)

_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x.atom+xml",
        "application/x-atom+xml",
        "application/x-rss+xml",
    }
)
_FEEDISH_PATH = re.compile(
    r"(?:/(?:feeds?|rss|atom|rss2|index\.rss)/?$"
    r"|\.(?:rss|atom|rdf)$"
    r"|/(?:rss|atom|feed|index)\.(?:xml|json)$"
    r"|/feeds?/(?:posts/)?default/?$)",
    re.IGNORECASE,
)
_FEEDISH_QUERY = re.compile(r"(?:^|&)(?:feed|format)=(?:rss2?|atom|rdf|json)\b", re.IGNORECASE)
_XML_ROOT = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>|<\?[^>]*\?>)\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF)\b",
    re.DOTALL,
)


def _absolute(href: str | None, base: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href:
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit(parts._replace(fragment=""))


def _parse_html(data: bytes | str) -> etree._Element | None:
    if isinstance(data, str):
        data = data.encode("utf-8")
        parser = lxml_html.HTMLParser(encoding="utf-8", no_network=True, huge_tree=False)
    else:
        parser = lxml_html.HTMLParser(no_network=True, huge_tree=False)
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def find_feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Feed URLs advertised by an HTML page, best first (pure; see module docstring)."""
    root = _parse_html(html)
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        resolved = _absolute(element.get("href"), base_url)
        if resolved:
            base = resolved
        break
    declared: list[str] = []
    fallback: list[str] = []
    for element in root.iter("link", "a"):
        tag = element.tag
        if tag == "link":
            rel = (element.get("rel") or "").lower().split()
            kind = (element.get("type") or "").split(";")[0].strip().lower()
            if "stylesheet" in rel or "icon" in rel:
                continue
            if ("alternate" in rel and kind in _FEED_TYPES) or (
                "feed" in rel and (not kind or kind in _FEED_TYPES)
            ):
                url = _absolute(element.get("href"), base)
                if url:
                    declared.append(url)
        else:
            url = _absolute(element.get("href"), base)
            if url and _looks_like_feed_url(url):
                fallback.append(url)
    return list(dict.fromkeys([*declared, *fallback]))


def _looks_like_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_FEEDISH_PATH.search(parts.path) or _FEEDISH_QUERY.search(parts.query))


def looks_like_feed(content: bytes | None, content_type: str | None = None) -> bool:
    """True when ``content`` (with its Content-Type) looks like RSS, Atom, RDF or JSON Feed.

    A cheap sniff of the first bytes, not a parse; pure.
    """
    if not content:
        return False
    head = content[:4096].lstrip(b"\xef\xbb\xbf")
    kind = (content_type or "").split(";")[0].strip().lower()
    if _XML_ROOT.match(head):
        return True
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return b"jsonfeed.org/version" in head or kind == "application/feed+json"
    return False


def discover_feeds(url: str, fetcher: Fetcher) -> list[str]:
    """Find the feeds of the page at ``url`` (I/O through ``fetcher``).

    Returns ``[url]`` when ``url`` already is a feed (its permanent-redirect
    target if it moved), else the links the page advertises, else the
    common paths that answer with a feed; possibly ``[]``.  Errors fetching
    the page itself propagate (:class:`~feedkit.errors.FetchError`);
    failing probes are skipped.
    """
    page = fetcher.fetch(url)
    content_type = page.headers.get("content-type")
    if looks_like_feed(page.content, content_type):
        return [page.permanent_redirect or url]
    links = find_feed_links(page.content or b"", page.final_url)
    if links:
        return links
    found: dict[str, None] = {}
    for candidate in _probe_urls(page.final_url):
        try:
            probe = fetcher.fetch(candidate)
        except FetchError:
            continue
        if probe.status == 200 and looks_like_feed(
            probe.content, probe.headers.get("content-type")
        ):
            found.setdefault(probe.final_url, None)
    return list(found)


def _probe_urls(page_url: str) -> list[str]:
    """Common feed paths beside the page (if below the root) and at the site root."""
    parts = urlsplit(page_url)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    bases = [root]
    directory = parts.path.rsplit("/", 1)[0]
    if directory:
        bases.insert(0, root + directory)
    urls = [base + path for base in bases for path in COMMON_FEED_PATHS]
    return list(dict.fromkeys(urls))
