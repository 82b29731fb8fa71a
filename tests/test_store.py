"""One behaviour, two stores: every test here runs over SQLiteStore and MemoryStore."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedkit.errors import StoreError
from feedkit.model import Author, Enclosure, Group, Item, NavLink, Relation
from feedkit.store import (
    MemoryStore,
    RetentionPolicy,
    SQLiteStore,
    Store,
    item_from_json,
    item_hash,
    item_to_json,
)
from feedkit.store.base import merge_groups, merge_relations

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
FEED = "https://example.org/feed.xml"
OTHER = "https://news.example.net/rss"


def make_item(n: int, *, feed: str = FEED, title: str | None = None, **kw: object) -> Item:
    fields: dict[str, object] = {
        "id": f"fk1:{feed[-8:]}-{n:04d}",
        "feed_url": feed,
        "title": title if title is not None else f"Item {n}",
        "link": f"{feed}/item/{n}",
        "published": T0 + timedelta(hours=n),
        "summary": f"<p>Summary {n}</p>",
    }
    fields.update(kw)
    return Item(**fields)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store = SQLiteStore(tmp_path / "fk.db") if request.param == "sqlite" else MemoryStore()
    yield s
    s.close()


# -- serialisation -------------------------------------------------------------


def test_item_json_round_trip_keeps_every_field() -> None:
    item = Item(
        id="fk1:abc",
        feed_url=FEED,
        title="Ünïcode — title",
        link="https://example.org/a",
        published=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc),
        updated=datetime(2026, 1, 3, tzinfo=timezone(timedelta(hours=2))),
        authors=(Author("Ann", "ann@example.org", "https://ann.example"), Author(name="Bo")),
        summary="<p>s</p>",
        content_html="<p>c</p>",
        categories=("a", "b"),
        enclosures=(Enclosure("https://example.org/x.mp3", "audio/mpeg", 123),),
        language="en",
        guid="g-1",
        feed_title="Example",
        navigation=(NavLink("previous", "https://example.org/p", "Prev"), NavLink("next")),
        extra={"k": "v"},
    )
    back = item_from_json(item_to_json(item))
    assert back == item
    assert back.extra == {"k": "v"}
    assert back.updated is not None
    assert back.updated.utcoffset() == timedelta(0)
    assert item_hash(back) == item_hash(item)


def test_lone_surrogates_survive(store: Store) -> None:
    store.add_source(FEED, now=T0)
    item = make_item(1, title="bad \ud800 text")
    store.upsert_items(FEED, [item], now=T0)
    got = store.get_item(FEED, item.id)
    assert got is not None
    assert got.item.title == "bad \ud800 text"


def test_corrupt_json_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        item_from_json("{not json")
    with pytest.raises(StoreError):
        item_from_json('{"title": "no id"}')


# -- sources --------------------------------------------------------------------


def test_add_source_is_idempotent_and_ordered(store: Store) -> None:
    a = store.add_source(FEED, title="Example", now=T0)
    assert a.url == FEED
    assert a.title == "Example"
    assert a.added == T0
    assert a.error_count == 0
    assert not a.gone
    assert a.next_due is None
    again = store.add_source(FEED, title="ignored", now=T0 + timedelta(days=1))
    assert again == a
    store.add_source(OTHER, now=T0 + timedelta(seconds=1))
    assert [s.url for s in store.sources()] == [FEED, OTHER]
    assert store.get_source("https://nowhere.example/") is None


def test_save_source_round_trips_http_state(store: Store) -> None:
    state = store.add_source(FEED, now=T0)
    changed = replace(
        state,
        title="T",
        etag='W/"abc"',
        last_modified="Sun, 01 Mar 2026 12:00:00 GMT",
        last_fetched=T0 + timedelta(minutes=5),
        last_status=503,
        last_error="RetryLater: 503",
        error_count=3,
        next_due=T0 + timedelta(hours=1, microseconds=7),
        gone=True,
    )
    store.save_source(changed)
    assert store.get_source(FEED) == changed
    with pytest.raises(StoreError):
        store.save_source(replace(changed, url="https://unknown.example/"))


def test_save_sources_writes_a_batch_and_skips_unknown_ones(store: Store) -> None:
    a, b = store.add_source(FEED, now=T0), store.add_source(OTHER, now=T0)
    ghost = replace(a, url="https://gone.example/feed.xml")
    later = T0 + timedelta(hours=1)
    missing = store.save_sources([
        replace(a, etag='"a2"', last_status=304, next_due=later),
        ghost,
        replace(b, last_error="boom", error_count=3),
    ])
    assert missing == [ghost.url]
    got_a, got_b = store.get_source(FEED), store.get_source(OTHER)
    assert got_a is not None
    assert (got_a.etag, got_a.last_status, got_a.next_due) == ('"a2"', 304, later)
    assert got_b is not None
    assert (got_b.last_error, got_b.error_count) == ("boom", 3)
    assert store.get_source(ghost.url) is None  # not created by the batch


def test_move_source_keeps_items_and_history(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.upsert_items(FEED, [make_item(1), make_item(2)], now=T0)
    moved = store.move_source(FEED, "https://example.org/new.xml", now=T0)
    assert moved.url == "https://example.org/new.xml"
    assert moved.url_history == (FEED,)
    assert store.get_source(FEED) == moved  # the old URL still finds it
    assert store.add_source(FEED) == moved  # re-adding the old URL does not duplicate
    assert [s.url for s in store.sources()] == ["https://example.org/new.xml"]
    assert store.count_items("https://example.org/new.xml") == 2
    assert store.count_items(FEED) == 0
    third = store.move_source(moved.url, "https://example.org/v3.xml", now=T0)
    assert third.url_history == (FEED, "https://example.org/new.xml")
    with pytest.raises(StoreError):
        store.move_source("https://unknown.example/", "https://x.example/")


def test_move_onto_existing_source_merges(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.add_source(OTHER, now=T0)
    store.upsert_items(FEED, [make_item(1), make_item(2)], now=T0)
    store.upsert_items(OTHER, [make_item(2, title="theirs")], now=T0)
    merged = store.move_source(FEED, OTHER, now=T0)
    assert merged.url == OTHER
    assert merged.url_history == (FEED,)
    assert [s.url for s in store.sources()] == [OTHER]
    assert store.count_items(OTHER) == 2
    kept = store.get_item(OTHER, make_item(2).id)
    assert kept is not None
    assert kept.item.title == "theirs"


def test_remove_source_drops_its_items(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.add_source(OTHER, now=T0)
    store.upsert_items(FEED, [make_item(1)], now=T0)
    store.upsert_items(OTHER, [make_item(1, feed=OTHER)], now=T0)
    store.set_boilerplate(FEED, "{}")
    assert store.remove_source(FEED) is True
    assert store.remove_source(FEED) is False
    assert store.count_items() == 1
    assert store.get_boilerplate(FEED) is None
    assert [s.url for s in store.sources()] == [OTHER]


# -- items ------------------------------------------------------------------------


def test_upsert_tells_new_updated_unchanged_apart(store: Store) -> None:
    store.add_source(FEED, now=T0)
    first = [make_item(i) for i in range(3)]
    r1 = store.upsert_items(FEED, first, raw_hashes=["r0", "r1", "r2"], now=T0)
    assert (r1.new, r1.updated, r1.unchanged) == (3, 0, 0)
    second = [first[0], replace(first[1], title="Item 1, corrected"), first[2], make_item(3)]
    later = T0 + timedelta(hours=1)
    r2 = store.upsert_items(FEED, second, raw_hashes=["r0", "r1b", "r2", "r3"], now=later)
    assert (r2.new, r2.updated, r2.unchanged) == (1, 1, 2)
    assert r2.statuses == {
        first[0].id: "unchanged",
        first[1].id: "updated",
        first[2].id: "unchanged",
        make_item(3).id: "new",
    }
    assert store.count_items(FEED) == 4  # updated, not duplicated
    got = store.get_item(FEED, first[1].id)
    assert got is not None
    assert got.item.title == "Item 1, corrected"
    assert got.raw_hash == "r1b"
    assert got.first_seen == T0
    assert got.last_updated == later
    assert got.versions == 1
    (old,) = store.item_versions(FEED, first[1].id)
    assert old.item.title == "Item 1"
    assert old.raw_hash == "r1"
    assert old.valid_from == T0
    assert old.replaced == later


def test_raw_hash_change_with_same_content_is_unchanged(store: Store) -> None:
    store.add_source(FEED, now=T0)
    item = make_item(1)
    store.upsert_items(FEED, [item], raw_hashes=["a"], now=T0)
    r = store.upsert_items(FEED, [item], raw_hashes=["b"], now=T0 + timedelta(hours=1))
    assert (r.new, r.updated, r.unchanged) == (0, 0, 1)
    assert store.known_hashes(FEED) == {item.id: "b"}
    assert store.item_versions(FEED, item.id) == []


def test_without_raw_hashes_content_decides(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.upsert_items(FEED, [make_item(1)], now=T0)
    same = store.upsert_items(FEED, [make_item(1)], now=T0)
    changed = store.upsert_items(FEED, [make_item(1, summary="<p>new</p>")], now=T0)
    assert same.unchanged == 1
    assert changed.updated == 1


def test_same_id_twice_in_a_batch_keeps_the_last(store: Store) -> None:
    store.add_source(FEED, now=T0)
    r = store.upsert_items(FEED, [make_item(1), make_item(1, title="last")], now=T0)
    assert (r.new, r.total) == (1, 1)
    got = store.get_item(FEED, make_item(1).id)
    assert got is not None
    assert got.item.title == "last"


def test_upsert_to_unknown_source_fails(store: Store) -> None:
    with pytest.raises(StoreError):
        store.upsert_items("https://unknown.example/", [make_item(1)])
    store.add_source(FEED)
    with pytest.raises(StoreError):
        store.upsert_items(FEED, [make_item(1)], raw_hashes=["a", "b"])


def test_record_update_writes_state_and_items_together(store: Store) -> None:
    state = store.add_source(FEED, now=T0)
    new_state = replace(state, etag='"v1"', last_status=200, last_fetched=T0)
    r = store.record_update(new_state, [make_item(1)], raw_hashes=["h"], now=T0)
    assert r.new == 1
    assert store.get_source(FEED) == new_state
    assert store.known_hashes(FEED) == {make_item(1).id: "h"}


def test_record_update_seen_ids_and_boilerplate(store: Store) -> None:
    state = store.add_source(FEED, now=T0)
    store.record_update(state, [make_item(i) for i in range(4)], now=T0)
    later = T0 + timedelta(hours=1)
    r = store.record_update(
        state,
        [make_item(4)],
        seen=[make_item(0).id, make_item(1).id, "not-stored"],
        boilerplate='{"learned": 1}',
        now=later,
    )
    assert (r.new, r.updated, r.unchanged) == (1, 0, 2)
    assert r.statuses[make_item(0).id] == "unchanged"
    assert "not-stored" not in r.statuses
    assert store.get_boilerplate(FEED) == '{"learned": 1}'
    # items 0, 1 and 4 are in the latest document: retention keeps them
    store.prune(RetentionPolicy(max_items=0), now=later)
    assert {s.id for s in store.items()} == {make_item(i).id for i in (0, 1, 4)}


def test_failed_write_changes_nothing(store: Store) -> None:
    state = store.add_source(FEED, now=T0)
    store.record_update(replace(state, etag='"ok"'), [make_item(1)], now=T0)
    bad = make_item(3, title=b"bytes are not text")  # cannot be serialised
    with pytest.raises(StoreError):
        store.record_update(replace(state, etag='"bad"'), [make_item(2), bad], now=T0)
    assert store.count_items() == 1
    got = store.get_source(FEED)
    assert got is not None
    assert got.etag == '"ok"'


def test_items_query_order_and_filters(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.add_source(OTHER, now=T0)
    store.upsert_items(FEED, [make_item(i) for i in (1, 3, 5)], now=T0)
    store.upsert_items(OTHER, [make_item(i, feed=OTHER) for i in (2, 4)], now=T0)
    undated = make_item(9, published=None)
    store.upsert_items(OTHER, [undated], now=T0 + timedelta(hours=3, minutes=30))
    titles = [s.item.title for s in store.items()]
    assert titles == ["Item 5", "Item 4", "Item 9", "Item 3", "Item 2", "Item 1"]
    assert [s.item.title for s in store.items(source=FEED)] == ["Item 5", "Item 3", "Item 1"]
    window = store.items(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4))
    assert [s.item.title for s in window] == ["Item 9", "Item 3", "Item 2"]
    assert [s.item.title for s in store.items(limit=2)] == ["Item 5", "Item 4"]
    assert store.items(source="https://unknown.example/") == []


def test_items_by_story(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.add_source(OTHER, now=T0)
    a, b, c = make_item(1), make_item(2, feed=OTHER), make_item(3)
    store.upsert_items(FEED, [a, c], now=T0)
    store.upsert_items(OTHER, [b], now=T0)
    store.save_links(
        stories=[Group("s1", (a.id, b.id), "shared title"), Group("s2", (c.id,))],
        relations=[Relation("same_story", a.id, b.id, 0.9, "shingle Jaccard 0.90")],
        duplicates=[Group("d1", (a.id,))],
    )
    assert {s.id for s in store.items(story="s1")} == {a.id, b.id}
    assert [s.id for s in store.items(story="s2")] == [c.id]
    assert store.items(story="nope") == []
    assert store.stories()[0] == Group("s1", (a.id, b.id), "shared title")
    assert store.relations() == [Relation("same_story", a.id, b.id, 0.9, "shingle Jaccard 0.90")]
    assert store.duplicates() == [Group("d1", (a.id,))]
    store.save_links()
    assert store.stories() == []
    assert store.relations() == []


def test_merge_links_equals_the_pure_merge(store: Store) -> None:
    # each batch moves items between groups, replaces groups by id, adds new ones
    # and re-scores relations: the store must end where merge_groups/merge_relations do
    stories = [Group(f"s{n}", tuple(f"i{n}-{k}" for k in range(3)), f"r{n}") for n in range(5)]
    dups = [Group(f"d{n}", (f"i{n}-0",)) for n in range(5)]
    rels = [Relation("same_story", f"i{n}-0", f"i{n}-1", 0.5, "first") for n in range(5)]
    store.save_links(stories=stories, duplicates=dups, relations=rels)
    batches = [
        ([Group("s9", ("i0-0", "i1-1", "new-1"), "joined")],
         [Group("d0", ("i0-0", "i2-0"))],
         [Relation("same_story", "i0-0", "i0-1", 0.8, "rescored"),
          Relation("next", "i0-0", "i1-0", 1.0, "nav")]),
        ([Group("s2", ("i2-2",)), Group("s10", ("i3-0", "i3-1", "i3-2"))], [], []),
        ([], [Group("d4", ("i4-0", "new-1"))], [Relation("next", "i0-0", "i1-0", 0.9, "again")]),
    ]
    for new_stories, new_dups, new_rels in batches:
        stories = merge_groups(stories, new_stories)
        dups = merge_groups(dups, new_dups)
        rels = merge_relations(rels, new_rels)
        store.merge_links(stories=new_stories, duplicates=new_dups, relations=new_rels)
        assert store.stories() == stories
        assert store.duplicates() == dups
        assert store.relations() == rels
    # the batches really moved things: a group emptied (s3), one split (s1), one replaced (s2)
    assert [g.id for g in stories] == ["s0", "s1", "s4", "s9", "s2", "s10"]
    assert stories[1].item_ids == ("i1-0", "i1-2")
    assert {s.id for s in store.items(story="s9")} == set()  # no such items stored: ids only
    assert len(rels) == 6


def test_merge_links_forgets_the_relations_of_relinked_items(store: Store) -> None:
    store.save_links(relations=[Relation("next", "a", "b", 1.0, "nav"),
                                Relation("same_story", "a", "c", 0.4, "terms"),
                                Relation("next", "c", "a", 1.0, "nav")])
    store.merge_links(relations=[Relation("same_story", "a", "d", 0.6, "new terms")],
                      forget=["a"])
    assert [(r.kind, r.source_id, r.target) for r in store.relations()] == [
        ("next", "c", "a"), ("same_story", "a", "d")]
    assert merge_relations([Relation("next", "a", "b", 1.0, "")], [], ["a"]) == []


def test_save_links_keeps_one_relation_per_key(store: Store) -> None:
    store.save_links(relations=[Relation("next", "a", "b", 0.1, "one"),
                                Relation("previous", "b", "a", 1.0, "two"),
                                Relation("next", "a", "b", 0.2, "three")])
    assert [(r.kind, r.reason) for r in store.relations()] == [("next", "three"),
                                                               ("previous", "two")]


# -- blobs ------------------------------------------------------------------------------


def test_blobs_keep_their_type(store: Store) -> None:
    assert store.get_boilerplate(FEED) is None
    store.set_boilerplate(FEED, '{"lines": ["Read more"]}')
    store.set_link_index(b"\x00\x01binary")
    assert store.get_boilerplate(FEED) == '{"lines": ["Read more"]}'
    assert store.get_link_index() == b"\x00\x01binary"
    store.set_link_index("text now")
    assert store.get_link_index() == "text now"
    with pytest.raises(StoreError):
        store.set_link_index(123)  # type: ignore[arg-type]


# -- retention ---------------------------------------------------------------------------


def test_prune_max_items_keeps_current_and_newest(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.upsert_items(FEED, [make_item(i) for i in range(10)], now=T0)
    # a later fetch only carries items 8 and 9: the rest are no longer in the feed
    store.upsert_items(FEED, [make_item(8), make_item(9)], now=T0 + timedelta(hours=1))
    dropped = store.prune(RetentionPolicy(max_items=4), now=T0 + timedelta(days=1))
    assert dropped == 6
    assert [s.item.title for s in store.items()] == ["Item 9", "Item 8", "Item 7", "Item 6"]


def test_prune_max_age(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.upsert_items(FEED, [make_item(i * 24) for i in range(5)], now=T0)
    store.upsert_items(FEED, [make_item(96)], now=T0 + timedelta(days=5))
    dropped = store.prune(RetentionPolicy(max_age_days=2), now=T0 + timedelta(days=5))
    assert dropped == 3  # items at 0, 24 and 48 h are more than 2 days old at 120 h
    assert store.count_items() == 2


def test_prune_without_keep_current_bounds_everything(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.upsert_items(FEED, [make_item(i) for i in range(5)], now=T0)
    assert store.prune(RetentionPolicy(max_items=2, keep_current=False), now=T0) == 3
    assert store.count_items() == 2


def test_prune_keeps_the_only_item_of_a_source_in_a_story(store: Store) -> None:
    store.add_source(FEED, now=T0)
    store.add_source(OTHER, now=T0)
    old_a, old_b = make_item(0), make_item(1)
    store.upsert_items(FEED, [old_a, old_b] + [make_item(i) for i in range(2, 8)], now=T0)
    store.upsert_items(OTHER, [make_item(1, feed=OTHER)], now=T0)
    story = Group("story", (old_a.id, old_b.id, make_item(1, feed=OTHER).id))
    store.save_links(stories=[story])
    policy = RetentionPolicy(max_items=3, keep_current=False)
    store.prune(policy, now=T0)
    left = {s.id for s in store.items(source=FEED)}
    assert old_b.id in left  # the newest of FEED's items in the story stays
    assert old_a.id not in left
    assert len(left) == 4


def test_retention_policy_validates() -> None:
    with pytest.raises(ValueError, match="max_items"):
        RetentionPolicy(max_items=-1)


def test_closed_store_raises(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError):
        store.sources()
