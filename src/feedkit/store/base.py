"""The :class:`Store` protocol and the plain data it traffics in.

A store remembers, between runs, what an aggregator learned:

* per **source**: its URL (and the URLs it had before permanent redirects),
  the HTTP validators (ETag, Last-Modified), the last status and error, the
  consecutive error count, the next due time, the *gone* flag, its title,
  when it was added and last fetched (:class:`SourceState`);
* per **item**: the normalized, cleaned :class:`~feedkit.model.Item`, the hash
  of the item as parsed (*raw hash*, before cleaning), first seen / last
  updated times and the previous versions when its content changed
  (:class:`StoredItem`, :class:`ItemVersion`);
* opaque **blobs**: the learned boilerplate of each feed and the linking index;
* the **relations**, **stories** and duplicate groups of the last linking run.

Two implementations share one behaviour (one test suite runs over both):
:class:`feedkit.store.sqlite.SQLiteStore` (the default, a file path away) and
:class:`feedkit.store.memory.MemoryStore` (tests, one-shot runs).

The helpers here (:func:`item_to_json`, :func:`item_from_json`,
:func:`item_hash`, :func:`classify_item`, :func:`select_prunable`) are pure and
are what both implementations use, so they cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol, runtime_checkable

from ..errors import StoreError
from ..model import Author, Enclosure, Group, Item, NavLink, Relation

__all__ = [
    "ItemStatus",
    "ItemVersion",
    "RetentionPolicy",
    "SourceState",
    "Store",
    "StoredItem",
    "UpsertResult",
    "classify_item",
    "item_from_json",
    "item_hash",
    "item_to_json",
    "merge_groups",
    "merge_relations",
    "select_prunable",
    "to_utc",
]

ItemStatus = Literal["new", "updated", "unchanged"]
Blob = str | bytes

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# -- data ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceState:
    """Everything a store remembers about one source.

    ``url`` is the current URL (the store key); ``url_history`` lists the URLs
    the source had before permanent redirects, oldest first (managed by
    :meth:`Store.move_source`; :meth:`Store.save_source` ignores it).
    ``last_status`` is the last HTTP status (``None`` before the first fetch or
    when the failure had none, e.g. a timeout); ``last_error`` the text of the
    last error (``None`` after a success); ``error_count`` the number of
    consecutive failed updates; ``next_due`` when the source should be fetched
    next (``None``: now); ``gone`` is set for a 410 source, which is parked
    (kept, never fetched) until re-added.  Datetimes are UTC.
    """

    url: str
    title: str | None = None
    added: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    next_due: datetime | None = None
    gone: bool = False
    url_history: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as stored: the cleaned item plus bookkeeping.

    ``source`` is the URL of the source the item belongs to (it follows the
    source when the source moves; ``item.feed_url`` keeps the URL the item was
    parsed from).  ``raw_hash`` is the hash of the item as parsed, before
    cleaning (``None`` if the caller gave none); ``first_seen`` and
    ``last_updated`` are when the store first got it and last changed it;
    ``versions`` counts the previous versions kept (see
    :meth:`Store.item_versions`).
    """

    source: str
    item: Item
    raw_hash: str | None
    first_seen: datetime
    last_updated: datetime
    versions: int = 0

    @property
    def id(self) -> str:
        """The item id (``item.id``)."""
        return self.item.id

    @property
    def sort_time(self) -> datetime:
        """The time items are ordered and filtered by: published, else updated, else first seen."""
        return self.item.published or self.item.updated or self.first_seen


