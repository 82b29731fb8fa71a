"""An in-memory store: the same behaviour as the SQLite one, gone at exit.

For tests and one-shot runs (``Aggregator()`` without a store uses one).  A
write either applies completely or not at all: everything that can fail
(serialising items) happens before anything changes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ..errors import StoreError
from ..model import Group, Item, Relation
from .base import (
    Blob,
    BlobMethods,
    ItemStatus,
    ItemVersion,
    PreparedItem,
    PruneRow,
    RetentionPolicy,
    SourceState,
    StoredItem,
    UpsertResult,
    check_blob,
    classify_item,
    from_micros,
    merge_groups,
    merge_relations,
    now_utc,
    prepare_items,
    select_prunable,
    to_micros,
    to_utc,
)

__all__ = ["MemoryStore"]


@dataclass(slots=True)
class _Row:
    item: Item
    raw_hash: str | None
    content_hash: str
    sort_time: int
    first_seen: int
    last_updated: int
    last_seen: int


@dataclass(slots=True)
class _Source:
    state: SourceState
    items: dict[str, _Row]
    versions: dict[str, list[ItemVersion]]


def _normal(state: SourceState) -> SourceState:
    """Round datetimes to microseconds in UTC, as the SQLite store stores them."""
    return replace(
        state,
        added=to_utc(state.added),
        last_fetched=to_utc(state.last_fetched),
        next_due=to_utc(state.next_due),
        error_count=int(state.error_count),
        gone=bool(state.gone),
    )


class MemoryStore(BlobMethods):
    """A :class:`~feedkit.store.base.Store` kept in dictionaries (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sources: dict[str, _Source] = {}
        self._former: dict[str, str] = {}  # former URL -> current URL
        self._blobs: dict[tuple[str, str], Blob] = {}
        self._relations: list[Relation] = []
        self._groups: dict[str, list[Group]] = {"story": [], "duplicate": []}
        self._closed = False

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._sources)} sources)"

    def close(self) -> None:
        """Mark the store closed (idempotent); later calls raise StoreError."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def _resolve(self, url: str) -> str | None:
        if url in self._sources:
            return url
        return self._former.get(url)

    def _history(self, url: str) -> tuple[str, ...]:
        return tuple(old for old, new in self._former.items() if new == url)

    def _state(self, url: str) -> SourceState:
        return replace(self._sources[url].state, url=url, url_history=self._history(url))

    # -- sources ------------------------------------------------------------

    def add_source(
        self, url: str, *, title: str | None = None, now: datetime | None = None
    ) -> SourceState:
        """Add a source (idempotent; see :meth:`Store.add_source`)."""
        with self._lock:
            self._check_open()
            key = self._resolve(url)
            if key is None:
                key = url
                self._sources[url] = _Source(
                    SourceState(url=url, title=title, added=now_utc(now)), {}, {}
                )
            return self._state(key)

    def remove_source(self, url: str) -> bool:
        """Forget a source, its items and their history."""
        with self._lock:
            self._check_open()
            key = self._resolve(url)
            if key is None:
                return False
            del self._sources[key]
            self._former = {old: new for old, new in self._former.items() if new != key}
            self._blobs.pop(("boilerplate", key), None)
            return True

    def get_source(self, url: str) -> SourceState | None:
        """The source whose current or former URL is ``url``."""
        with self._lock:
            self._check_open()
            key = self._resolve(url)
            return None if key is None else self._state(key)

    def sources(self) -> list[SourceState]:
        """All sources, in the order they were added."""
        with self._lock:
            self._check_open()
            keys = sorted(
                self._sources,
                key=lambda k: to_micros(self._sources[k].state.added or from_micros(0)),
            )
            return [self._state(k) for k in keys]

    def save_source(self, state: SourceState) -> None:
        """Write a source's state (``url_history`` is ignored)."""
        with self._lock:
            self._check_open()
            self._save(state)

    def save_sources(self, states: Sequence[SourceState]) -> list[str]:
        """Write several sources' states at once; returns the unknown ones' URLs."""
        missing: list[str] = []
        with self._lock:
            self._check_open()
            for state in states:
                if state.url in self._sources:
                    self._save(state)
                else:
                    missing.append(state.url)
        return missing

    def _save(self, state: SourceState) -> None:
        entry = self._sources.get(state.url)
        if entry is None:
            raise StoreError(f"unknown source: {state.url!r}")
        entry.state = _normal(replace(state, added=entry.state.added, url_history=()))

    def move_source(
        self, old_url: str, new_url: str, *, now: datetime | None = None
    ) -> SourceState:
        """Re-key a source after a permanent redirect (see :meth:`Store.move_source`)."""
        with self._lock:
            self._check_open()
            old_key = self._resolve(old_url)
            if old_key is None:
                raise StoreError(f"unknown source: {old_url!r}")
            new_key = self._resolve(new_url)
            if new_key == old_key:
                if old_key != new_url:  # moving back to a former URL
                    del self._former[new_url]
                    self._rekey(old_key, new_url)
                    self._former[old_key] = new_url
                return self._state(new_url)
            if new_key is None:
                self._rekey(old_key, new_url)
            else:
                target = self._sources[new_key]
                gone = self._sources.pop(old_key)
                for item_id, row in gone.items.items():
                    if item_id not in target.items:
                        target.items[item_id] = row
                        if item_id in gone.versions:
                            target.versions[item_id] = gone.versions[item_id]
                self._former = {
                    old: (new_key if new == old_key else new) for old, new in self._former.items()
                }
                new_url = new_key
            self._former.pop(old_key, None)
            self._former[old_key] = new_url
            return self._state(new_url)

    def _rekey(self, old: str, new: str) -> None:
        """Rename a source keeping its position in the insertion order."""
        self._sources = {(new if k == old else k): v for k, v in self._sources.items()}
        self._sources[new].state = replace(self._sources[new].state, url=new)
        self._former = {o: (new if n == old else n) for o, n in self._former.items()}

    # -- items ---------------------------------------------------------------

    def known_hashes(self, source: str) -> dict[str, str | None]:
        """Item id → raw hash for the items stored for ``source``."""
        with self._lock:
            self._check_open()
            entry = self._sources.get(source)
            if entry is None:
                return {}
            return {item_id: row.raw_hash for item_id, row in entry.items.items()}

    def upsert_items(
        self,
        source: str,
        items: Sequence[Item],
        *,
        raw_hashes: Sequence[str | None] | None = None,
        now: datetime | None = None,
    ) -> UpsertResult:
        """Insert or update a source's items, all or nothing."""
        prepared = prepare_items(items, raw_hashes)
        with self._lock:
            self._check_open()
            if source not in self._sources:
                raise StoreError(f"unknown source: {source!r}")
            return self._upsert(source, prepared, to_micros(now_utc(now)))

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
        """Save the source state and upsert its items, all or nothing."""
        prepared = prepare_items(items, raw_hashes)
        if boilerplate is not None:
            check_blob(boilerplate, "boilerplate")
        stamp = to_micros(now_utc(now))
        with self._lock:
            self._check_open()
            if state.url not in self._sources:
                raise StoreError(f"unknown source: {state.url!r}")
            self._save(state)
            result = self._upsert(state.url, prepared, stamp)
            if boilerplate is not None:
                self._blobs[("boilerplate", state.url)] = boilerplate
            fresh = {p[0].id for p in prepared}
            rows = self._sources[state.url].items
            touched = [i for i in dict.fromkeys(seen) if i not in fresh and i in rows]
            for item_id in touched:
                rows[item_id].last_seen = stamp
        if not touched:
            return result
        statuses = dict(result.statuses)
        statuses.update((i, "unchanged") for i in touched)
        return UpsertResult(
            new=result.new,
            updated=result.updated,
            unchanged=result.unchanged + len(touched),
            statuses=statuses,
        )

    def _upsert(
        self, source: str, prepared: list[PreparedItem], now: int
    ) -> UpsertResult:
        entry = self._sources[source]
        statuses: dict[str, ItemStatus] = {}
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for item, _data, content_hash, raw_hash in prepared:
            old = entry.items.get(item.id)
            status, write = classify_item(
                old.raw_hash if old else None,
                old.content_hash if old else None,
                exists=old is not None,
                raw_hash=raw_hash,
                content_hash=content_hash,
            )
            statuses[item.id] = status
            counts[status] += 1
            sort_time = to_micros(item.published or item.updated or from_micros(now))
            if status == "new":
                entry.items[item.id] = _Row(
                    item, raw_hash, content_hash, sort_time, now, now, now
                )
            elif status == "updated":
                assert old is not None
                entry.versions.setdefault(item.id, []).append(
                    ItemVersion(
                        item=old.item,
                        raw_hash=old.raw_hash,
                        valid_from=from_micros(old.last_updated),
                        replaced=from_micros(now),
                    )
                )
                entry.items[item.id] = _Row(
                    item, raw_hash, content_hash, sort_time, old.first_seen, now, now
                )
            else:
                assert old is not None
                if write:
                    old.raw_hash = raw_hash
                old.last_seen = now
        return UpsertResult(
            new=counts["new"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            statuses=statuses,
        )

    def _stored(self, source: str, row: _Row) -> StoredItem:
        return StoredItem(
            source=source,
            item=row.item,
            raw_hash=row.raw_hash,
            first_seen=from_micros(row.first_seen),
            last_updated=from_micros(row.last_updated),
            versions=len(self._sources[source].versions.get(row.item.id, ())),
        )

    def get_item(self, source: str, item_id: str) -> StoredItem | None:
        """One stored item, or ``None``."""
        with self._lock:
            self._check_open()
            entry = self._sources.get(source)
            row = entry.items.get(item_id) if entry else None
            return None if row is None else self._stored(source, row)

    def item_versions(self, source: str, item_id: str) -> list[ItemVersion]:
        """The previous versions of an item, oldest first."""
        with self._lock:
            self._check_open()
            entry = self._sources.get(source)
            return list(entry.versions.get(item_id, ())) if entry else []

    def items(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        story: str | None = None,
        limit: int | None = None,
    ) -> list[StoredItem]:
        """Stored items, newest first (see :meth:`Store.items`)."""
        lo = None if since is None else to_micros(since)
        hi = None if until is None else to_micros(until)
        with self._lock:
            self._check_open()
            members: set[str] | None = None
            if story is not None:
                members = {
                    item_id
                    for group in self._groups["story"]
                    if group.id == story
                    for item_id in group.item_ids
                }
            found: list[tuple[int, str, str, _Row]] = []
            for key, entry in self._sources.items():
                if source is not None and key != source:
                    continue
                for item_id, row in entry.items.items():
                    if lo is not None and row.sort_time < lo:
                        continue
                    if hi is not None and row.sort_time >= hi:
                        continue
                    if members is not None and item_id not in members:
                        continue
                    found.append((row.sort_time, item_id, key, row))
            # newest first, then id descending, then source ascending
            found.sort(key=lambda f: f[2])
            found.sort(key=lambda f: (f[0], f[1]), reverse=True)
            if limit is not None:
                found = found[: max(0, int(limit))]
            return [self._stored(key, row) for _, _, key, row in found]

    def count_items(self, source: str | None = None) -> int:
        """How many items are stored (for one source, or all)."""
        with self._lock:
            self._check_open()
            if source is not None:
                entry = self._sources.get(source)
                return len(entry.items) if entry else 0
            return sum(len(e.items) for e in self._sources.values())

    # -- blobs ---------------------------------------------------------------------

    def _get_blob(self, kind: str, key: str) -> Blob | None:
        with self._lock:
            self._check_open()
            return self._blobs.get((kind, key))

    def _set_blob(self, kind: str, key: str, data: Blob) -> None:
        check_blob(data)
        with self._lock:
            self._check_open()
            self._blobs[(kind, key)] = data

    # -- links ------------------------------------------------------------------------

    def save_links(
        self,
        *,
        relations: Sequence[Relation] = (),
        stories: Sequence[Group] = (),
        duplicates: Sequence[Group] = (),
    ) -> None:
        """Replace the stored relations, stories and duplicate groups.

        Relations are kept one per ``(kind, source_id, target)``: the last
        one given wins, in the place of the first.
        """
        rels, groups = _copies(relations, stories, duplicates)
        with self._lock:
            self._check_open()
            self._relations = merge_relations((), rels)
            self._groups = groups

    def merge_links(
        self,
        *,
        relations: Sequence[Relation] = (),
        stories: Sequence[Group] = (),
        duplicates: Sequence[Group] = (),
        forget: Sequence[str] = (),
    ) -> None:
        """Merge one linking batch into the stored links (see :meth:`Store.merge_links`)."""
        rels, fresh = _copies(relations, stories, duplicates)
        with self._lock:
            self._check_open()
            if rels or forget:
                self._relations = merge_relations(self._relations, rels, forget)
            for kind, groups in fresh.items():
                if groups:
                    self._groups[kind] = merge_groups(self._groups[kind], groups)

    def relations(self) -> list[Relation]:
        """The stored relations, in the order saved."""
        with self._lock:
            self._check_open()
            return list(self._relations)

    def stories(self) -> list[Group]:
        """The stored stories, in the order saved."""
        with self._lock:
            self._check_open()
            return list(self._groups["story"])

    def duplicates(self) -> list[Group]:
        """The stored duplicate groups, in the order saved."""
        with self._lock:
            self._check_open()
            return list(self._groups["duplicate"])

    # -- retention ------------------------------------------------------------------------

    def prune(self, policy: RetentionPolicy, *, now: datetime | None = None) -> int:
        """Apply a retention policy to every source; return the items dropped."""
        current = now_utc(now)
        with self._lock:
            self._check_open()
            rows = [
                PruneRow(key, item_id, row.sort_time, row.last_seen)
                for key, entry in self._sources.items()
                for item_id, row in entry.items.items()
            ]
            doomed = select_prunable(rows, self._groups["story"], policy, current)
            for key, item_id in doomed:
                entry = self._sources[key]
                del entry.items[item_id]
                entry.versions.pop(item_id, None)
            return len(doomed)


def _copies(
    relations: Sequence[Relation], stories: Sequence[Group], duplicates: Sequence[Group]
) -> tuple[list[Relation], dict[str, list[Group]]]:
    """Plain copies of links to keep (tuples for members, floats for scores)."""
    rels = [Relation(r.kind, r.source_id, r.target, float(r.score), r.reason) for r in relations]
    groups = {
        "story": [Group(g.id, tuple(g.item_ids), g.reason) for g in stories],
        "duplicate": [Group(g.id, tuple(g.item_ids), g.reason) for g in duplicates],
    }
    return rels, groups
