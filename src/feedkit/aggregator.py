"""The Aggregator: the one place that wires I/O (fetch, store) to the pure steps.

::

    sources ──fetch──▶ bytes ──parse_feed──▶ items ──clean_items──▶ clean items
                                                                      │ (all sources)
                                 emit_feed ◀── LinkResult ◀──link_items┘

``update()`` fetches the sources concurrently (a thread pool, at most
``per_host`` requests at once to one host) and yields one
:class:`SourceResult` per source as soon as it finishes, so callers can show
progress.  Cleaning runs per source (a feed's batch is what per-feed
boilerplate learning needs); linking runs once over everything at the end of
``update()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .errors import CleanError, FeedkitError, SourceError
from .model import FetchResult, Item

if TYPE_CHECKING:
    from .fetch.http import Fetcher
    from .link import LinkResult

__all__ = ["Aggregator", "SourceResult"]

Status = Literal["ok", "not_modified", "error"]
Cleaner = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class SourceResult:
    """The outcome of updating one source.

    ``status`` is ``"ok"``, ``"not_modified"`` or ``"error"``; on error
    ``error`` holds the typed :class:`~feedkit.errors.FeedkitError`.
    ``items`` counts the items the source has after this update; ``new``
    and ``updated`` count what changed; ``warnings`` are the parser's.
    """

    source: str
    status: Status
    items: int = 0
    new: int = 0
    updated: int = 0
    error: FeedkitError | None = None
    warnings: tuple[str, ...] = ()
    parser: str = ""
    feed_title: str | None = None
    moved_to: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the source failed."""
        return self.status != "error"


@dataclass
class _SourceState:
    """What the in-memory aggregator remembers about one source."""

    key: str
    etag: str | None = None
    last_modified: str | None = None
    items: dict[str, Item] = field(default_factory=dict)
    title: str | None = None


