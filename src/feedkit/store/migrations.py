"""Schema versions of the SQLite store and the steps between them.

The schema version lives in ``PRAGMA user_version``.  ``MIGRATIONS[i]`` takes
a database from version ``i`` to version ``i + 1``; :func:`migrate` runs the
missing steps in order, each in its own transaction together with the
version bump, so an interrupted migration resumes where it stopped.  Append
new steps at the end; never edit a released one.

Times are stored as integer microseconds since the Unix epoch (UTC), items
as the JSON of :func:`feedkit.store.base.item_to_json`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from ..errors import StoreError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]

Migration = Callable[[sqlite3.Connection], None]

# Version 1: sources with HTTP state, items with history, blobs.
_V1 = """
CREATE TABLE sources (
    url           TEXT PRIMARY KEY,
    title         TEXT,
    added         INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    last_fetched  INTEGER,
    last_status   INTEGER,
    last_error    TEXT,
    error_count   INTEGER NOT NULL DEFAULT 0,
    next_due      INTEGER,
    gone          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE items (
    source        TEXT NOT NULL REFERENCES sources(url)
                  ON DELETE CASCADE ON UPDATE CASCADE,
    item_id       TEXT NOT NULL,
    data          TEXT NOT NULL,
    raw_hash      TEXT,
    content_hash  TEXT NOT NULL,
    sort_time     INTEGER NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_updated  INTEGER NOT NULL,
    PRIMARY KEY (source, item_id)
);
CREATE INDEX items_by_time ON items (sort_time DESC, item_id DESC);
CREATE TABLE item_versions (
    source        TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    data          TEXT NOT NULL,
    raw_hash      TEXT,
    valid_from    INTEGER NOT NULL,
    replaced      INTEGER NOT NULL,
    FOREIGN KEY (source, item_id) REFERENCES items (source, item_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX item_versions_by_item ON item_versions (source, item_id);
CREATE TABLE blobs (
    kind          TEXT NOT NULL,
    key           TEXT NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (kind, key)
);
"""

# Version 2: URL history after permanent redirects, per-item last-seen time
# (retention keeps what the feed still carries), relations / stories / duplicates.
_V2 = """
CREATE TABLE source_urls (
    source        TEXT NOT NULL REFERENCES sources(url)
                  ON DELETE CASCADE ON UPDATE CASCADE,
    url           TEXT NOT NULL UNIQUE,
    moved         INTEGER NOT NULL
);
CREATE INDEX source_urls_by_source ON source_urls (source);
ALTER TABLE items ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
UPDATE items SET last_seen = last_updated;
CREATE INDEX items_by_id ON items (item_id);
CREATE TABLE groups (
    kind          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    id            TEXT NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (kind, seq)
);
CREATE TABLE group_members (
    kind          TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    pos           INTEGER NOT NULL,
    item_id       TEXT NOT NULL
);
CREATE INDEX group_members_by_group ON group_members (kind, group_id);
CREATE TABLE relations (
    seq           INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    target        TEXT NOT NULL,
    score         REAL NOT NULL,
    reason        TEXT NOT NULL
);
"""


# Version 3: links merged in place (Store.merge_links) need to find a group by
# its members or its place, and a relation by its key or its source item.
_V3 = """
CREATE INDEX group_members_by_item ON group_members (kind, item_id);
CREATE INDEX group_members_by_seq ON group_members (kind, seq, pos);
DELETE FROM relations WHERE seq NOT IN (
    SELECT MAX(seq) FROM relations GROUP BY kind, source_id, target
);
CREATE UNIQUE INDEX relations_by_key ON relations (kind, source_id, target);
CREATE INDEX relations_by_source ON relations (source_id)
"""


def _script(sql: str) -> Migration:
    statements = [s.strip() for s in sql.split(";") if s.strip()]

    def run(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return run


MIGRATIONS: Sequence[Migration] = (_script(_V1), _script(_V2), _script(_V3))
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The ``user_version`` of an open database."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the database to ``len(migrations)``; return the starting version.

    ``conn`` must be in autocommit mode (``isolation_level=None``).  Raises
    :class:`~feedkit.errors.StoreError` for a database newer than this code.
    """
    target = len(migrations)
    start = schema_version(conn)
    if start > target:
        raise StoreError(
            f"database schema version {start} is newer than this feedkit supports ({target})"
        )
    for version in range(start, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated.
            if schema_version(conn) != version:
                conn.execute("COMMIT")
                continue
            migrations[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
