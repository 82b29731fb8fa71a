"""What every emitter shares: safe text and URLs, item ids, and entry preparation.

Preparation turns ``items`` (+ an optional linking result) into the list of
:class:`EmitEntry` objects each writer serialises: duplicates merged into one
representative that lists the others as its sources, story members and
relations resolved to the entries they point at, HTML re-sanitized.
Everything here is pure and deterministic.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

from ..clean.sanitize import sanitize_html
from ..errors import EmitError
from ..model import Group, Item, Relation

__all__ = [
    "FEEDKIT_NS",
    "ID_PREFIX",
    "MAX_LINKS_PER_ENTRY",
    "MAX_STORY_LINKS_PER_ENTRY",
    "EmitEntry",
    "EmitLink",
    "FeedMeta",
    "LinkResultLike",
    "build_meta",
    "clean_text",
    "emitted_id",
    "fallback_title",
    "html_to_text",
    "original_id",
    "plain_text",
    "prepare_entries",
    "safe_email",
    "safe_http_url",
    "safe_language",
    "utc",
]

#: XML namespace of the ``fk:`` provenance/relation elements in Atom and RSS.
FEEDKIT_NS = "urn:feedkit:emit:1"
#: Prefix of the id form used when an item id is not a valid IRI.
ID_PREFIX = "urn:feedkit:id:"
#: At most this many story/relation links are written per entry (big stories
#: would otherwise make the output quadratic in the story size).
MAX_LINKS_PER_ENTRY = 50
#: Of those, at most this many point at other members of the entry's story, so a
#: huge story cannot crowd out previous/next links or blow up the output size.
MAX_STORY_LINKS_PER_ENTRY = 10

# Everything XML 1.0 forbids: C0 controls except tab/LF/CR, surrogates,
# U+FFFE and U+FFFF.  lxml refuses such strings; we drop them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters never allowed in a URI/IRI: whitespace, controls, delimiters.
_IRI_BAD = re.compile(
    "[\\s<>\"{}|\\\\^`\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]|%(?![0-9A-Fa-f]{2})"
)
_URL_BAD = re.compile("[\\s<>\"\\\\^`\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>")
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_EMAIL = re.compile(r"^[^@\s<>\"'`()\[\],;:\\]{1,64}@[A-Za-z0-9.\-]{1,253}$")
_SHORT_TAG = re.compile(r"<[A-Za-z/!?][^<>]{0,2000}>")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# Schemes an item id keeps as is; other ids are wrapped (a feed reader may
# use an entry id as its link, so javascript:, data: ... must never pass).
_ID_SCHEMES = re.compile(r"(?:https?|urn|tag|fk\d+):", re.IGNORECASE)
_WS = re.compile(r"\s+")


class LinkResultLike(Protocol):
    """What :func:`feedkit.emit.emit_feed` reads from a linking result.

    :class:`feedkit.link.LinkResult` satisfies it; so does any object with
    these three attributes.
    """

    @property
    def duplicates(self) -> Sequence[Group]:
        """Groups of the same article (every item in exactly one group)."""
        ...

    @property
    def stories(self) -> Sequence[Group]:
        """Same-story clusters (every item in exactly one story)."""
        ...

    @property
    def relations(self) -> Sequence[Relation]:
        """Typed, explained links between items (or to external URLs)."""
        ...


def clean_text(value: str | None) -> str:
    """Return ``value`` without the characters XML 1.0 forbids ('' for None)."""
    if not value:
        return ""
    return _XML_INVALID.sub("", value)


def plain_text(value: str | None) -> str:
    """A one-line plain-text field (title, name, category...) that is inert as HTML.

    Rule: complete tags (``<b>``, ``</a>``) are removed as normalization
    does, whitespace runs become one space, and a ``<`` that could still
    open a tag (followed by a letter, ``/``, ``!`` or ``?``) becomes ``‹``.
    Entities are *not* decoded (``Item`` titles are already plain text).
    Ordinary titles pass unchanged; a title is harmless even for a reader
    that wrongly renders it as HTML.
    """
    text = clean_text(value)
    if not text:
        return ""
    if "<" in text:
        text = _TAG_OPEN.sub("\u2039", _SHORT_TAG.sub(" ", text))
    return _WS.sub(" ", text).strip()


def safe_http_url(value: str | None) -> str | None:
    """Return ``value`` if it is an absolute http(s) URL, else ``None``.

    This is the only gate for every URL written into an ``href``, ``src`` or
    ``url`` attribute: ``javascript:``, ``data:``, ``file:`` and relative
    URLs never get through.
    """
    if not value:
        return None
    url = value.strip()
    if not url or _URL_BAD.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _is_safe_iri(value: str) -> bool:
    match = _ID_SCHEMES.match(value)
    return match is not None and match.end() < len(value) and not _IRI_BAD.search(value)


def emitted_id(item_id: str) -> str:
    """Return the id written to Atom ``<id>`` and RSS ``<guid>`` for ``item_id``.

    Rule: an id that is already a valid IRI in one of the schemes ``fk1:``
    (feedkit's own ids), ``http:``, ``https:``, ``urn:`` or ``tag:`` is
    written unchanged.  Anything else — spaces, control characters, no
    scheme, another scheme (feed readers may use an entry id as its link, so
    ``javascript:`` or ``data:`` must not pass), or an id that itself starts
    with :data:`ID_PREFIX` — becomes ``urn:feedkit:id:`` + the
    percent-encoded original, which :func:`original_id` turns back into the
    original exactly.
    """
    if _is_safe_iri(item_id) and not item_id.startswith(ID_PREFIX):
        return item_id
    return ID_PREFIX + quote(item_id, safe="", errors="surrogatepass")


def original_id(value: str) -> str:
    """Invert :func:`emitted_id`: the item id an emitted Atom/RSS id stands for."""
    if value.startswith(ID_PREFIX):
        return unquote(value[len(ID_PREFIX):], errors="surrogatepass")
    return value


def safe_language(value: str | None) -> str | None:
    """``value`` if it looks like a BCP 47 language tag (``en``, ``pt-BR``), else ``None``."""
    text = clean_text(value).strip()
    return text if text and _LANG.match(text) else None


def safe_email(value: str | None) -> str | None:
    """``value`` if it looks like an e-mail address (``a@b``), else ``None``."""
    text = clean_text(value).strip()
    return text if text and _EMAIL.match(text) else None


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    if not fragment:
        return ""
    return _WS.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def fallback_title(item: Item, *, limit: int = 80) -> str:
    """The title used where a format requires one and the item has none.

    Rule: the item's title; else the first ``limit`` characters of the text of
    its summary or content (cut at a word, with "…"); else its link; else
    ``"Untitled"``.
    """
    title = plain_text(item.title)
    if title:
        return title
    text = plain_text(html_to_text(item.summary) or html_to_text(item.content_html))
    if text:
        if len(text) <= limit:
            return text
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        return cut.rstrip() + "…"
    link = safe_http_url(item.link)
    return link or "Untitled"


def utc(value: datetime | None) -> datetime | None:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class EmitLink:
    """A link from an emitted entry: a story member or a resolved relation.

    ``rel`` is the Atom relation (``related``, ``previous``, ``next``);
    ``kind`` the feedkit relation kind (``same_story`` for story members);
    ``target`` the relation's original target (item id or URL);
    ``target_entry`` the index of the emitted entry it resolved to, if any;
    ``href`` the URL to link to (``None`` when there is none safe to use).
    """

    rel: str
    kind: str
    target: str
    target_entry: int | None
    href: str | None
    title: str | None
    score: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class EmitEntry:
    """One emitted item: a representative, the duplicates merged into it, its links.

    ``summary_html`` and ``content_html`` are re-sanitized
    (``keep_structure=False``) and free of XML-invalid characters.
    """

    item: Item
    sources: tuple[Item, ...]
    summary_html: str
    content_html: str
    story: Group | None
    story_size: int
    links: tuple[EmitLink, ...]


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Feed-level values after validation and fallbacks."""

    title: str
    link: str | None
    self_url: str | None
    feed_id: str
    updated: datetime
    description: str | None


def build_meta(
    items: Sequence[Item],
    *,
    title: str,
    link: str | None,
    self_url: str | None,
    feed_id: str | None,
    updated: datetime | None,
    description: str | None,
) -> FeedMeta:
    """Validate the feed-level arguments of ``emit_feed`` and apply the fallbacks.

    ``link``/``self_url`` must be absolute http(s) URLs (else :class:`EmitError`).
    Feed id: ``feed_id`` (through :func:`emitted_id`), else ``link``, else
    ``urn:feedkit:feed:`` + a hash of the title and the items' feed URLs.
    Updated: ``updated``, else the newest item date, else the current time.
    """
    feed_title = plain_text(title) or "feedkit"
    safe_link = safe_http_url(link)
    if link is not None and safe_link is None:
        raise EmitError(f"feed link must be an absolute http(s) URL, got {link!r}")
    safe_self = safe_http_url(self_url)
    if self_url is not None and safe_self is None:
        raise EmitError(f"self_url must be an absolute http(s) URL, got {self_url!r}")
    if feed_id is not None and clean_text(feed_id).strip():
        fid = emitted_id(clean_text(feed_id).strip())
    elif safe_link:
        fid = safe_link
    else:
        basis = "\0".join([feed_title, *sorted({it.feed_url for it in items})])
        digest = hashlib.blake2b(basis.encode("utf-8", "surrogatepass"), digest_size=16)
        fid = "urn:feedkit:feed:" + digest.hexdigest()
    when = utc(updated)
    if when is None:
        dates = [d for it in items for d in (utc(it.updated), utc(it.published)) if d]
        when = max(dates) if dates else datetime.now(timezone.utc)
    desc = plain_text(description) or None
    return FeedMeta(feed_title, safe_link, safe_self, fid, when, desc)


_REL_FOR_KIND = {
    "previous": "previous",
    "next": "next",
    "related": "related",
    "same_story": "related",
    "duplicate": "related",
}


def _content_length(item: Item) -> int:
    return len(html_to_text(item.content_html or item.summary))


def _representative(members: list[int], items: Sequence[Item]) -> int:
    """Rule: longest clean content, then earliest published, then input order."""

    def rank(i: int) -> tuple[int, bool, float, int]:
        it = items[i]
        when = utc(it.published or it.updated)
        return (-_content_length(it), when is None, when.timestamp() if when else 0.0, i)

    return min(members, key=rank)


def _sanitize(fragment: str | None, memo: dict[str, str]) -> str:
    """Re-sanitize ``fragment``; ``memo`` (local to one emit call) skips repeats."""
    if not fragment:
        return ""
    done = memo.get(fragment)
    if done is None:
        done = clean_text(sanitize_html(clean_text(fragment), keep_structure=False))
        memo[fragment] = done
    return done


def _finite(score: float) -> float | None:
    try:
        value = float(score)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def prepare_entries(
    items: Sequence[Item], links: LinkResultLike | None, merge_duplicates: bool
) -> list[EmitEntry]:
    """Merge duplicates, resolve stories and relations; see the module docstring.

    Items sharing an ``id`` are always the same article and are merged when
    ``merge_duplicates`` is true, with or without ``links``.  Entry order is
    the input order of each group's first member.
    """
    items = list(items)
    for it in items:
        if not isinstance(it, Item):
            raise EmitError(f"emit_feed expects feedkit Item objects, got {type(it).__name__}")
    n = len(items)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_index: dict[str, int] = {}
    for i, it in enumerate(items):
        j = first_index.setdefault(it.id, i)
        if merge_duplicates and j != i:
            union(j, i)
    if merge_duplicates and links is not None:
        for group in links.duplicates:
            present = [first_index[x] for x in group.item_ids if x in first_index]
            for k in present[1:]:
                union(present[0], k)

    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(find(i), []).append(i)
    ordered = [clusters[root] for root in sorted(clusters)]

    reps: list[int] = []
    entry_of_index: list[int] = [0] * n
    for e, members in enumerate(ordered):
        reps.append(members[0] if len(members) == 1 else _representative(members, items))
        for i in members:
            entry_of_index[i] = e
    entry_of_id: dict[str, int] = {it.id: entry_of_index[i] for i, it in enumerate(items)}

    def href_of(e: int) -> str | None:
        rep = items[reps[e]]
        found = safe_http_url(rep.link)
        if found:
            return found
        for i in ordered[e]:
            found = safe_http_url(items[i].link)
            if found:
                return found
        return None

    story_of: dict[str, Group] = {}
    story_entries: dict[str, list[int]] = {}  # story id -> its entries, in order
    relations_of: dict[int, list[Relation]] = {}
    if links is not None:
        for group in links.stories:
            members_of_story: dict[int, None] = {}
            for x in group.item_ids:
                story_of.setdefault(x, group)
                found_entry = entry_of_id.get(x)
                if found_entry is not None:
                    members_of_story[found_entry] = None
            story_entries.setdefault(group.id, list(members_of_story))
        for rel in links.relations:
            source_entry = entry_of_id.get(rel.source_id)
            if source_entry is not None:
                relations_of.setdefault(source_entry, []).append(rel)

    entries: list[EmitEntry] = []
    memo: dict[str, str] = {}
    for e, members in enumerate(ordered):
        rep = items[reps[e]]
        story: Group | None = story_of.get(rep.id)
        if story is None:
            story = next((story_of[items[i].id] for i in members if items[i].id in story_of), None)
        out: list[EmitLink] = []
        seen: set[tuple[str, str]] = set()
        story_size = 0
        if story is not None:
            in_story = story_entries.get(story.id, [])
            story_size = len(in_story)
            for t in in_story:
                if t == e:
                    continue
                if len(out) >= MAX_STORY_LINKS_PER_ENTRY:
                    break
                seen.add(("same_story", f"#{t}"))
                out.append(
                    EmitLink("related", "same_story", items[reps[t]].id, t, href_of(t),
                             plain_text(items[reps[t]].title) or None, None,
                             plain_text(story.reason))
                )
        for rel in relations_of.get(e, []):
            if len(out) >= MAX_LINKS_PER_ENTRY:
                break
            kind = plain_text(rel.kind)
            rel_name = _REL_FOR_KIND.get(kind, "related")
            target_entry = entry_of_id.get(rel.target)
            if target_entry is not None:
                if target_entry == e:
                    continue  # a duplicate merged into this very entry
                key = (kind, f"#{target_entry}")
                href = href_of(target_entry)
                title = plain_text(items[reps[target_entry]].title) or None
            else:
                href, title = safe_http_url(rel.target), None
                key = (kind, rel.target)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                EmitLink(rel_name, kind, rel.target, target_entry, href, title, _finite(rel.score),
                         plain_text(rel.reason))
            )
        entries.append(
            EmitEntry(
                item=rep,
                sources=tuple(items[i] for i in members if i != reps[e]),
                summary_html=_sanitize(rep.summary, memo),
                content_html=_sanitize(rep.content_html, memo),
                story=story,
                story_size=story_size,
                links=tuple(out),
            )
        )
    return entries
