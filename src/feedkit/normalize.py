"""Pure normalization helpers: URLs, dates, ids, titles, text.

These are the rules every item goes through, whichever parser read it
(the lxml fast path or the feedparser fallback); ``docs/parsing.md`` lists
them with examples.  Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "IdParts",
    "assign_item_ids",
    "canonical_url",
    "clean_title",
    "fix_text",
    "normalize_datetime",
    "parse_date",
    "resolve_url",
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
# Already-canonical absolute URLs (lower-case host, no port, no fragment) skip
# the full parse; group 1 is the path, group 2 the query.
_SIMPLE_URL = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(/[^?#\s\\]*)?(\?[^#\s\\]*)?")
_TRACKING_HINT = re.compile(
    r"[?&](?:"
    + "|".join(re.escape(p) for p in TRACKING_PREFIXES)
    + "|"
    + "|".join(re.escape(p) + "=" for p in sorted(TRACKING_PARAMS))
    + ")",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")
# A tag starts with a letter, "/" or "!" (comments, CDATA); "a < b" is not a tag.
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,2000}>")
#: Dates before this year are placeholders, not dates (see :func:`normalize_datetime`).
MIN_YEAR = 1900
#: Titles longer than this (after cleaning) are cut, with an ellipsis.
MAX_TITLE_CHARS = 2000


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Return an absolute, canonical form of ``url`` or ``None``.

    Resolves against ``base``, lower-cases scheme and host, drops default
    ports, the fragment and tracking parameters (see :data:`TRACKING_PARAMS`
    and :data:`TRACKING_PREFIXES`).  Non-http(s) URLs other than mailto are
    returned resolved but otherwise untouched; relative URLs that cannot be
    resolved and unparsable ones give ``None``.

    >>> canonical_url("HTTPS://Example.COM:443/a?utm_source=x&id=7#top")
    'https://example.com/a?id=7'
    >>> canonical_url("../b", base="http://example.com/x/y/")
    'http://example.com/x/b'
    """
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    fast = _SIMPLE_URL.fullmatch(url)
    if fast is not None and (fast.group(2) is None or _TRACKING_HINT.search(fast.group(2)) is None):
        return url if fast.group(1) else url + "/"
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
    value: datetime | None,
    *,
    now: datetime | None = None,
    future_slack: timedelta = timedelta(days=1),
) -> datetime | None:
    """Return ``value`` as an aware UTC datetime.

    Rule: naive datetimes are taken to be UTC; fractions of a second are
    dropped (feeds are not that precise, and both parser paths must agree);
    dates before :data:`MIN_YEAR` are placeholders (``0001-01-01`` is Go's
    zero time) and give ``None``;
    a datetime more than
    ``future_slack`` after ``now`` (default: one day, to absorb clock and
    time-zone errors) is clamped to ``now``, because a feed cannot publish
    in the future and such dates would pin an item to the top forever.
    Without ``now`` no clamping happens (the function never reads the clock).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    elif value.utcoffset() != timedelta(0) or value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    if value.microsecond:
        value = value.replace(microsecond=0)
    if value.year < MIN_YEAR:
        return None
    if now is not None:
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        if value - now > future_slack:
            return now.astimezone(timezone.utc)
    return value


_ISO = re.compile(
    r"(\d{4})-?(\d\d)-?(\d\d)"
    r"(?:[Tt ]+(\d\d):?(\d\d)(?::?(\d\d)(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?)?"
)
_MONTHS_LONG = re.compile(
    r"\b(January|February|March|April|June|July|August|September|October|November|December"
    r"|Sept)\b",
    re.IGNORECASE,
)


def parse_date(text: str | None) -> datetime | None:
    """Parse a feed date (RFC 822 or W3C-DTF/ISO 8601) into aware UTC.

    Accepts what feeds actually send: RFC 822 with numeric or named zones
    (``GMT``, ``EST`` ...), full month names, two-digit years, and ISO 8601
    with or without ``T``, seconds, fractions or zone.  A missing or unknown
    zone means UTC.  Returns ``None`` when the text is not a date.

    >>> parse_date("Mon, 23 Nov 2026 09:15:00 +0100").isoformat()
    '2026-11-23T08:15:00+00:00'
    >>> parse_date("2026-11-23T08:15:00Z").isoformat()
    '2026-11-23T08:15:00+00:00'
    """
    if not text:
        return None
    text = text.strip()
    if not text or len(text) > 200:
        return None
    m = _ISO.fullmatch(text)
    if m:
        return _from_iso(m)
    m = _RFC822.fullmatch(text)
    if m:
        value = _from_rfc822_match(m)
        if value is not None:
            return value
    m = _YEAR_MONTH.fullmatch(text)
    if m:  # W3C-DTF reduced precision: "2026" or "2026-03"
        try:
            return datetime(int(m.group(1)), int(m.group(2) or 1), 1, tzinfo=timezone.utc)
        except ValueError:
            return None
    return _from_rfc822(text)


_RFC822 = re.compile(
    r"(?:[A-Za-z]{2,9}\.?,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{4})"
    r"(?:\s+(\d{1,2}):(\d\d)(?::(\d\d))?)?\s*(?:([+-])(\d\d):?(\d\d)|([A-Za-z]{1,5}))?"
)
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d\d))?")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
          "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}


def _from_rfc822_match(m: re.Match[str]) -> datetime | None:
    day, mon, year, hour, minute, second, sign, zh, zm, zname = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    if zname is not None:
        hours = _ZONES.get(zname.lower())
        if hours is None:
            return None  # let the general parser decide about odd zone names
        offset = timedelta(hours=hours)
    elif sign is not None:
        offset = timedelta(hours=int(zh), minutes=int(zm))
        if sign == "-":
            offset = -offset
    else:
        offset = timedelta(0)
    try:
        value = datetime(int(year), month, int(day), int(hour or 0), int(minute or 0),
                         int(second or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
    return value - offset


def _from_iso(m: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        value = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0),
            int(second or 0), micro, tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        value = value - offset if zone[0] == "+" else value + offset
    return value


def _from_rfc822(text: str) -> datetime | None:
    cleaned = _MONTHS_LONG.sub(lambda m: m.group(1)[:3], text)
    try:
        parsed = parsedate_tz(cleaned)
    except (ValueError, IndexError, TypeError):
        return None
    if parsed is None:
        return None
    year = parsed[0]
    four = _YEAR4.search(cleaned)
    if four and int(four.group(1)) < 100:
        year = int(four.group(1))  # "0001" is not 2001
    try:
        value = datetime(year, parsed[1], parsed[2], parsed[3], parsed[4], parsed[5],
                         tzinfo=timezone.utc)
        offset = parsed[9] or 0
        return value - timedelta(seconds=offset)
    except (ValueError, OverflowError):
        return None


_YEAR4 = re.compile(r"\b(\d{4})\b")
_C1 = re.compile("[\x80-\x9f]")


def _cp1252(m: re.Match[str]) -> str:
    try:
        return bytes([ord(m.group(0))]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def fix_text(text: str) -> str:
    """Repair the two common encoding accidents in feed text.

    UTF-8 that was decoded as Latin-1 (``"cafÃ©"``) is decoded again, and
    C1 control characters (U+0080 to U+009F, which are windows-1252 bytes
    mislabelled as Latin-1) become the characters windows-1252 meant
    (``"\\x93quoted\\x94"`` → ``"“quoted”"``); unmapped ones are removed.
    Text that is already right comes back unchanged.
    """
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("latin-1").decode("utf-8")
    if _C1.search(text):
        text = _C1.sub(_cp1252, text)
    return text


def clean_title(title: str | None, *, markup: bool = True) -> str | None:
    """Return ``title`` as plain text: unescaped, tag-free, one line.

    With ``markup=True`` (titles that may carry HTML: RSS, Atom
    ``type="html"``) entities are unescaped and tags removed; with
    ``markup=False`` (Atom ``type="text"``) the text is taken literally.
    Whitespace runs become one space; an empty title gives ``None``; titles
    longer than :data:`MAX_TITLE_CHARS` are cut and end with "…".

    >>> clean_title("Tom &amp; Jerry <b>again</b>\\n ")
    'Tom & Jerry again'
    """
    if title is None:
        return None
    text = title
    if markup:
        if "<" in text:
            text = _TAG.sub(" ", text)
        if "&" in text:
            text = html.unescape(text)
    text = _WS.sub(" ", text).strip()
    if len(text) > MAX_TITLE_CHARS:
        text = text[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return text or None


def _id_for(feed_url: str, key: str) -> str:
    digest = hashlib.blake2b(f"{feed_url}\0{key}".encode(), digest_size=10).hexdigest()
    return f"fk1:{digest}"


def _stamp(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def stable_item_id(
    feed_url: str,
    *,
    guid: str | None = None,
    link: str | None = None,
    title: str | None = None,
    published: datetime | None = None,
) -> str:
    """Return the id feedkit gives a single item.

    Rule: the canonical link identifies an item when there is one (so a feed
    that changes its GUID scheme, or reuses GUIDs across items, keeps ids
    stable as long as the permalink is stable); otherwise the GUID; otherwise
    title + published date.  The key is scoped by the feed URL and hashed, so
    ids are fixed-length and opaque: ``"fk1:" + 20 hex digits``.

    Several items of one feed may share a link; :func:`assign_item_ids`
    handles that case for a whole feed and is what the parser uses.
    """
    canon = canonical_url(link) if link else None
    if canon:
        key = "link\0" + canon
    elif guid and guid.strip():
        key = "guid\0" + guid.strip()
    else:
        key = "title\0" + (clean_title(title) or "") + "\0" + _stamp(published)
    return _id_for(feed_url, key)


class IdParts(NamedTuple):
    """What :func:`assign_item_ids` needs to know about one item."""

    guid: str | None
    link: str | None
    title: str | None
    published: datetime | None


def assign_item_ids(feed_url: str, items: Sequence[IdParts]) -> list[str]:
    """Return one id per item of a feed (same order), distinct within the feed.

    Each item gets :func:`stable_item_id` unless several items share the
    same canonical link.  In such a group the *oldest* item (earliest
    ``published``; without dates, the one last in the document, since feeds
    list newest first) keeps the plain link id, so its id does not change
    when a newer item reusing its link appears.  The others are keyed by
    link + GUID; if that still collides, by link + GUID + title + date; items
    identical in all of these get an ordinal suffix in document order.
    Items without a link are keyed by GUID, then title + date, and collide
    the same way.
    """
    first = [stable_item_id(feed_url, guid=p.guid, link=p.link, title=p.title,
                            published=p.published) for p in items]
    groups: dict[str, list[int]] = {}
    for index, item_id in enumerate(first):
        groups.setdefault(item_id, []).append(index)
    result = list(first)
    for members in groups.values():
        if len(members) < 2:
            continue
        keeper = min(
            members,
            key=lambda i: (
                items[i].published is None,
                items[i].published or datetime.min.replace(tzinfo=timezone.utc),
                -i,
            ),
        )
        seen: dict[str, int] = {first[keeper]: 1}
        for index in members:
            if index == keeper:
                continue
            part = items[index]
            link = canonical_url(part.link) or ""
            guid = (part.guid or "").strip()
            candidate = _id_for(feed_url, f"link+guid\0{link}\0{guid}")
            if candidate in seen:
                candidate = _id_for(
                    feed_url,
                    f"link+guid+title\0{link}\0{guid}\0{clean_title(part.title) or ''}"
                    f"\0{_stamp(part.published)}",
                )
            if candidate in seen:
                seen[candidate] += 1
                candidate = _id_for(feed_url, f"dup\0{candidate}\0{seen[candidate]}")
            seen.setdefault(candidate, 1)
            result[index] = candidate
    return result


def resolve_url(url: str | None, base: str | None) -> str | None:
    """Resolve ``url`` against ``base`` without canonicalizing (enclosures, icons)."""
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    if not base:
        return url
    try:
        return urljoin(base, url)
    except ValueError:
        return None
