"""Store-backed updates against a real HTTP server on 127.0.0.1 serving changing feeds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from feedkit.aggregator import Aggregator, SourceResult
from feedkit.errors import (
    CleanError,
    FeedkitError,
    FetchError,
    GoneError,
    RetryLater,
    StoreError,
)
from feedkit.fetch.http import Fetcher
from feedkit.model import Item
from feedkit.schedule import SchedulePolicy
from feedkit.store import MemoryStore, RetentionPolicy, SQLiteStore, Store

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
POLICY = SchedulePolicy(
    min_interval=timedelta(minutes=1),
    default_interval=timedelta(minutes=10),
    error_base=timedelta(minutes=2),
    error_cap=timedelta(hours=1),
    jitter=0.0,
)

# -- a feed server we fully control ------------------------------------------------

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    path: str
    host: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    """Routes are ``path -> handler(headers) -> (status, headers, body)``.

    A handler may instead return the string ``"die"`` to promise a long body,
    send a few bytes and drop the connection.
    """

    routes: dict[str, Callable[[dict[str, str]], Reply | str]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    state = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            host = headers.get("host", "").rsplit(":", 1)[0]
            with state.lock:
                state.seen.append(Seen(self.path, host, headers))
                state.in_flight[host] = state.in_flight.get(host, 0) + 1
                state.peak[host] = max(state.peak.get(host, 0), state.in_flight[host])
            try:
                if state.delay:
                    time.sleep(state.delay)
                route = state.routes.get(self.path)
                reply = route(headers) if route else (404, {}, b"not here")
                if reply == "die":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"<?xml version='1.0'?><rss><channel><title>half")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                assert not isinstance(reply, str)
                status, extra, body = reply
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                with state.lock:
                    state.in_flight[host] -= 1

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def rss(name: str, items: list[tuple[int, str]], *, ttl: int | None = None) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://{name}.example/a/{n}</link>"
        f"<guid>https://{name}.example/a/{n}</guid>"
        f"<pubDate>Wed, {18 + n % 5:02d} Nov 2026 10:{n % 60:02d}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;{title}: the full story about item {n} of {name}, "
        f"with enough words to be a real summary.&lt;/p&gt;</description></item>"
        for n, title in items
    )
    ttl_el = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{name} news</title><link>https://{name}.example/</link>{ttl_el}"
        f"{entries}</channel></rss>"
    ).encode()


def versioned(body: Callable[[], bytes], etag: Callable[[], str],
              extra: dict[str, str] | None = None) -> Callable[[dict[str, str]], Reply]:
    """A route answering 304 when the client's If-None-Match is current."""

    def handler(headers: dict[str, str]) -> Reply:
        tag = etag()
        if headers.get("if-none-match") == tag:
            return 304, {"ETag": tag, **(extra or {})}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": tag, **(extra or {})}, body()

    return handler


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store = SQLiteStore(tmp_path / "fk.db") if request.param == "sqlite" else MemoryStore()
    yield s
    s.close()


def make_agg(store: Store, clock: Clock, **kw: Any) -> Aggregator:
    kw.setdefault("fetcher", Fetcher(retries=0, deadline=10.0))
    return Aggregator(store=store, clock=clock, schedule=POLICY, **kw)


def by_source(results: Iterator[SourceResult]) -> dict[str, SourceResult]:
    return {r.source: r for r in results}


# -- tests -------------------------------------------------------------------------------


