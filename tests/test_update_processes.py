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

from feedkit.aggregator import AUTO_PROCESS_MIN_SOURCES, Aggregator
from feedkit.clean import default_cleaners
from feedkit.errors import NotAFeedError, ParseError
from feedkit.model import Item
from feedkit.store import SQLiteStore
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


@linux_only
def test_worker_processes_give_the_same_items_and_typed_errors(
    server: FeedServer, tmp_path: Path
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
        store = SQLiteStore(tmp_path / f"p{processes}.db")
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
    assert str(PARENT) not in pids2
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
def test_a_dead_worker_falls_back_to_this_process(server: FeedServer, tmp_path: Path) -> None:
    urls = serve_feeds(server, 4)
    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, Clock(T0), processes=2, cleaners=[*default_cleaners(), die_in_worker])
    for url in urls:
        agg.add_source(url)
    results = list(agg.update())
    assert [r.status for r in results] == ["ok"] * 4
    assert store.count_items() == 16
    assert pids(agg) == {str(PARENT)}
    store.close()


def test_unpicklable_cleaners_stay_in_this_process(server: FeedServer, tmp_path: Path) -> None:
    urls = serve_feeds(server, 3)
    seen: list[int] = []

    def closure(item: Item, ctx: Any) -> Item:  # a closure cannot be pickled
        seen.append(os.getpid())
        return item

    store = SQLiteStore(tmp_path / "fk.db")
    agg = make_agg(store, Clock(T0), processes=2, cleaners=[*default_cleaners(), closure])
    for url in urls:
        agg.add_source(url)
    assert [r.status for r in agg.update()] == ["ok"] * 3
    assert seen
    assert set(seen) == {PARENT}
    assert store.count_items() == 12
    store.close()


@linux_only
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="auto mode needs two CPUs")
def test_auto_mode_uses_processes_only_for_large_updates(
    server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_feeds(server, AUTO_PROCESS_MIN_SOURCES)
    small = make_agg(SQLiteStore(tmp_path / "small.db"), Clock(T0),
                     cleaners=[*default_cleaners(), tag_pid])
    for url in urls[:3]:
        small.add_source(url)
    list(small.update())
    assert pids(small) == {str(PARENT)}
    large = make_agg(SQLiteStore(tmp_path / "large.db"), Clock(T0), workers=16,
                     cleaners=[*default_cleaners(), tag_pid])
    for url in urls:
        large.add_source(url)
    results = list(large.update())
    assert all(r.ok for r in results)
    assert len(results) == AUTO_PROCESS_MIN_SOURCES
    assert str(PARENT) not in pids(large)
    small.store.close()
    large.store.close()


def test_processes_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="processes"):
        Aggregator(processes=-1)

