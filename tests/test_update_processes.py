"""Parse-and-clean in worker processes: same results as in-process, typed errors, fallbacks.

Runs real updates against the 127.0.0.1 feed server of test_update.py.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from feedkit.aggregator import Aggregator, _shard
from feedkit.clean import default_cleaners
from feedkit.errors import NotAFeedError, ParseError
from feedkit.model import Item
from feedkit.store import MemoryStore, SQLiteStore, Store
from feedkit.store.base import SourceState
from test_update import T0, Clock, FeedServer, by_source, make_agg, rss, server, versioned

__all__ = ["server"]  # the fixture, imported for its side effect on collection

PARENT = os.getpid()
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only"
)


def tag_pid(item: Item, ctx: Any) -> Item:
    """A picklable cleaner that records which process cleaned the item."""
    return replace(item, extra={**item.extra, "pid": str(os.getpid())})


def die_in_worker(item: Item, ctx: Any) -> Item:
    """A cleaner that kills any worker process it runs in (the parent survives)."""
    if os.getpid() != PARENT:
        os._exit(3)
    return tag_pid(item, ctx)


def serve_feeds(server: FeedServer, count: int) -> list[str]:
    urls = []
    for n in range(count):
        body = rss(f"s{n}", [(i, f"Story {i} from outlet {n}") for i in range(4)])
        server.routes[f"/f{n}.xml"] = versioned(lambda b=body: b, lambda n=n: f'"v{n}"')
        urls.append(server.url(f"/f{n}.xml"))
    return urls


def stored(agg: Aggregator) -> dict[str, dict[str, Any]]:
    """Item id -> the stored item's fields that cleaning decides (pid tag left out)."""
    out = {}
    for item in agg.items():
        out[item.id] = {
            "title": item.title,
            "summary": item.summary,
            "content": item.content_html,
            "link": item.link,
            "published": item.published.isoformat() if item.published else None,
            "navigation": [list(map(str, n.__reduce__()[1])) for n in item.navigation],
        }
    return out


def pids(agg: Aggregator) -> set[str]:
    return {item.extra.get("pid", "") for item in agg.items()}


def make_store(kind: str, tmp_path: Path, name: str) -> Store:
    # a file-backed SQLite store is updated by shard processes; a memory store
    # by this process's threads with a parse-and-clean process pool
    return SQLiteStore(tmp_path / f"{name}.db") if kind == "sqlite" else MemoryStore()


@linux_only
@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_worker_processes_give_the_same_items_and_typed_errors(
    server: FeedServer, tmp_path: Path, kind: str
) -> None:
    urls = serve_feeds(server, 5)
    server.routes["/page.html"] = lambda h: (
        200,
        {"Content-Type": "text/html"},
        b"<html><head><link rel='alternate' type='application/rss+xml' href='/f0.xml'>"
        b"</head><body><p>not a feed</p></body></html>",
    )
    server.routes["/broken.xml"] = lambda h: (200, {"Content-Type": "application/xml"}, b"\x00\x01")
    urls += [server.url("/page.html"), server.url("/broken.xml")]
    runs = {}
    for processes in (0, 2):
        store = make_store(kind, tmp_path, f"p{processes}")
        agg = make_agg(store, Clock(T0), processes=processes,
                       cleaners=[*default_cleaners(), tag_pid])
        for url in urls:
            agg.add_source(url)
        results = by_source(agg.update())
        runs[processes] = (results, stored(agg), pids(agg))
        store.close()
    (res0, items0, pids0), (res2, items2, pids2) = runs[0], runs[2]
    assert items0 == items2
    assert len(items0) == 20
    assert pids0 == {str(PARENT)}
    assert str(PARENT) not in pids2  # cleaned in other processes
    assert len(pids2) >= 1
    for url in urls:
        assert res0[url].status == res2[url].status
        assert (res0[url].new, res0[url].items) == (res2[url].new, res2[url].items)
    page = res2[server.url("/page.html")]
    assert isinstance(page.error, NotAFeedError)  # the typed error crossed the process boundary
    assert page.error.feed_links == res0[server.url("/page.html")].error.feed_links  # type: ignore[union-attr]
    assert page.error.feed_links
    assert page.error.feed_links[0].endswith("/f0.xml")
    assert isinstance(res2[server.url("/broken.xml")].error, ParseError)


@linux_only
@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_dead_worker_falls_back_to_this_process(
    server: FeedServer, tmp_path: Path, kind: str
) -> None:
    urls = serve_feeds(server, 4)
    store = make_store(kind, tmp_path, "fk")
    agg = make_agg(store, Clock(T0), processes=2, cleaners=[*default_cleaners(), die_in_worker])
    for url in urls:
        agg.add_source(url)
    results = list(agg.update())
    assert sorted(r.source for r in results) == sorted(urls)  # each source reported once
    assert [r.status for r in results] == ["ok"] * 4
    assert store.count_items() == 16
    assert pids(agg) == {str(PARENT)}
    store.close()