def test_second_update_is_conditional_and_changes_update_in_place(
    server: FeedServer, store: Store
) -> None:
    version = {"n": 1}
    items = {1: [(i, f"Story {i}") for i in range(5)]}
    items[2] = [(0, "Story 0 (corrected)"), *items[1][1:], (5, "Story 5")]
    server.routes["/a.xml"] = versioned(
        lambda: rss("a", items[version["n"]]), lambda: f'"v{version["n"]}"'
    )
    clock = Clock(T0)
    agg = make_agg(store, clock)
    url = server.url("/a.xml")
    agg.add_source(url)

    (first,) = agg.update()
    assert (first.status, first.new, first.items) == ("ok", 5, 5)
    assert server.hits("/a.xml")[0].headers.get("if-none-match") is None

    assert list(agg.update()) == []  # nothing is due yet
    clock.advance(minutes=11)
    (second,) = agg.update()
    assert second.status == "not_modified"
    assert server.hits("/a.xml")[-1].headers["if-none-match"] == '"v1"'
    assert len(agg.items()) == 5

    version["n"] = 2
    clock.advance(minutes=11)
    (third,) = agg.update()
    assert (third.status, third.new, third.updated, third.unchanged) == ("ok", 1, 1, 4)
    titles = [it.title for it in agg.items()]
    assert len(titles) == 6  # updated, not duplicated
    assert "Story 0 (corrected)" in titles
    assert "Story 0" not in titles
    corrected = next(it for it in agg.items() if it.title == "Story 0 (corrected)")
    (old,) = store.item_versions(url, corrected.id)
    assert old.item.title == "Story 0"
    state = store.get_source(url)
    assert state is not None
    assert state.etag == '"v2"'
    assert state.title == "a news"


def test_freshness_headers_and_ttl_set_next_due(server: FeedServer, store: Store) -> None:
    server.routes["/cc.xml"] = versioned(
        lambda: rss("cc", [(1, "x")]), lambda: '"1"', {"Cache-Control": "max-age=1800"}
    )
    server.routes["/ttl.xml"] = versioned(lambda: rss("ttl", [(1, "y")], ttl=45), lambda: '"1"')
    clock = Clock(T0)
    agg = make_agg(store, clock)
    agg.add_source(server.url("/cc.xml"))
    agg.add_source(server.url("/ttl.xml"))
    results = by_source(agg.update())
    assert results[server.url("/cc.xml")].next_due == T0 + timedelta(minutes=30)
    assert results[server.url("/ttl.xml")].next_due == T0 + timedelta(minutes=45)
    clock.advance(minutes=31)
    assert [r.source for r in agg.update()] == [server.url("/cc.xml")]


def test_retry_after_delays_that_source_only(server: FeedServer, store: Store) -> None:
    busy = {"on": True}

    def limited(headers: dict[str, str]) -> Reply:
        if busy["on"]:
            return 429, {"Retry-After": "1200"}, b"slow down"
        return 200, {"Content-Type": "application/rss+xml"}, rss("busy", [(1, "finally")])

    server.routes["/busy.xml"] = limited
    server.routes["/calm.xml"] = versioned(lambda: rss("calm", [(1, "calm")]), lambda: '"c"')
    clock = Clock(T0)
    agg = make_agg(store, clock)
    busy_url, calm_url = server.url("/busy.xml"), server.url("/calm.xml")
    agg.add_source(busy_url)
    agg.add_source(calm_url)

    results = by_source(agg.update())
    assert isinstance(results[busy_url].error, RetryLater)
    assert results[busy_url].next_due == T0 + timedelta(seconds=1200)
    assert results[calm_url].ok
    busy["on"] = False
    clock.advance(minutes=11)
    assert [r.source for r in agg.update()] == [calm_url]  # busy waits its 20 minutes
    clock.advance(minutes=10)
    results = by_source(agg.update())
    assert set(results) == {busy_url, calm_url}
    assert results[busy_url].new == 1
    state = store.get_source(busy_url)
    assert state is not None
    assert state.error_count == 0


def test_gone_parks_the_source(server: FeedServer, store: Store) -> None:
    server.routes["/gone.xml"] = lambda h: (410, {}, b"gone")
    clock = Clock(T0)
    agg = make_agg(store, clock)
    url = server.url("/gone.xml")
    agg.add_source(url)
    (result,) = agg.update()
    assert isinstance(result.error, GoneError)
    assert result.parked
    state = store.get_source(url)
    assert state is not None
    assert state.gone
    clock.advance(days=30)
    assert list(agg.update(force=True)) == []  # parked, not deleted, not fetched
    assert len(server.hits("/gone.xml")) == 1
    assert agg.sources == [url]
    agg.add_source(url)  # re-adding does not un-park
    assert list(agg.update()) == []
    server.routes["/gone.xml"] = lambda h: (200, {}, rss("back", [(1, "back")]))
    agg.revive(url)
    (again,) = agg.update()
    assert again.new == 1