def _host_of(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return (urlsplit(source).hostname or "").lower()
    return ""


class Aggregator:
    """Fetch, parse, clean, link and emit a set of feed sources.

    ``sources`` are http(s) URLs, local file paths, or raw feed bytes (OPML
    files are expanded into the feeds they list by :meth:`add_source`).
    ``cleaners`` replaces the default cleaner chain; ``clean=False`` skips
    cleaning and ``link=False`` skips linking.  ``fulltext=True`` fetches the
    article page of items whose feed only gives a teaser and keeps the
    extraction when it passes the quality gate.  ``now`` pins the clock for
    date normalization (tests, reproducible runs).
    """

    def __init__(
        self,
        sources: Iterable[str | bytes] = (),
        *,
        fetcher: Fetcher | None = None,
        cleaners: Sequence[Cleaner] | None = None,
        clean: bool = True,
        link: bool = True,
        fulltext: bool = False,
        workers: int = 8,
        per_host: int = 2,
        now: datetime | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._cleaners = list(cleaners) if cleaners is not None else None
        self._clean = clean
        self._link = link
        self._fulltext = fulltext
        self._workers = max(1, workers)
        self._per_host = max(1, per_host)
        self._now = now
        self._sources: dict[str, _SourceState] = {}
        self._raw: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._link_result: LinkResult | None = None
        for source in sources:
            self.add_source(source)

    # -- sources ---------------------------------------------------------

    @property
    def fetcher(self) -> Fetcher:
        """The fetcher used for every request (created on first use)."""
        if self._fetcher is None:
            from .fetch.http import Fetcher

            self._fetcher = Fetcher()
        return self._fetcher

    def add_source(self, source: str | bytes) -> list[str]:
        """Add a feed URL, a file path, raw feed bytes, or an OPML file.

        Returns the source keys added (an OPML file adds every feed it lists).
        Raises :class:`~feedkit.errors.SourceError` for an unusable source.
        """
        if isinstance(source, bytes):
            import hashlib

            key = "bytes:" + hashlib.blake2b(source, digest_size=8).hexdigest()
            self._raw[key] = source
            self._sources.setdefault(key, _SourceState(key))
            return [key]
        if not isinstance(source, str) or not source.strip():
            raise SourceError(f"not a usable source: {source!r}")
        from .fetch.sources import expand_sources

        keys = expand_sources([source.strip()])
        for key in keys:
            self._sources.setdefault(key, _SourceState(key))
        return keys

    def remove_source(self, source: str) -> None:
        """Forget a source and its items."""
        self._sources.pop(source, None)
        self._raw.pop(source, None)

    @property
    def sources(self) -> list[str]:
        """The source keys, in the order they were added."""
        return list(self._sources)

    # -- update ------------------------------------------------------------

    def update(self) -> Iterator[SourceResult]:
        """Fetch every source concurrently; yield a result per source as it finishes.

        Linking runs once all sources are done (before the generator ends).
        """
        semaphores: dict[str, threading.Semaphore] = {}
        for key in self._sources:
            semaphores.setdefault(_host_of(key), threading.Semaphore(self._per_host))
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="feedkit") as pool:
            futures: dict[Future[SourceResult], str] = {
                pool.submit(self._update_one, state, semaphores[_host_of(key)]): key
                for key, state in list(self._sources.items())
            }
            for future in as_completed(futures):
                yield future.result()
        if self._link:
            self._relink()

    def _fetch(self, state: _SourceState) -> FetchResult:
        raw = self._raw.get(state.key)
        if raw is not None:
            return FetchResult(url=state.key, final_url="about:feed", status=200, content=raw)
        from .fetch.sources import load_source

        return load_source(
            state.key,
            fetcher=self.fetcher,
            etag=state.etag,
            last_modified=state.last_modified,
        )

    def _update_one(self, state: _SourceState, gate: threading.Semaphore) -> SourceResult:
        try:
            with gate:
                fetched = self._fetch(state)
            if fetched.not_modified or fetched.content is None:
                return SourceResult(state.key, "not_modified", items=len(state.items))
            from .parse import parse_feed

            parsed = parse_feed(
                fetched.content,
                url=fetched.final_url if fetched.final_url != "about:feed" else state.key,
                headers=fetched.headers,
                now=self._now or datetime.now(timezone.utc),
            )
            items = list(parsed.items)
            if self._fulltext:
                items = [self._upgrade(item) for item in items]
            if self._clean:
                items = self._run_cleaners(items)
            new = updated = 0
            with self._lock:
                old = state.items
                fresh: dict[str, Item] = {}
                for item in items:
                    previous = old.get(item.id)
                    if previous is None:
                        new += 1
                    elif previous != item:
                        updated += 1
                    fresh[item.id] = item
                state.items = fresh
                state.etag = fetched.etag
                state.last_modified = fetched.last_modified
                state.title = parsed.feed.title
            return SourceResult(
                state.key,
                "ok",
                items=len(items),
                new=new,
                updated=updated,
                warnings=parsed.warnings,
                parser=parsed.parser,
                feed_title=parsed.feed.title,
                moved_to=fetched.permanent_redirect,
            )
        except FeedkitError as exc:
            return SourceResult(state.key, "error", items=len(state.items), error=exc)

    def _run_cleaners(self, items: list[Item]) -> list[Item]:
        """Run the cleaner chain over one source's batch.

        A cleaner plugin that raises anything but a FeedkitError fails this
        source only, as a :class:`~feedkit.errors.CleanError` wrapping the cause.
        """
        from .clean import clean_items

        try:
            if self._cleaners is None:
                return clean_items(items)
            return clean_items(items, cleaners=self._cleaners)
        except FeedkitError:
            raise
        except Exception as exc:  # noqa: BLE001 - plugin code may raise anything
            raise CleanError(f"cleaner failed: {type(exc).__name__}: {exc}") from exc

    def _upgrade(self, item: Item) -> Item:
        """Replace a teaser with the extracted article when the quality gate agrees."""
        if not item.link or not item.link.startswith(("http://", "https://")):
            return item
        from .clean.fulltext import upgrade_item

        try:
            page = self.fetcher.fetch(item.link)
        except FeedkitError:
            return item
        if page.content is None:
            return item
        upgraded, _reason = upgrade_item(item, page.content)
        return upgraded

    def _relink(self) -> None:
        from .link import link_items

        self._link_result = link_items(self.items())

    # -- results ------------------------------------------------------------

    def items(self, *, source: str | None = None) -> list[Item]:
        """All items (or one source's), newest first; undated items last."""
        with self._lock:
            states = (
                [self._sources[source]] if source is not None and source in self._sources
                else [] if source is not None else list(self._sources.values())
            )
            found = [item for state in states for item in state.items.values()]
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        found.sort(key=lambda it: (it.published or it.updated or epoch, it.id), reverse=True)
        return found

    @property
    def links(self) -> LinkResult | None:
        """The last linking result (``None`` before ``update()`` or with ``link=False``)."""
        return self._link_result

    def emit(
        self,
        format: str = "atom",
        *,
        title: str = "feedkit aggregate",
        link: str | None = None,
        merge_duplicates: bool = True,
    ) -> bytes:
        """Serialise the merged items as ``atom``, ``rss``, ``json`` or ``html``."""
        from .emit import emit_feed

        return emit_feed(
            self.items(),
            format=format,  # type: ignore[arg-type]
            title=title,
            link=link,
            links=self._link_result,
            merge_duplicates=merge_duplicates,
        )
