"""The default store: one SQLite file (stdlib :mod:`sqlite3`, WAL mode).

::

    store = SQLiteStore("feedkit.db")

* **Crash safety.**  Every write is one ``BEGIN IMMEDIATE`` … ``COMMIT``
  transaction (a whole source update with :meth:`SQLiteStore.record_update`),
  so a process killed at any instant leaves the last committed state.  WAL
  with ``synchronous=NORMAL`` keeps every commit across a process crash; a
  power loss may lose the last few commits but never corrupts the file
  (pass ``synchronous="FULL"`` to keep those too).
* **Concurrency.**  Threads share one connection behind a lock; several
  processes may open one file at once (WAL lets readers run beside the
  writer; writers wait up to ``busy_timeout`` seconds for each other).
* **Errors.**  :class:`sqlite3.Error` never escapes: it becomes
  :class:`~feedkit.errors.StoreError` and the transaction is rolled back.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, Literal

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
    item_from_json,
    merge_relations,
    now_utc,
    prepare_items,
    select_prunable,
    to_micros,
)
from .migrations import migrate

__all__ = ["SQLiteStore"]

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]

_SOURCE_COLUMNS = (
    "url, title, added, etag, last_modified, last_fetched, last_status, last_error,"
    " error_count, next_due, gone"
)


def _in_chunks(values: Sequence[str], size: int = 500) -> Iterator[tuple[str, tuple[str, ...]]]:
    """``values`` in slices small enough for one ``IN (...)``: (placeholders, slice)."""
    for start in range(0, len(values), size):
        part = tuple(values[start : start + size])
        yield ",".join("?" * len(part)), part


def _m(value: datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _d(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


class SQLiteStore(BlobMethods):
    """A :class:`~feedkit.store.base.Store` in one SQLite file.

    ``path`` is a file path (created with its schema when missing; migrated
    when older) or ``":memory:"``.  ``busy_timeout`` is how long (seconds) a
    write waits for another process's; ``synchronous`` is the SQLite
    durability level (``NORMAL`` is crash-safe for process crashes in WAL
    mode).  Use it as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        synchronous: Synchronous = "NORMAL",
    ) -> None:
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"bad synchronous level: {synchronous!r}")
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self.synchronous: Synchronous = synchronous
        self._lock = threading.RLock()
        self._closed = False
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path!r}: {exc}") from exc
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._conn.execute("PRAGMA journal_mode = WAL").fetchone()
            self._conn.execute(f"PRAGMA synchronous = {synchronous}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn)
        except sqlite3.Error as exc:
            self._conn.close()
            raise StoreError(f"cannot open store {self.path!r}: {exc}") from exc
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing ----------------------------------------------------------

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def reopen(self) -> SQLiteStore:
        """A new store on the same file, with its own connection and settings.

        For another process: a forked child must not use the connection it
        inherited (SQLite forbids carrying one across ``fork``), so it opens
        its own with this.  Raises :class:`StoreError` for ``":memory:"``
        (there is no file to share).
        """
        if self.path == ":memory:" or self.path.startswith("file::memory:"):
            raise StoreError("an in-memory SQLite store cannot be reopened")
        return SQLiteStore(
            self.path, busy_timeout=self.busy_timeout, synchronous=self.synchronous
        )

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; any failure rolls it back and becomes StoreError."""
        with self._lock:
            self._check_open()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"store write failed: {exc}") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error):  # nothing left to undo
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"store write failed: {exc}") from exc
                raise

    @contextmanager
    def _read(self, *, single: bool = False) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs (``single``: one statement,
        which SQLite already runs in its own implicit read transaction)."""
        with self._lock:
            self._check_open()
            try:
                if single:
                    yield self._conn
                    return
                self._conn.execute("BEGIN")
                try:
                    yield self._conn
                finally:
                    self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"store read failed: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` verdict (``"ok"`` when healthy)."""
        with self._read() as conn:
            return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))

    # -- sources -------------------------------------------------------------

    @staticmethod
    def _resolve(conn: sqlite3.Connection, url: str) -> str | None:
        row = conn.execute("SELECT url FROM sources WHERE url = ?", (url,)).fetchone()
        if row is not None:
            return str(row[0])
        row = conn.execute("SELECT source FROM source_urls WHERE url = ?", (url,)).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def _load_source(conn: sqlite3.Connection, url: str) -> SourceState | None:
        row = conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE url = ?",  # noqa: S608 - constant SQL text; values are bound parameters
            (url,),
        ).fetchone()
        if row is None:
            return None
        history = tuple(
            str(r[0])
            for r in conn.execute(
                "SELECT url FROM source_urls WHERE source = ? ORDER BY moved, rowid", (url,)
            )
        )
        return _source_from_row(row, history)

    def add_source(
        self, url: str, *, title: str | None = None, now: datetime | None = None
    ) -> SourceState:
        """Add a source (idempotent; see :meth:`Store.add_source`)."""
        with self._write() as conn:
            key = self._resolve(conn, url)
            if key is None:
                key = url
                conn.execute(
                    "INSERT INTO sources (url, title, added) VALUES (?, ?, ?)",
                    (url, title, to_micros(now_utc(now))),
                )
            state = self._load_source(conn, key)
        assert state is not None
        return state

    def remove_source(self, url: str) -> bool:
        """Forget a source, its items and their history."""
        with self._write() as conn:
            key = self._resolve(conn, url)
            if key is None:
                return False
            conn.execute("DELETE FROM sources WHERE url = ?", (key,))
            conn.execute("DELETE FROM blobs WHERE kind = 'boilerplate' AND key = ?", (key,))
            return True

    def get_source(self, url: str) -> SourceState | None:
        """The source whose current or former URL is ``url``."""
        with self._read() as conn:
            key = self._resolve(conn, url)
            return None if key is None else self._load_source(conn, key)

    def sources(self) -> list[SourceState]:
        """All sources, in the order they were added."""
        with self._read() as conn:
            history: dict[str, list[str]] = {}
            for source, old in conn.execute(
                "SELECT source, url FROM source_urls ORDER BY moved, rowid"
            ):
                history.setdefault(source, []).append(old)
            return [
                _source_from_row(row, tuple(history.get(row[0], ())))
                for row in conn.execute(
                    f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY added, rowid"  # noqa: S608 - constant SQL text; values are bound parameters
                )
            ]

    @staticmethod
    def _save_source(conn: sqlite3.Connection, state: SourceState) -> None:
        cur = conn.execute(
            "UPDATE sources SET title = ?, etag = ?, last_modified = ?, last_fetched = ?,"
            " last_status = ?, last_error = ?, error_count = ?, next_due = ?, gone = ?"
            " WHERE url = ?",
            (
                state.title,
                state.etag,
                state.last_modified,
                _m(state.last_fetched),
                state.last_status,
                state.last_error,
                int(state.error_count),
                _m(state.next_due),
                int(bool(state.gone)),
                state.url,
            ),
        )
        if cur.rowcount != 1:
            raise StoreError(f"unknown source: {state.url!r}")

    def save_source(self, state: SourceState) -> None:
        """Write a source's state (``url_history`` is ignored)."""
        with self._write() as conn:
            self._save_source(conn, state)

    def save_sources(self, states: Sequence[SourceState]) -> list[str]:
        """Write several sources' states in one transaction; returns the unknown ones' URLs."""
        missing: list[str] = []
        with self._write() as conn:
            for state in states:
                try:
                    self._save_source(conn, state)
                except StoreError:
                    missing.append(state.url)
        return missing

    def move_source(
        self, old_url: str, new_url: str, *, now: datetime | None = None
    ) -> SourceState:
        """Re-key a source after a permanent redirect (see :meth:`Store.move_source`)."""
        moved = to_micros(now_utc(now))
        with self._write() as conn:
            old_key = self._resolve(conn, old_url)
            if old_key is None:
                raise StoreError(f"unknown source: {old_url!r}")
            new_key = self._resolve(conn, new_url)
            if new_key == old_key:
                if old_key != new_url:  # moving back to a former URL
                    conn.execute("DELETE FROM source_urls WHERE url = ?", (new_url,))
                    conn.execute("UPDATE sources SET url = ? WHERE url = ?", (new_url, old_key))
                    conn.execute(
                        "INSERT INTO source_urls (source, url, moved) VALUES (?, ?, ?)",
                        (new_url, old_key, moved),
                    )
                state = self._load_source(conn, new_url)
                assert state is not None
                return state
            if new_key is None:
                conn.execute("UPDATE sources SET url = ? WHERE url = ?", (new_url, old_key))
            else:
                # Merge into the existing source: keep its rows, adopt what it lacks.
                conn.execute(
                    "UPDATE OR IGNORE items SET source = ? WHERE source = ?", (new_key, old_key)
                )
                conn.execute(
                    "UPDATE source_urls SET source = ? WHERE source = ?", (new_key, old_key)
                )
                conn.execute("DELETE FROM sources WHERE url = ?", (old_key,))
                new_url = new_key
            conn.execute(
                "INSERT OR REPLACE INTO source_urls (source, url, moved) VALUES (?, ?, ?)",
                (new_url, old_key, moved),
            )
            state = self._load_source(conn, new_url)
        assert state is not None
        return state

    # -- items ---------------------------------------------------------------

    def known_hashes(self, source: str) -> dict[str, str | None]:
        """Item id → raw hash for the items stored for ``source``."""
        with self._read(single=True) as conn:
            return {
                str(i): (None if h is None else str(h))
                for i, h in conn.execute(
                    "SELECT item_id, raw_hash FROM items WHERE source = ?", (source,)
                )
            }

    def upsert_items(
        self,
        source: str,
        items: Sequence[Item],
        *,
        raw_hashes: Sequence[str | None] | None = None,
        now: datetime | None = None,
    ) -> UpsertResult:
        """Insert or update a source's items in one transaction."""
        prepared = prepare_items(items, raw_hashes)
        with self._write() as conn:
            if self._resolve(conn, source) != source:
                raise StoreError(f"unknown source: {source!r}")
            return self._upsert(conn, source, prepared, to_micros(now_utc(now)))

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
        """Save the source state and upsert its items in ONE transaction."""
        prepared = prepare_items(items, raw_hashes)
        if boilerplate is not None:
            check_blob(boilerplate, "boilerplate")
        stamp = to_micros(now_utc(now))
        with self._write() as conn:
            self._save_source(conn, state)
            result = self._upsert(conn, state.url, prepared, stamp)
            fresh = {p[0].id for p in prepared}
            touched: list[str] = []
            for item_id in dict.fromkeys(seen):
                if item_id in fresh:
                    continue
                cur = conn.execute(
                    "UPDATE items SET last_seen = ? WHERE source = ? AND item_id = ?",
                    (stamp, state.url, item_id),
                )
                if cur.rowcount == 1:
                    touched.append(item_id)
            if boilerplate is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO blobs (kind, key, data) VALUES ('boilerplate', ?, ?)",
                    (state.url, boilerplate),
                )
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

    @staticmethod
    def _upsert(
        conn: sqlite3.Connection,
        source: str,
        prepared: list[PreparedItem],
        now: int,
    ) -> UpsertResult:
        if not prepared:
            return UpsertResult()
        stored: dict[str, tuple[str | None, str, str, int]] = {}
        ids = [p[0].id for p in prepared]
        for marks, chunk in _in_chunks(ids):
            for item_id, raw, content, data, updated in conn.execute(
                "SELECT item_id, raw_hash, content_hash, data, last_updated FROM items"  # noqa: S608 - constant SQL text; values are bound parameters
                f" WHERE source = ? AND item_id IN ({marks})",
                (source, *chunk),
            ):
                stored[item_id] = (raw, content, data, updated)
        statuses: dict[str, ItemStatus] = {}
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        rehash: list[tuple[Any, ...]] = []
        versions: list[tuple[Any, ...]] = []
        seen: list[tuple[Any, ...]] = []
        for item, data, content_hash, raw_hash in prepared:
            old = stored.get(item.id)
            status, write = classify_item(
                old[0] if old else None,
                old[1] if old else None,
                exists=old is not None,
                raw_hash=raw_hash,
                content_hash=content_hash,
            )
            statuses[item.id] = status
            counts[status] += 1
            sort_time = to_micros(item.published or item.updated or from_micros(now))
            if status == "new":
                inserts.append(
                    (source, item.id, data, raw_hash, content_hash, sort_time, now, now, now)
                )
                stored[item.id] = (raw_hash, content_hash, data, now)
            elif status == "updated":
                assert old is not None
                versions.append((source, item.id, old[2], old[0], old[3], now))
                updates.append((data, raw_hash, content_hash, sort_time, now, now, source, item.id))
                stored[item.id] = (raw_hash, content_hash, data, now)
            elif write:
                rehash.append((raw_hash, now, source, item.id))
            else:
                seen.append((now, source, item.id))
        if versions:
            conn.executemany(
                "INSERT INTO item_versions (source, item_id, data, raw_hash, valid_from, replaced)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                versions,
            )
        if inserts:
            conn.executemany(
                "INSERT INTO items (source, item_id, data, raw_hash, content_hash,"
                " sort_time, first_seen, last_updated, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
        if updates:
            conn.executemany(
                "UPDATE items SET data = ?, raw_hash = ?, content_hash = ?, sort_time = ?,"
                " last_updated = ?, last_seen = ? WHERE source = ? AND item_id = ?",
                updates,
            )
        if rehash:
            conn.executemany(
                "UPDATE items SET raw_hash = ?, last_seen = ? WHERE source = ? AND item_id = ?",
                rehash,
            )
        if seen:
            conn.executemany(
                "UPDATE items SET last_seen = ? WHERE source = ? AND item_id = ?", seen
            )
        return UpsertResult(
            new=counts["new"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            statuses=statuses,
        )

    def get_item(self, source: str, item_id: str) -> StoredItem | None:
        """One stored item, or ``None``."""
        with self._read(single=True) as conn:
            row = conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM items i WHERE source = ? AND item_id = ?",  # noqa: S608 - constant SQL text; values are bound parameters
                (source, item_id),
            ).fetchone()
            return None if row is None else _item_from_row(row)

    def item_versions(self, source: str, item_id: str) -> list[ItemVersion]:
        """The previous versions of an item, oldest first."""
        with self._read(single=True) as conn:
            return [
                ItemVersion(
                    item=item_from_json(data),
                    raw_hash=raw,
                    valid_from=from_micros(valid_from),
                    replaced=from_micros(replaced),
                )
                for data, raw, valid_from, replaced in conn.execute(
                    "SELECT data, raw_hash, valid_from, replaced FROM item_versions"
                    " WHERE source = ? AND item_id = ? ORDER BY replaced, rowid",
                    (source, item_id),
                )
            ]

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
        where: list[str] = []
        args: list[Any] = []
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if since is not None:
            where.append("sort_time >= ?")
            args.append(to_micros(since))
        if until is not None:
            where.append("sort_time < ?")
            args.append(to_micros(until))
        if story is not None:
            where.append(
                "item_id IN (SELECT item_id FROM group_members"
                " WHERE kind = 'story' AND group_id = ?)"
            )
            args.append(story)
        sql = f"SELECT {_ITEM_COLUMNS} FROM items i"  # noqa: S608 - constant SQL text; values are bound parameters
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY sort_time DESC, item_id DESC, source"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(max(0, int(limit)))
        with self._read(single=True) as conn:
            return [_item_from_row(row) for row in conn.execute(sql, args)]

    def count_items(self, source: str | None = None) -> int:
        """How many items are stored (for one source, or all)."""
        with self._read(single=True) as conn:
            if source is None:
                row = conn.execute("SELECT count(*) FROM items").fetchone()
            else:
                row = conn.execute(
                    "SELECT count(*) FROM items WHERE source = ?", (source,)
                ).fetchone()
            return int(row[0])

    # -- blobs -------------------------------------------------------------------

    def _get_blob(self, kind: str, key: str) -> Blob | None:
        with self._read(single=True) as conn:
            row = conn.execute(
                "SELECT data FROM blobs WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        if row is None:
            return None
        data = row[0]
        return data if isinstance(data, (str, bytes)) else str(data)

    def _set_blob(self, kind: str, key: str, data: Blob) -> None:
        check_blob(data)
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO blobs (kind, key, data) VALUES (?, ?, ?)",
                (kind, key, data),
            )

    # -- links ---------------------------------------------------------------------

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
        rel_rows = [
            (r.kind, r.source_id, r.target, float(r.score), r.reason)
            for r in merge_relations((), relations)
        ]
        group_rows: list[tuple[str, int, str, str]] = []
        member_rows: list[tuple[str, str, int, int, str]] = []
        for kind, groups in (("story", stories), ("duplicate", duplicates)):
            for seq, group in enumerate(groups):
                group_rows.append((kind, seq, group.id, group.reason))
                member_rows.extend(
                    (kind, group.id, seq, pos, item_id)
                    for pos, item_id in enumerate(group.item_ids)
                )
        with self._write() as conn:
            conn.execute("DELETE FROM relations")
            conn.execute("DELETE FROM groups")
            conn.execute("DELETE FROM group_members")
            conn.executemany(
                "INSERT INTO relations (kind, source_id, target, score, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                rel_rows,
            )
            conn.executemany(
                "INSERT INTO groups (kind, seq, id, reason) VALUES (?, ?, ?, ?)", group_rows
            )
            conn.executemany(
                "INSERT INTO group_members (kind, group_id, seq, pos, item_id)"
                " VALUES (?, ?, ?, ?, ?)",
                member_rows,
            )

    def merge_links(
        self,
        *,
        relations: Sequence[Relation] = (),
        stories: Sequence[Group] = (),
        duplicates: Sequence[Group] = (),
        forget: Sequence[str] = (),
    ) -> None:
        """Merge one linking batch into the stored links (see :meth:`Store.merge_links`).

        Touches only the rows of the batch's relations, of the groups it
        replaces and of the groups its items leave.
        """
        rel_rows = [
            (r.kind, r.source_id, r.target, float(r.score), r.reason)
            for r in merge_relations((), relations)
        ]
        with self._write() as conn:
            conn.executemany(
                "DELETE FROM relations WHERE source_id = ?", [(i,) for i in dict.fromkeys(forget)]
            )
            if rel_rows:
                conn.executemany(
                    "INSERT INTO relations (kind, source_id, target, score, reason)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, source_id, target)"
                    " DO UPDATE SET score = excluded.score, reason = excluded.reason",
                    rel_rows,
                )
            for kind, fresh in (("story", stories), ("duplicate", duplicates)):
                if fresh:
                    self._merge_groups(conn, kind, fresh)

    @staticmethod
    def _merge_groups(conn: sqlite3.Connection, kind: str, fresh: Sequence[Group]) -> None:
        moved = list(dict.fromkeys(i for g in fresh for i in g.item_ids))
        ids = list(dict.fromkeys(g.id for g in fresh))
        replaced: set[int] = set()
        for marks, part in _in_chunks(ids):
            replaced.update(
                int(r[0]) for r in conn.execute(
                    f"SELECT seq FROM groups WHERE kind = ? AND id IN ({marks})",  # noqa: S608 - placeholders only
                    (kind, *part),
                )
            )
        touched: set[int] = set()
        for marks, part in _in_chunks(moved):
            touched.update(
                int(r[0]) for r in conn.execute(
                    "SELECT DISTINCT seq FROM group_members"  # noqa: S608 - placeholders only
                    f" WHERE kind = ? AND item_id IN ({marks})",
                    (kind, *part),
                )
            )
            conn.execute(
                f"DELETE FROM group_members WHERE kind = ? AND item_id IN ({marks})",  # noqa: S608 - placeholders only
                (kind, *part),
            )
        for seq in replaced:
            conn.execute("DELETE FROM group_members WHERE kind = ? AND seq = ?", (kind, seq))
            conn.execute("DELETE FROM groups WHERE kind = ? AND seq = ?", (kind, seq))
        for seq in touched - replaced:  # groups the batch's items left: drop them if empty
            conn.execute(
                "DELETE FROM groups WHERE kind = ? AND seq = ? AND NOT EXISTS"
                " (SELECT 1 FROM group_members WHERE kind = ? AND seq = ?)",
                (kind, seq, kind, seq),
            )
        row = conn.execute(
            "SELECT COALESCE(MAX(seq), -1) + 1 FROM groups WHERE kind = ?", (kind,)
        ).fetchone()
        first = int(row[0])
        conn.executemany(
            "INSERT INTO groups (kind, seq, id, reason) VALUES (?, ?, ?, ?)",
            [(kind, first + n, g.id, g.reason) for n, g in enumerate(fresh)],
        )
        conn.executemany(
            "INSERT INTO group_members (kind, group_id, seq, pos, item_id) VALUES (?, ?, ?, ?, ?)",
            [
                (kind, g.id, first + n, pos, item_id)
                for n, g in enumerate(fresh)
                for pos, item_id in enumerate(g.item_ids)
            ],
        )

    def relations(self) -> list[Relation]:
        """The stored relations, in the order saved."""
        with self._read(single=True) as conn:
            return [
                Relation(kind=k, source_id=s, target=t, score=float(sc), reason=r)
                for k, s, t, sc, r in conn.execute(
                    "SELECT kind, source_id, target, score, reason FROM relations ORDER BY seq"
                )
            ]

    def _groups(self, kind: str) -> list[Group]:
        with self._read() as conn:
            return _load_groups(conn, kind)

    def stories(self) -> list[Group]:
        """The stored stories, in the order saved."""
        return self._groups("story")

    def duplicates(self) -> list[Group]:
        """The stored duplicate groups, in the order saved."""
        return self._groups("duplicate")

    # -- retention ---------------------------------------------------------------------

    def prune(self, policy: RetentionPolicy, *, now: datetime | None = None) -> int:
        """Apply a retention policy to every source; return the items dropped."""
        current = now_utc(now)
        with self._write() as conn:
            stories = _load_groups(conn, "story")
            rows = [
                PruneRow(source=s, item_id=i, sort_time=t, last_seen=ls)
                for s, i, t, ls in conn.execute(
                    "SELECT source, item_id, sort_time, last_seen FROM items"
                )
            ]
            doomed = select_prunable(rows, stories, policy, current)
            conn.executemany(
                "DELETE FROM items WHERE source = ? AND item_id = ?", sorted(doomed)
            )
        return len(doomed)


def _load_groups(conn: sqlite3.Connection, kind: str) -> list[Group]:
    members: dict[int, list[str]] = {}
    for seq, item_id in conn.execute(
        "SELECT seq, item_id FROM group_members WHERE kind = ? ORDER BY seq, pos", (kind,)
    ):
        members.setdefault(seq, []).append(item_id)
    return [
        Group(id=gid, item_ids=tuple(members.get(seq, ())), reason=reason)
        for seq, gid, reason in conn.execute(
            "SELECT seq, id, reason FROM groups WHERE kind = ? ORDER BY seq", (kind,)
        )
    ]


_ITEM_COLUMNS = (
    "source, data, raw_hash, first_seen, last_updated,"
    " (SELECT count(*) FROM item_versions v"
    " WHERE v.source = i.source AND v.item_id = i.item_id)"
)


def _item_from_row(row: tuple[Any, ...]) -> StoredItem:
    source, data, raw, first_seen, last_updated, versions = row
    return StoredItem(
        source=source,
        item=item_from_json(data),
        raw_hash=raw,
        first_seen=from_micros(first_seen),
        last_updated=from_micros(last_updated),
        versions=int(versions),
    )


def _source_from_row(row: tuple[Any, ...], history: tuple[str, ...]) -> SourceState:
    (url, title, added, etag, last_modified, last_fetched, last_status, last_error,
     error_count, next_due, gone) = row
    return SourceState(
        url=url,
        title=title,
        added=_d(added),
        etag=etag,
        last_modified=last_modified,
        last_fetched=_d(last_fetched),
        last_status=last_status,
        last_error=last_error,
        error_count=int(error_count),
        next_due=_d(next_due),
        gone=bool(gone),
        url_history=history,
    )

