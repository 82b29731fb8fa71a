"""feedkit.fetch: the I/O edge — HTTP fetching, local sources, discovery, OPML.

This package is the only network code in feedkit.

* :mod:`feedkit.fetch.http` — :class:`Fetcher` (requests; deadlines, caps,
  conditional GET, redirects, retries);
* :mod:`feedkit.fetch.policy` — :class:`NetworkPolicy` (opt-in SSRF guard);
* :mod:`feedkit.fetch.sources` — :func:`load_source`, :func:`expand_sources`
  (URL, path, bytes, OPML: the trusted "user gave me this" entry point);
* :mod:`feedkit.fetch.discover` — :func:`find_feed_links` (pure),
  :func:`discover_feeds`;
* :mod:`feedkit.fetch.opml` — :func:`parse_opml`, :func:`emit_opml`,
  :class:`OpmlOutline` (pure).
"""

from __future__ import annotations

from .discover import discover_feeds as discover_feeds
from .discover import find_feed_links as find_feed_links
from .http import DEFAULT_USER_AGENT as DEFAULT_USER_AGENT
from .http import Fetcher as Fetcher
from .opml import OpmlOutline as OpmlOutline
from .opml import emit_opml as emit_opml
from .opml import parse_opml as parse_opml
from .policy import NetworkPolicy as NetworkPolicy
from .sources import expand_sources as expand_sources
from .sources import load_source as load_source

__all__ = [
    "DEFAULT_USER_AGENT",
    "Fetcher",
    "NetworkPolicy",
    "OpmlOutline",
    "discover_feeds",
    "emit_opml",
    "expand_sources",
    "find_feed_links",
    "load_source",
    "parse_opml",
]