def test_unpicklable_cleaners_stay_in_this_process(server: FeedServer) -> None:
    urls = serve_feeds(server, 3)
    seen: list[int] = []

    def closure(item: Item, ctx: Any) -> Item:  # a closure cannot be pickled
        seen.append(os.getpid())
        return item

    agg = make_agg(MemoryStore(), Clock(T0), processes=2,
                   cleaners=[*default_cleaners(), closure])
    for url in urls:
        agg.add_source(url)
    assert [r.status for r in agg.update()] == ["ok"] * 3
    assert seen
    assert set(seen) == {PARENT}
    assert agg.store.count_items() == 12


@linux_only
def test_shards_run_closures_and_share_the_sqlite_file(server: FeedServer, tmp_path: Path) -> None:
    urls = serve_feeds(server, 6)
    marks: list[int] = []

    def closure(item: Item, ctx: Any) -> Item:  # fine in a forked shard: nothing is pickled
        marks.append(1)
        return tag_pid(item, ctx)

    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, Clock(T0), processes=2, per_host=None,  # one host, split anyway
                   cleaners=[*default_cleaners(), closure])
    for url in urls:
        agg.add_source(url)
    first = by_source(agg.update())
    assert {r.status for r in first.values()} == {"ok"}
    assert marks == []  # the closure ran in the shard processes, not here
    links = agg.links  # the shards' new items came back and were linked here
    assert links is not None
    assert sum(len(g.item_ids) for g in links.stories) == 24
    assert len(pids(agg)) == 2  # two shards, three sources each
    assert str(PARENT) not in pids(agg)
    # the shards' writes are in the file: HTTP state included (the next update is conditional)
    second = by_source(agg.update(force=True))
    assert {r.status for r in second.values()} == {"not_modified"}
    assert all(h.headers.get("if-none-match") for h in server.seen[-6:])
    assert store.count_items() == 24
    assert store.integrity_check() == "ok"
    store.close()


@linux_only
def test_shards_keep_the_per_host_bound(server: FeedServer, tmp_path: Path) -> None:
    urls = serve_feeds(server, 6)
    server.delay = 0.05
    hosts = ["127.0.0.1", "localhost"]
    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, Clock(T0), processes=2, workers=8, per_host=1)
    for n, url in enumerate(urls):
        agg.add_source(url.replace("127.0.0.1", hosts[n % 2]))
    results = list(agg.update())
    assert [r.status for r in results] == ["ok"] * 6
    assert server.peak == {"127.0.0.1": 1, "localhost": 1}
    store.close()


def test_shard_split_is_balanced_and_keeps_hosts_together() -> None:
    states = [SourceState(url=f"http://h{n % 3}.example/{n}.xml") for n in range(10)]
    round_robin = _shard(states, 3, by_host=False)
    assert [len(g) for g in round_robin] == [4, 3, 3]
    assert sorted(s.url for g in round_robin for s in g) == sorted(s.url for s in states)
    by_host = _shard(states, 2, by_host=True)
    hosts = [{s.url.split("/")[2] for s in g} for g in by_host]
    assert sum(len(h) for h in hosts) == 3  # no host split between shards
    assert sorted(len(g) for g in by_host) == [4, 6]  # h0 (4) alone; h1 and h2 (3 + 3) together
    assert _shard(states[:1], 4, by_host=False) == [[states[0]]]  # no empty shards


def test_processes_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="processes"):
        Aggregator(processes=-1)



@pytest.mark.parametrize("processes", [0, 2])
def test_not_modified_states_are_saved_in_batches(
    server: FeedServer, tmp_path: Path, processes: int
) -> None:
    # 70 sources: one full batch of 64 and a remainder written when the update ends
    if processes and not sys.platform.startswith("linux"):
        pytest.skip("shard processes are forked on Linux only")
    urls = serve_feeds(server, 70)
    clock = Clock(T0)
    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, clock, processes=processes, per_host=None, workers=16, link=False)
    for url in urls:
        agg.add_source(url)
    assert {r.status for r in agg.update()} == {"ok"}
    clock.advance(hours=1)
    assert {r.status for r in agg.update(force=True)} == {"not_modified"}
    states = store.sources()
    assert len(states) == 70
    assert {s.last_status for s in states} == {304}
    assert {s.last_fetched for s in states} == {clock.now}
    assert all(s.next_due is not None and s.next_due > clock.now for s in states)
    store.close()