def test_permanent_redirect_moves_the_source(server: FeedServer, store: Store) -> None:
    server.routes["/old.xml"] = lambda h: (301, {"Location": "/new.xml"}, b"")
    server.routes["/new.xml"] = versioned(lambda: rss("new", [(1, "a"), (2, "b")]), lambda: '"n"')
    clock = Clock(T0)
    agg = make_agg(store, clock)
    old, new = server.url("/old.xml"), server.url("/new.xml")
    agg.add_source(old)
    (result,) = agg.update()
    assert result.moved_to == new
    assert result.new == 2
    assert agg.sources == [new]
    state = store.get_source(new)
    assert state is not None
    assert state.url_history == (old,)
    assert len(agg.items(source=new)) == 2
    assert len(agg.items(source=old)) == 2  # the old URL still names the source
    clock.advance(minutes=11)
    (second,) = agg.update()
    assert second.status == "not_modified"
    assert len(server.hits("/old.xml")) == 1  # the second update went straight to /new.xml


def test_errors_back_off_and_keep_committed_items(server: FeedServer, store: Store) -> None:
    healthy = {"on": True}

    def flaky(headers: dict[str, str]) -> Reply:
        if healthy["on"]:
            return 200, {}, rss("flaky", [(1, "one"), (2, "two")])
        return 500, {}, b"oops"

    server.routes["/flaky.xml"] = flaky
    clock = Clock(T0)
    agg = make_agg(store, clock)
    url = server.url("/flaky.xml")
    agg.add_source(url)
    assert next(agg.update()).new == 2
    healthy["on"] = False
    waits = []
    for _ in range(4):
        clock.advance(hours=2)
        (result,) = agg.update()
        assert isinstance(result.error, FetchError)
        assert result.next_due is not None
        waits.append(result.next_due - clock.now)
        assert result.items == 2  # what was committed stays
    assert waits == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    state = store.get_source(url)
    assert state is not None
    assert state.error_count == 4
    assert state.last_status == 500
    assert "500" in (state.last_error or "")


def test_faults_in_the_middle_fail_only_their_source(
    server: FeedServer, tmp_path: Path
) -> None:
    """A fetch dying mid-body, a failing store write, a raising cleaner."""
    for name in ("good", "cut", "dbfail", "plugin"):
        server.routes[f"/{name}.xml"] = versioned(
            lambda name=name: rss(name, [(1, f"{name} one"), (2, f"{name} two")]), lambda: '"1"'
        )

    class FailingStore(SQLiteStore):
        armed = False

        def record_update(self, state: Any, items: Any = (), **kw: Any) -> Any:
            if self.armed and "dbfail" in state.url:
                # fail inside the transaction, after the rows were written
                def boom(*a: Any, **k: Any) -> Any:
                    raise StoreError("disk on fire")

                original = self._upsert
                self._upsert = lambda *a, **k: (original(*a, **k), boom())[1]  # type: ignore[method-assign]
                try:
                    return super().record_update(state, items, **kw)
                finally:
                    self._upsert = original  # type: ignore[method-assign]
            return super().record_update(state, items, **kw)

    def plugin(item: Item, ctx: Any) -> Item:
        if "plugin" in item.feed_url and armed["on"]:
            raise RuntimeError("plugin bug")
        return item

    armed = {"on": False}
    store = FailingStore(tmp_path / "fk.db")
    clock = Clock(T0)
    agg = make_agg(store, clock, cleaners=[plugin])
    urls = {name: server.url(f"/{name}.xml") for name in ("good", "cut", "dbfail", "plugin")}
    for url in urls.values():
        agg.add_source(url)
    first = by_source(agg.update())
    assert all(r.ok and r.new == 2 for r in first.values())

    # second round: every source changed, three of them fail in different places
    for name in urls:
        server.routes[f"/{name}.xml"] = versioned(
            lambda name=name: rss(name, [(1, f"{name} one"), (2, f"{name} two"), (3, "three")]),
            lambda: '"2"',
        )
    server.routes["/cut.xml"] = lambda h: "die"
    store.armed = True
    armed["on"] = True
    clock.advance(minutes=11)
    second = by_source(agg.update())
    assert len(second) == 4
    assert second[urls["good"]].ok
    assert second[urls["good"]].new == 1
    assert isinstance(second[urls["cut"]].error, FetchError)
    assert isinstance(second[urls["dbfail"]].error, StoreError)
    assert isinstance(second[urls["plugin"]].error, CleanError)
    assert store.integrity_check() == "ok"
    for name in ("cut", "dbfail", "plugin"):
        assert len(agg.items(source=urls[name])) == 2, name  # nothing committed was lost
        state = store.get_source(urls[name])
        assert state is not None
        assert state.etag == '"1"', name  # validators not advanced: the change is refetched
        assert state.error_count == 1
    assert len(agg.items(source=urls["good"])) == 3
    store.close()


