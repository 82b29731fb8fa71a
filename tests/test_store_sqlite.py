"""What only the SQLite store has: a file, a schema version, SQLite errors."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedkit.errors import StoreError
from feedkit.model import Group, Item, Relation
from feedkit.store import SQLiteStore
from feedkit.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
FEED = "https://example.org/feed.xml"


def item(n: int, **kw: object) -> Item:
    return Item(
        id=f"id-{n}",
        feed_url=FEED,
        title=f"Item {n}",
        published=T0 + timedelta(hours=n),
        **kw,  # type: ignore[arg-type]
    )


def test_data_survives_reopen_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "fk.db"
    with SQLiteStore(path) as store:
        state = store.add_source(FEED, title="Example", now=T0)
        store.record_update(replace(state, etag='"e1"'), [item(1), item(2)], now=T0)
    with SQLiteStore(str(path)) as store:
        assert store.count_items(FEED) == 2
        got = store.get_source(FEED)
        assert got is not None
        assert got.etag == '"e1"'
        assert got.title == "Example"
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(conn) == SCHEMA_VERSION
    conn.close()


def test_opens_a_version_1_database_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])
    assert schema_version(conn) == 1
    data = '{"feed_url":"' + FEED + '","id":"id-1","title":"Old item"}'
    conn.execute(
        "INSERT INTO sources (url, title, added, etag, error_count) VALUES (?, ?, ?, ?, 2)",
        (FEED, "Old", 1_000_000, '"v1-etag"'),
    )
    conn.execute(
        "INSERT INTO items (source, item_id, data, raw_hash, content_hash, sort_time,"
        " first_seen, last_updated) VALUES (?, 'id-1', ?, 'r', 'c', 5, 6, 7)",
        (FEED, data),
    )
    conn.close()

    with SQLiteStore(path) as store:
        state = store.get_source(FEED)
        assert state is not None
        assert (state.title, state.etag, state.error_count) == ("Old", '"v1-etag"', 2)
        old = store.get_item(FEED, "id-1")
        assert old is not None
        assert old.item.title == "Old item"
        # version-2 features work on the migrated file
        moved = store.move_source(FEED, "https://example.org/new.xml", now=T0)
        assert moved.url_history == (FEED,)
        assert store.count_items("https://example.org/new.xml") == 1
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION == 3
    last_seen = conn.execute("SELECT last_seen FROM items").fetchone()[0]
    assert last_seen == 7  # back-filled from last_updated
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        SQLiteStore(path)
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path / "missing-dir" / "x.db")


def test_failure_mid_transaction_keeps_committed_data(tmp_path: Path) -> None:
    path = tmp_path / "fk.db"
    store = SQLiteStore(path)
    state = store.add_source(FEED, now=T0)
    store.record_update(replace(state, etag='"good"'), [item(1), item(2)], now=T0)
    # Inject a failure that SQLite raises in the middle of the next transaction:
    # after the source row and item 3 were written, item "boom" aborts.
    side = sqlite3.connect(path)
    side.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON items WHEN NEW.item_id = 'boom'"
        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    side.commit()
    with pytest.raises(StoreError, match="injected failure"):
        store.record_update(
            replace(state, etag='"bad"', error_count=9),
            [item(3), Item(id="boom", feed_url=FEED), item(4)],
            now=T0,
        )
    assert store.count_items() == 2
    got = store.get_source(FEED)
    assert got is not None
    assert got.etag == '"good"'
    assert got.error_count == 0
    assert store.integrity_check() == "ok"
    side.execute("DROP TRIGGER boom")
    side.commit()
    side.close()
    result = store.upsert_items(FEED, [item(3)], now=T0)  # the store still works
    assert result.new == 1
    store.close()


def test_busy_database_becomes_store_error(tmp_path: Path) -> None:
    path = tmp_path / "fk.db"
    store = SQLiteStore(path, busy_timeout=0.05)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="locked"):
        store.add_source(FEED)
    blocker.execute("ROLLBACK")
    blocker.close()
    assert store.add_source(FEED).url == FEED
    store.close()


def test_bad_synchronous_level() -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteStore(":memory:", synchronous="SOMETIMES")  # type: ignore[arg-type]


def test_version_2_links_migrate_to_keyed_relations(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:2])
    rows = [("same_story", "a", "b", 0.5, "old"), ("same_story", "a", "b", 0.7, "newer"),
            ("previous", "a", "c", 1.0, "nav")]
    conn.executemany(
        "INSERT INTO relations (kind, source_id, target, score, reason) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("INSERT INTO groups (kind, seq, id, reason) VALUES ('story', 0, 's0', '')")
    conn.executemany(
        "INSERT INTO group_members (kind, group_id, seq, pos, item_id) VALUES (?, ?, ?, ?, ?)",
        [("story", "s0", 0, 0, "a"), ("story", "s0", 0, 1, "b")],
    )
    conn.close()
    with SQLiteStore(path) as store:
        # duplicate keys from version 2 collapse to the last one saved
        assert [(r.kind, r.target, r.reason) for r in store.relations()] == [
            ("same_story", "b", "newer"), ("previous", "c", "nav")]
        store.merge_links(stories=[Group("s1", ("b", "d"))],
                          relations=[Relation("same_story", "a", "b", 0.9, "merged")])
        assert store.stories() == [Group("s0", ("a",)), Group("s1", ("b", "d"))]
        assert store.relations()[0].reason == "merged"
        assert store.integrity_check() == "ok"