def test_an_updated_item_is_linked_again_and_loses_its_old_relations(
    server: FeedServer, tmp_path: Path
) -> None:
    version = {"n": 1}

    def feed() -> bytes:
        nav = ("<p>Next article: <a href='https://nav.example/b'>Bakery wins rye prize</a></p>"
               if version["n"] == 1 else "<p>Corrected: the tram vote was on Tuesday.</p>")
        body = ("<p>The council approved the east harbor tram line after a long session"
                " on Tuesday evening.</p>" + nav)
        escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return (
            "<rss version='2.0'><channel><title>nav</title><link>https://nav.example/</link>"
            "<item><title>Council approves tram line</title><link>https://nav.example/a</link>"
            "<guid>https://nav.example/a</guid><pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate>"
            f"<description>{escaped}</description></item>"
            "<item><title>Bakery wins rye prize</title><link>https://nav.example/b</link>"
            "<guid>https://nav.example/b</guid><pubDate>Wed, 18 Nov 2026 11:00:00 GMT</pubDate>"
            "<description>The Kelp Street bakery won the national rye prize.</description>"
            "</item></channel></rss>"
        ).encode()

    server.routes["/nav.xml"] = versioned(feed, lambda: f'"n{version["n"]}"')
    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, Clock(T0), processes=0)
    agg.add_source(server.url("/nav.xml"))
    list(agg.update())
    a, b = (i.id for i in sorted(agg.items(), key=lambda i: i.link or ""))
    assert ("next", a, b) in {(r.kind, r.source_id, r.target) for r in store.relations()}
    version["n"] = 2
    results = list(agg.update(force=True))
    assert results[0].updated == 1
    assert ("next", a, b) not in {(r.kind, r.source_id, r.target) for r in store.relations()}
    assert store.integrity_check() == "ok"
    store.close()


def test_model_objects_pickle_as_constructor_calls() -> None:
    import pickle
    from datetime import timedelta

    from feedkit.model import Author, Enclosure, Feed, NavLink

    item = Item(id="a", feed_url="https://f.example/rss", title="T", link="https://f.example/a",
                published=T0, updated=T0 + timedelta(hours=1), authors=(Author("Ann", "a@x"),),
                summary="<p>s</p>", content_html="<p>c</p>", categories=("x",),
                enclosures=(Enclosure("https://f.example/a.mp3", "audio/mpeg", 3),),
                language="en", guid="g", feed_title="F", navigation=(NavLink("next", "u", "t"),),
                extra={"k": "v"})
    feed = Feed(url="https://f.example/rss", title="F", ttl_minutes=5)
    for obj in (item, feed):
        again = pickle.loads(pickle.dumps(obj))  # noqa: S301 - our own bytes
        assert again == obj
        assert again.__reduce__()[0] is type(obj)  # a call, not slotted state
    assert pickle.loads(pickle.dumps(item)).extra == {"k": "v"}  # noqa: S301 - extra is not compared by ==
    assert not hasattr(item, "__dict__")


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_big_update_links_with_a_featurizing_worker(
    server: FeedServer, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    import feedkit.aggregator
    import feedkit.link

    # "big": more than 8 new items; chunks of 8 so that the worker has chunks
    real = feedkit.link.link_items
    calls: list[tuple[int, int, str | None]] = []

    def spy(items: list[Item], **kw: Any) -> Any:
        ctx = kw.get("mp_context")
        calls.append((len(items), kw["workers"], ctx.get_start_method() if ctx else None))
        return real(items, chunk_size=8, **kw)

    monkeypatch.setattr(feedkit.link, "link_items", spy)
    monkeypatch.setattr(feedkit.aggregator, "LINK_PROCESS_MIN_ITEMS", 8)
    urls = serve_feeds(server, 6)  # 24 items: six outlets with look-alike stories
    links = {}
    for processes in (0, 2):
        store = make_store(kind, tmp_path, f"l{processes}")
        agg = make_agg(store, Clock(T0), processes=processes)
        for url in urls:
            agg.add_source(url)
        list(agg.update())
        got = agg.links
        assert got is not None
        links[processes] = (
            sorted(g.item_ids for g in got.stories),
            sorted(g.item_ids for g in got.duplicates),
            sorted((r.kind, r.source_id, r.target, r.score, r.reason) for r in got.relations),
        )
        store.close()
    fork = "fork" in multiprocessing.get_all_start_methods()
    assert calls[0] == (24, 1, None)  # processes=0: this process only
    assert calls[1] == (24, 2, "fork" if fork else None)
    assert links[0] == links[2]
    assert max(len(ids) for ids in links[0][0]) >= 6  # stories across the outlets
