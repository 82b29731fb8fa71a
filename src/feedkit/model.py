"""The data feedkit passes between its steps: frozen, typed, plain.

Every step of the pipeline (parse, normalize, clean, link, emit) takes these
objects and returns new ones; nothing here does I/O.  Use
:func:`dataclasses.replace` to derive a changed copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Author",
    "Enclosure",
    "Feed",
    "FetchResult",
    "Group",
    "Item",
    "NavLink",
    "ParseResult",
    "Relation",
    "RelationKind",
]

RelationKind = Literal["duplicate", "same_story", "previous", "next", "related"]


class _PickledAsCall:
    """Pickles a slotted dataclass as a constructor call: several times cheaper
    to load than its field-by-field state (worker processes send many items)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        cls = type(self)
        return (cls, tuple(getattr(self, name) for name in _FIELDS[cls]))


@dataclass(frozen=True, slots=True)
class Author(_PickledAsCall):
    """A person or organisation credited for a feed or an item."""

    name: str | None = None
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure(_PickledAsCall):
    """A media file attached to an item (podcast audio, image, ...)."""

    url: str
    type: str | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class NavLink(_PickledAsCall):
    """A navigation reference found in an item's content.

    ``rel`` is ``"previous"``, ``"next"`` or ``"related"``; ``url`` and
    ``title`` are whatever the page gave (either may be missing).  Cleaning
    captures these from "Previous Article / Next Article" blocks before it
    removes them, and linking resolves them to items.
    """

    rel: str
    url: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Item(_PickledAsCall):
    """One normalized feed entry.

    Only ``id`` and ``feed_url`` are required.  Datetimes are timezone-aware
    UTC; ``link`` is absolute and canonical (tracking parameters removed);
    ``summary`` and ``content_html`` are sanitized HTML.
    """

    id: str
    feed_url: str
    title: str | None = None
    link: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[Author, ...] = ()
    summary: str | None = None
    content_html: str | None = None
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    language: str | None = None
    guid: str | None = None
    feed_title: str | None = None
    navigation: tuple[NavLink, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Feed(_PickledAsCall):
    """Feed-level metadata (the channel / feed element)."""

    url: str
    title: str | None = None
    link: str | None = None
    description: str | None = None
    language: str | None = None
    updated: datetime | None = None
    authors: tuple[Author, ...] = ()
    icon: str | None = None
    self_url: str | None = None
    ttl_minutes: int | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What :func:`feedkit.parse_feed` returns.

    ``warnings`` lists recoverable problems (ill-formed XML that was
    recovered, dates that could not be read, ...).  ``parser`` is ``"fast"``
    (the lxml path) or ``"feedparser"``; ``parser_reason`` says why that path
    was taken.
    """

    feed: Feed
    items: tuple[Item, ...]
    warnings: tuple[str, ...] = ()
    parser: str = "feedparser"
    parser_reason: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one successful HTTP request (200 or 304).

    ``content`` is ``None`` when ``not_modified`` is true.  ``url`` is the
    URL asked for, ``final_url`` the one that answered after redirects;
    ``permanent_redirect`` is set when a 301/308 chain should make the caller
    update its stored URL.  ``etag`` / ``last_modified`` are the validators to
    send next time.  ``headers`` has lower-cased names.
    """

    url: str
    final_url: str
    status: int
    content: bytes | None
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    permanent_redirect: str | None = None
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed, explained link from one item to another item or a URL.

    ``kind`` is one of ``duplicate``, ``same_story``, ``previous``, ``next``,
    ``related``; ``target`` is an item id, or an external URL for an
    unresolved navigation link; ``reason`` is human readable, for example
    ``"same canonical URL"`` or ``"shingle Jaccard 0.91"``.
    """

    kind: str
    source_id: str
    target: str
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Group:
    """A set of items linked together (a duplicate group or a story)."""

    id: str
    item_ids: tuple[str, ...]
    reason: str = ""


#: Field names in constructor order, for :class:`_PickledAsCall`.
_FIELDS: Mapping[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in (Author, Enclosure, NavLink, Item, Feed)
}