def test_per_host_bound_holds(server: FeedServer) -> None:
    server.delay = 0.05
    for n in range(12):
        server.routes[f"/f{n}.xml"] = versioned(lambda n=n: rss(f"f{n}", [(1, "x")]), lambda: '"1"')
    agg = Aggregator(store=MemoryStore(), workers=8, per_host=2, link=False,
                     fetcher=Fetcher(retries=0))
    for n in range(12):
        host = "127.0.0.1" if n % 2 else "localhost"
        agg.add_source(server.url(f"/f{n}.xml", host=host))
    results = list(agg.update())
    assert len(results) == 12
    assert all(r.ok for r in results)
    assert max(server.peak.values()) <= 2
    assert set(server.peak) == {"127.0.0.1", "localhost"}


def test_unexpected_exception_is_reported_not_raised(tmp_path: Path) -> None:
    class BrokenFetcher(Fetcher):
        def fetch(self, url: str, etag: str | None = None,
                  last_modified: str | None = None) -> Any:
            raise ZeroDivisionError("bug")

    agg = Aggregator(store=MemoryStore(), fetcher=BrokenFetcher())
    agg.add_source("http://127.0.0.1:9/feed.xml")
    (result,) = agg.update()
    assert isinstance(result.error, FeedkitError)
    assert isinstance(result.error.__cause__, ZeroDivisionError)


def test_items_filters_links_and_retention(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/a.xml"] = versioned(
        lambda: rss("a", [(n, f"Harbor tram line item {n}") for n in range(6)]), lambda: '"1"'
    )
    path = tmp_path / "fk.db"
    clock = Clock(T0)
    agg = make_agg(SQLiteStore(path), clock, retention=RetentionPolicy(max_items=100))
    url = server.url("/a.xml")
    agg.add_source(url)
    list(agg.update())
    items = agg.items()
    assert len(items) == 6
    newest = items[0].published
    assert newest is not None
    assert agg.items(since=newest) == [items[0]]
    assert len(agg.items(limit=2)) == 2
    links = agg.links
    assert links is not None
    story = links.stories[0]
    assert {it.id for it in agg.items(story=story.id)} == set(story.item_ids)
    agg.store.close()
    # a new process sees the same items and links, and emits them
    again = make_agg(SQLiteStore(path), clock)
    assert [it.id for it in again.items()] == [it.id for it in items]
    assert again.links is not None
    assert b"Harbor tram line item 5" in again.emit("atom")
    again.store.close()


def test_import_opml_adds_titled_sources(store: Store) -> None:
    opml = (
        b"<?xml version='1.0'?><opml version='2.0'><head><title>t</title></head><body>"
        b"<outline text='A' title='Alpha' type='rss' xmlUrl='https://a.example/feed'/>"
        b"<outline text='local' xmlUrl='file:///etc/passwd'/>"
        b"<outline text='B' xmlUrl='https://b.example/rss'/></body></opml>"
    )
    agg = Aggregator(store=store)
    assert agg.import_opml(opml) == ["https://a.example/feed", "https://b.example/rss"]
    state = store.get_source("https://a.example/feed")
    assert state is not None
    assert state.title == "Alpha"
    assert agg.remove_source("https://b.example/rss") is True
    assert agg.sources == ["https://a.example/feed"]
    assert [s.url for s in agg.due()] == ["https://a.example/feed"]
    parked = replace(state, gone=True)
    store.save_source(parked)
    assert agg.due() == []