@dataclass(frozen=True, slots=True)
class ItemVersion:
    """A previous version of an item, kept when its content changed.

    ``valid_from`` is when that version was stored, ``replaced`` when a newer
    one replaced it.
    """

    item: Item
    raw_hash: str | None
    valid_from: datetime
    replaced: datetime


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: counts and the status of each item id given."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    statuses: Mapping[str, ItemStatus] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many items were given."""
        return self.new + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How many items a store keeps per source.

    An item is dropped when it is beyond the newest ``max_items`` of its
    source, or when its time (published, else updated, else first seen) is
    more than ``max_age_days`` old.  ``None`` disables that limit.  Never
    dropped: with ``keep_current`` (the default) an item present in the
    source's latest fetched document (it would come back as "new" on the
    next update otherwise); and an item that a stored story of two or more
    items needs as the only remaining representative of its source (when all
    of a source's items in such a story would go, the newest one stays).
    """

    max_items: int | None = None
    max_age_days: float | None = None
    keep_current: bool = True

    def __post_init__(self) -> None:
        if self.max_items is not None and self.max_items < 0:
            raise ValueError("max_items must be >= 0")
        if self.max_age_days is not None and self.max_age_days < 0:
            raise ValueError("max_age_days must be >= 0")


# -- the protocol -------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """What the aggregator needs from persistent memory.

    Every method raises :class:`~feedkit.errors.StoreError` when the backend
    fails; a failed write changes nothing (it is one transaction).  Methods are
    safe to call from several threads.  Datetimes given may be naive (taken as
    UTC) or aware; datetimes returned are aware UTC.
    """

    # sources
    def add_source(
        self, url: str, *, title: str | None = None, now: datetime | None = None
    ) -> SourceState:
        """Add a source (idempotent): when ``url`` is already known, as a current
        or former URL, return the existing state unchanged (a parked source stays
        parked; un-park it with ``save_source(replace(state, gone=False))``)."""
        ...

    def remove_source(self, url: str) -> bool:
        """Forget a source, its items and their history; False if unknown."""
        ...

    def get_source(self, url: str) -> SourceState | None:
        """The source whose current or former URL is ``url``, or ``None``."""
        ...

    def sources(self) -> list[SourceState]:
        """All sources, in the order they were added."""
        ...

    def save_source(self, state: SourceState) -> None:
        """Write a source's state (``url_history`` is ignored); StoreError if unknown."""
        ...

    def save_sources(self, states: Sequence[SourceState]) -> list[str]:
        """Write several sources' states in one transaction.

        Unknown sources (removed meanwhile) are skipped; returns their URLs.
        The aggregator falls back to :meth:`save_source` for a store without
        this method.
        """
        ...

    def move_source(
        self, old_url: str, new_url: str, *, now: datetime | None = None
    ) -> SourceState:
        """Re-key a source after a permanent redirect, keeping its items.

        ``old_url`` joins ``url_history``.  If ``new_url`` is already another
        source, the two are merged: its state wins, the old source's items it
        lacks move over.
        """
        ...

    # items
    def known_hashes(self, source: str) -> dict[str, str | None]:
        """Item id → raw hash for the items stored for ``source``."""
        ...

    def upsert_items(
        self,
        source: str,
        items: Sequence[Item],
        *,
        raw_hashes: Sequence[str | None] | None = None,
        now: datetime | None = None,
    ) -> UpsertResult:
        """Insert or update ``source``'s items in one transaction.

        ``raw_hashes[i]`` is the hash of ``items[i]`` as parsed; when it equals
        the stored one the item is *unchanged* and not rewritten.  Otherwise an
        item whose cleaned content differs is *updated* (the old version is
        kept) and one not stored yet is *new*.
        """
        ...

    def record_update(
        self,
        state: SourceState,
        items: Sequence[Item] = (),
        *,
        raw_hashes: Sequence[str | None] | None = None,
        seen: Sequence[str] = (),
        boilerplate: Blob | None = None,
        now: datetime | None = None,
    ) -> UpsertResult:
        """:meth:`save_source` and :meth:`upsert_items` in ONE transaction.

        This is how an aggregator commits a source update: a crash leaves
        either all of it or none of it.  ``seen`` lists ids of stored items
        the caller found unchanged without passing them (their raw hash
        matched :meth:`known_hashes`): they count as *unchanged* and are
        marked as present in the latest document (see
        :class:`RetentionPolicy`).  ``boilerplate``, when given, replaces the
        source's learned boilerplate in the same transaction.
        """
        ...

    def get_item(self, source: str, item_id: str) -> StoredItem | None:
        """One stored item, or ``None``."""
        ...

    def item_versions(self, source: str, item_id: str) -> list[ItemVersion]:
        """The previous versions of an item, oldest first."""
        ...

    def items(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        story: str | None = None,
        limit: int | None = None,
    ) -> list[StoredItem]:
        """Stored items, newest first (by :attr:`StoredItem.sort_time`, then id).

        ``since`` is inclusive, ``until`` exclusive; ``story`` keeps the
        members of that stored story; ``limit`` caps the count.
        """
        ...

    def count_items(self, source: str | None = None) -> int:
        """How many items are stored (for one source, or all)."""
        ...

    # blobs
    def get_boilerplate(self, feed_url: str) -> Blob | None:
        """The learned boilerplate blob of a feed, as it was saved (str or bytes)."""
        ...

    def set_boilerplate(self, feed_url: str, data: Blob) -> None:
        """Save a feed's learned boilerplate (an opaque str/bytes blob)."""
        ...

    def get_link_index(self) -> Blob | None:
        """The linking index blob, as it was saved."""
        ...

    def set_link_index(self, data: Blob) -> None:
        """Save the linking index (an opaque str/bytes blob)."""
        ...

    # links
    def save_links(
        self,
        *,
        relations: Sequence[Relation] = (),
        stories: Sequence[Group] = (),
        duplicates: Sequence[Group] = (),
    ) -> None:
        """Replace the stored relations, stories and duplicate groups."""
        ...

    def merge_links(
        self,
        *,
        relations: Sequence[Relation] = (),
        stories: Sequence[Group] = (),
        duplicates: Sequence[Group] = (),
        forget: Sequence[str] = (),
    ) -> None:
        """Merge one linking batch into the stored links, in one transaction.

        What :func:`merge_groups` and :func:`merge_relations` do to the
        stored lists, without reading or rewriting the untouched ones (an
        update costs what its batch touches, not what the store holds).
        ``forget`` lists items linked again (updated): their stored
        relations (as ``source_id``) are dropped before the batch's are added.
        The aggregator falls back to :meth:`save_links` of the merged lists
        for a store without this method.
        """
        ...

    def relations(self) -> list[Relation]:
        """The stored relations, in the order saved."""
        ...

    def stories(self) -> list[Group]:
        """The stored stories, in the order saved."""
        ...

    def duplicates(self) -> list[Group]:
        """The stored duplicate groups, in the order saved."""
        ...

    # retention, lifecycle
    def prune(self, policy: RetentionPolicy, *, now: datetime | None = None) -> int:
        """Apply a retention policy to every source; return the items dropped."""
        ...

    def close(self) -> None:
        """Release resources (idempotent)."""
        ...


# -- pure helpers ----------------------------------------------------------------


def to_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime (naive ones are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def now_utc(now: datetime | None = None) -> datetime:
    """``now`` as aware UTC, defaulting to the current time."""
    return to_utc(now) or datetime.now(timezone.utc)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch (exact, unlike a float)."""
    delta = (to_utc(value) or _EPOCH) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """The inverse of :func:`to_micros`."""
    return _EPOCH + timedelta(microseconds=value)


def _dt_out(value: datetime | None) -> str | None:
    return None if value is None else (to_utc(value) or value).isoformat()


def _dt_in(value: Any) -> datetime | None:
    if value is None:
        return None
    return to_utc(datetime.fromisoformat(str(value)))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def item_to_dict(item: Item) -> dict[str, Any]:
    """A JSON-ready dict of every field of ``item``."""
    return {
        "id": item.id,
        "feed_url": item.feed_url,
        "title": item.title,
        "link": item.link,
        "published": _dt_out(item.published),
        "updated": _dt_out(item.updated),
        "authors": [[a.name, a.email, a.uri] for a in item.authors],
        "summary": item.summary,
        "content_html": item.content_html,
        "categories": list(item.categories),
        "enclosures": [[e.url, e.type, e.length] for e in item.enclosures],
        "language": item.language,
        "guid": item.guid,
        "feed_title": item.feed_title,
        "navigation": [[n.rel, n.url, n.title] for n in item.navigation],
        "extra": {str(k): str(v) for k, v in item.extra.items()},
    }


def item_to_json(item: Item) -> str:
    """Serialise every field of ``item`` to compact, key-sorted JSON.

    Raises :class:`~feedkit.errors.StoreError` if a field cannot be encoded.
    """
    try:
        data = item_to_dict(item)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: keep them as JSON escapes
                text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
        return text
    except (TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"cannot serialise item {item.id!r}: {exc}") from exc


def item_from_json(text: str | bytes) -> Item:
    """Rebuild an :class:`~feedkit.model.Item` from :func:`item_to_json` output."""
    try:
        d = json.loads(text)
        length = None
        enclosures = []
        for url, type_, length in d.get("enclosures", ()):
            enclosures.append(
                Enclosure(url=str(url), type=_opt_str(type_),
                          length=None if length is None else int(length))
            )
        return Item(
            id=str(d["id"]),
            feed_url=str(d["feed_url"]),
            title=d.get("title"),
            link=d.get("link"),
            published=_dt_in(d.get("published")),
            updated=_dt_in(d.get("updated")),
            authors=tuple(
                Author(name=n, email=e, uri=u) for n, e, u in d.get("authors", ())
            ),
            summary=d.get("summary"),
            content_html=d.get("content_html"),
            categories=tuple(str(c) for c in d.get("categories", ())),
            enclosures=tuple(enclosures),
            language=d.get("language"),
            guid=d.get("guid"),
            feed_title=d.get("feed_title"),
            navigation=tuple(
                NavLink(rel=str(r), url=u, title=t) for r, u, t in d.get("navigation", ())
            ),
            extra={str(k): str(v) for k, v in (d.get("extra") or {}).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"corrupt stored item: {exc}") from exc


def hash_text(text: str) -> str:
    """A short stable hex digest of ``text``."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def item_hash(item: Item) -> str:
    """A stable digest of every field of ``item`` (use it as the *raw hash*)."""
    return hash_text(item_to_json(item))


def classify_item(
    stored_raw_hash: str | None,
    stored_content_hash: str | None,
    *,
    exists: bool,
    raw_hash: str | None,
    content_hash: str,
) -> tuple[ItemStatus, bool]:
    """Decide what an upsert does with one item.

    Returns ``(status, write)``: ``write`` is whether the row must be written
    (a new or updated item, or an unchanged one whose raw hash changed while
    its cleaned content did not).
    """
    if not exists:
        return "new", True
    if raw_hash is not None and raw_hash == stored_raw_hash:
        return "unchanged", False
    if content_hash == stored_content_hash:
        return "unchanged", raw_hash != stored_raw_hash
    return "updated", True


def merge_groups(stored: Sequence[Group], fresh: Sequence[Group]) -> list[Group]:
    """Stored groups updated with a new linking batch (each item in one group).

    A fresh group replaces the stored group with its id; its items leave any
    other stored group, and a group left empty is dropped.  Kept groups stay
    in order, fresh ones follow.
    """
    if not fresh:
        return list(stored)
    moved = {i for g in fresh for i in g.item_ids}
    fresh_ids = {g.id for g in fresh}
    kept: list[Group] = []
    for group in stored:
        if group.id in fresh_ids:
            continue
        members = tuple(i for i in group.item_ids if i not in moved)
        if members:
            kept.append(group if len(members) == len(group.item_ids) else Group(
                group.id, members, group.reason))
    return kept + list(fresh)


def merge_relations(
    stored: Sequence[Relation], fresh: Sequence[Relation], forget: Iterable[str] = ()
) -> list[Relation]:
    """Stored relations updated with a new batch: one per (kind, source_id, target),
    a fresh one replacing the stored one in its place; new ones follow.  Stored
    relations from an item in ``forget`` (linked again) are dropped first."""
    gone = set(forget)
    merged = {(r.kind, r.source_id, r.target): r for r in stored if r.source_id not in gone}
    merged.update(((r.kind, r.source_id, r.target), r) for r in fresh)
    return list(merged.values())


@dataclass(frozen=True, slots=True)
class PruneRow:
    """The facts :func:`select_prunable` needs about one stored item."""

    source: str
    item_id: str
    sort_time: int
    last_seen: int


def select_prunable(
    rows: Iterable[PruneRow],
    stories: Iterable[Group],
    policy: RetentionPolicy,
    now: datetime,
) -> set[tuple[str, str]]:
    """The ``(source, item_id)`` pairs a retention policy drops (pure)."""
    by_source: dict[str, list[PruneRow]] = {}
    for row in rows:
        by_source.setdefault(row.source, []).append(row)
    cutoff = (
        to_micros(now - timedelta(days=policy.max_age_days))
        if policy.max_age_days is not None
        else None
    )
    doomed: set[tuple[str, str]] = set()
    newest: dict[tuple[str, str], tuple[int, str]] = {}
    for source, source_rows in by_source.items():
        source_rows.sort(key=lambda r: (r.sort_time, r.item_id), reverse=True)
        current = max(r.last_seen for r in source_rows)
        for rank, row in enumerate(source_rows):
            newest[(source, row.item_id)] = (row.sort_time, row.item_id)
            too_many = policy.max_items is not None and rank >= policy.max_items
            too_old = cutoff is not None and row.sort_time < cutoff
            if not (too_many or too_old):
                continue
            if policy.keep_current and row.last_seen == current:
                continue
            doomed.add((source, row.item_id))
    if not doomed:
        return doomed
    members_by_id: dict[str, list[tuple[str, str]]] = {}
    for key in newest:
        members_by_id.setdefault(key[1], []).append(key)
    for story in stories:
        if len(story.item_ids) < 2:
            continue
        per_source: dict[str, list[tuple[str, str]]] = {}
        for item_id in story.item_ids:
            for key in members_by_id.get(item_id, ()):
                per_source.setdefault(key[0], []).append(key)
        for keys in per_source.values():
            if all(k in doomed for k in keys):
                doomed.discard(max(keys, key=lambda k: newest[k]))
    return doomed


class BlobMethods:
    """The named-blob accessors both stores share, over their own ``_get_blob`` /
    ``_set_blob`` (a store keeps opaque blobs by kind and key)."""

    def _get_blob(self, kind: str, key: str) -> Blob | None:
        raise NotImplementedError

    def _set_blob(self, kind: str, key: str, data: Blob) -> None:
        raise NotImplementedError

    def get_boilerplate(self, feed_url: str) -> Blob | None:
        """The learned boilerplate blob of a feed, as saved."""
        return self._get_blob("boilerplate", feed_url)

    def set_boilerplate(self, feed_url: str, data: Blob) -> None:
        """Save a feed's learned boilerplate."""
        self._set_blob("boilerplate", feed_url, data)

    def get_link_index(self) -> Blob | None:
        """The linking index blob, as saved."""
        return self._get_blob("link_index", "")

    def set_link_index(self, data: Blob) -> None:
        """Save the linking index."""
        self._set_blob("link_index", "", data)


#: An item ready to store: the item, its JSON, the hash of that JSON, its raw hash.
PreparedItem = tuple[Item, str, str, "str | None"]


def prepare_items(
    items: Sequence[Item], raw_hashes: Sequence[str | None] | None
) -> list[PreparedItem]:
    """Serialise and hash every item before a store changes anything.

    Fails early (``StoreError``) when ``raw_hashes`` does not pair with
    ``items``; the same id twice in one batch keeps the last one.
    """
    if raw_hashes is not None and len(raw_hashes) != len(items):
        raise StoreError("raw_hashes must have one entry per item")
    out: dict[str, PreparedItem] = {}
    for index, item in enumerate(items):
        data = item_to_json(item)
        out.pop(item.id, None)  # the same id twice in one batch: the last one wins
        out[item.id] = (item, data, hash_text(data), raw_hashes[index] if raw_hashes else None)
    return list(out.values())


def check_blob(data: object, what: str = "a blob") -> None:
    """Raise ``StoreError`` unless ``data`` is ``str`` or ``bytes`` (what blobs hold)."""
    if not isinstance(data, (str, bytes)):
        raise StoreError(f"{what} must be str or bytes, not {type(data).__name__}")
