"""Pure normalization helpers: URLs, dates, ids, titles.

These are the rules every item goes through, whichever parser read it.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "canonical_url",
    "clean_title",
    "normalize_datetime",
    "stable_item_id",
]

#: Query parameters removed from every link (exact names, lower-case).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "igshid", "mkt_tok", "ref_src",
        "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "__s", "ncid",
        "cmpid", "s_cid", "spm",
    }
)
#: Prefixes of tracking parameters (``utm_source``, ``utm_medium`` ...).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS = re.compile(r"\s+")


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Return an absolute, canonical form of ``url`` or ``None``.

    Resolves against ``base``, lower-cases scheme and host, drops default
    ports, the fragment and tracking parameters (see :data:`TRACKING_PARAMS`
    and :data:`TRACKING_PREFIXES`).  Non-http(s) URLs other than mailto are
    returned resolved but otherwise untouched; unparsable ones give ``None``.
    """
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url if scheme else None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    netloc = host
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v)
            for k, v in pairs
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        ]
        query = urlencode(kept, doseq=True) if len(kept) != len(pairs) else query
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def normalize_datetime(
    value: datetime | None, *, now: datetime | None = None, future_slack: timedelta = timedelta(days=1)
) -> datetime | None:
    """Return ``value`` as an aware UTC datetime.

    Rule: naive datetimes are taken to be UTC; a datetime more than
    ``future_slack`` after ``now`` (default: one day, to absorb clock and
    time-zone errors) is clamped to ``now``, because a feed cannot publish
    in the future and such dates would pin an item to the top forever.
    ``now`` defaults to the current time; pass it to keep the step pure.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    else:
        value = value.astimezone(timezone.utc)
    if now is not None:
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        if value - now > future_slack:
            return now.astimezone(timezone.utc)
    return value


def clean_title(title: str | None) -> str | None:
    """Unescape HTML entities, strip tags, and collapse whitespace."""
    if title is None:
        return None
    text = html.unescape(title)
    if "<" in text:
        text = re.sub(r"<[^>]{0,2000}>", " ", text)
    text = _WS.sub(" ", text).strip()
    return text or None


def stable_item_id(
    feed_url: str,
    *,
    guid: str | None = None,
    link: str | None = None,
    title: str | None = None,
    published: datetime | None = None,
) -> str:
    """Return the id feedkit gives an item.

    Rule: the canonical link identifies an item when there is one (so a feed
    that changes its GUID scheme, or reuses GUIDs across items, keeps ids
    stable as long as the permalink is stable); otherwise the GUID; otherwise
    title + published date.  The key is scoped by the feed URL and hashed, so
    ids are fixed-length and opaque: ``"fk1:" + 20 hex digits``.
    """
    canon = canonical_url(link) if link else None
    if canon:
        key = "link\0" + canon
    elif guid:
        key = "guid\0" + guid.strip()
    else:
        stamp = published.isoformat() if published else ""
        key = "title\0" + (clean_title(title) or "") + "\0" + stamp
    digest = hashlib.blake2b(f"{feed_url}\0{key}".encode(), digest_size=10).hexdigest()
    return f"fk1:{digest}"
