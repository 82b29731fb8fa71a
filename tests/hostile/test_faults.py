"""Faults in the middle of an update, beyond tests/test_update.py.

tests/test_update.py already proves, against a real HTTP server, that a fetch
dying mid-body, a store write failing inside its transaction and a raising
cleaner plugin each fail only their own source, and that nothing committed is
lost; tests/test_crash.py SIGKILLs an update.  This file adds the faults that
are not there:

* a store *read* failing for one source (it used to abort ``update()`` for
  every source);
* the linking step failing after every source was committed;
* after each fault, the committed items are still in a reopened SQLite
  store and still emit as a well-formed feed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import feedkit.link
from feedkit.aggregator import Aggregator, SourceResult
from feedkit.errors import FeedkitError, StoreError
from feedkit.parse.fp import reparse_bozo
from feedkit.store import SQLiteStore


def rss(name: str, count: int) -> bytes:
    items = "".join(
        f"<item><title>{name} story {i}</title><link>https://{name}.example/{i}</link>"
        f"<guid>{name}-{i}</guid><description>Body {i} of {name}.</description></item>"
        for i in range(count)
    )
    return (f'<rss version="2.0"><channel><title>{name}</title>'
            f"<link>https://{name}.example/</link>{items}</channel></rss>").encode()


class ReadFailingStore(SQLiteStore):
    """A SQLite store whose reads of one source fail while ``bad`` names it."""

    bad: str | None = None

    def known_hashes(self, source: str) -> Any:
        # the per-source read of an update (the source list is read once, up front)
        if source == self.bad:
            raise StoreError("disk read error")
        return super().known_hashes(source)


def test_a_failing_store_read_fails_only_its_source(tmp_path: Path) -> None:
    store = ReadFailingStore(tmp_path / "fk.db")
    agg = Aggregator(store=store, respect_schedule=False)
    sources = {name: agg.add_source(rss(name, 2))[0] for name in ("alpha", "beta", "gamma")}
    first = list(agg.update())
    assert [r.ok for r in first] == [True, True, True]

    store.bad = sources["beta"]
    second: dict[str, SourceResult] = {r.source: r for r in agg.update()}
    assert len(second) == 3  # every source is reported
    assert second[sources["alpha"]].ok
    assert second[sources["gamma"]].ok
    failed = second[sources["beta"]]
    assert failed.status == "error"
    assert isinstance(failed.error, StoreError)
    store.bad = None
    store.close()

    reopened = SQLiteStore(tmp_path / "fk.db")
    try:
        assert reopened.integrity_check() == "ok"
        assert reopened.count_items(sources["beta"]) == 2  # nothing committed was lost
        assert sum(reopened.count_items(url) for url in sources.values()) == 6
    finally:
        reopened.close()


def test_a_failing_linker_loses_nothing_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("linker bug")

    store = SQLiteStore(tmp_path / "fk.db")
    agg = Aggregator(store=store, respect_schedule=False)
    for name in ("alpha", "beta"):
        agg.add_source(rss(name, 3))
    monkeypatch.setattr(feedkit.link, "link_items", broken)
    results: list[SourceResult] = []
    escaped: BaseException | None = None
    try:
        for result in agg.update():
            results.append(result)
    except Exception as exc:  # linking runs after the sources: see the report
        escaped = exc
    # every source was reported (and committed) before linking ran
    assert [r.ok for r in results] == [True, True]
    assert escaped is None or "linker bug" in str(escaped)
    monkeypatch.undo()
    out = agg.emit("atom")
    assert reparse_bozo(out) is None
    assert out.count(b"<entry") == 6
    store.close()

    reopened = SQLiteStore(tmp_path / "fk.db")
    try:
        assert len(reopened.items()) == 6
    finally:
        reopened.close()


def test_a_store_that_fails_every_write_reports_every_source(tmp_path: Path) -> None:
    class WriteFailingStore(SQLiteStore):
        def record_update(self, *args: Any, **kwargs: Any) -> Any:
            raise StoreError("disk full")

    store = WriteFailingStore(tmp_path / "fk.db")
    agg = Aggregator(store=store, respect_schedule=False)
    for name in ("alpha", "beta"):
        agg.add_source(rss(name, 2))
    results = list(agg.update())
    assert len(results) == 2
    for result in results:
        assert result.status == "error"
        assert isinstance(result.error, FeedkitError)
    assert agg.items() == []
    store.close()
