"""The Aggregator: the one place that wires I/O (fetch, store) to the pure steps.

::

    store ─▶ due sources ──fetch (conditional GET)──▶ bytes ──parse_feed──▶ items
                                                                             │ changed only
      store ◀── one transaction per source ◀── clean_batch (+ learned) ◀─────┘
        │
        └── link_items (incremental, LinkIndex kept in the store) ──▶ emit_feed

``update()`` fetches the *due* sources (see :mod:`feedkit.schedule`)
concurrently -- a thread pool of ``workers``, at most ``per_host`` requests
at once to one host -- and yields one :class:`SourceResult` per source as
soon as it finishes, so callers can show progress.  For each source:

* the stored validators make the request conditional (a 304 costs no parsing);
* a 301/308 chain moves the source to its new URL (the old one is kept in
  its URL history); a 410 parks it; a 429/503 with ``Retry-After`` delays it
  (that source only); other failures back off with jitter up to a cap;
* items whose *raw hash* (the parsed item, before cleaning) is already
  stored are not cleaned again; the others are cleaned as one batch with the
  feed's learned boilerplate, then written with the new HTTP state in one
  transaction -- so a crash, a failing cleaner or a failing write loses
  nothing committed earlier and never leaves half a source update;
* a failure in one source (fetch, parse, clean, store) is reported in its
  result and the others go on.

After the sources, the new and changed items are linked incrementally
(duplicates, stories, navigation) against the stored linking index.

Without a ``store`` an in-memory :class:`~feedkit.store.MemoryStore` is used
and every source is fetched on each ``update()`` (one-shot runs); with a
store, only due sources are (``respect_schedule``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .errors import CleanError, FeedkitError, LinkError, SourceError, StoreError
from .model import Feed, FetchResult, Group, Item, Relation
from .schedule import (
    DEFAULT_POLICY,
    SchedulePolicy,
    after_error,
    after_success,
    due_sources,
)
from .store.base import (
    RetentionPolicy,
    SourceState,
    Store,
    item_hash,
    merge_groups,
    merge_relations,
)
from .store.memory import MemoryStore

if TYPE_CHECKING:
    from .fetch.http import Fetcher
    from .link import LinkIndex, LinkResult

__all__ = ["Aggregator", "SourceResult", "StoredLinks"]

Status = Literal["ok", "not_modified", "error"]
Cleaner = Callable[..., Any]

#: With ``processes=None`` (auto), an update of at least this many sources
#: parses and cleans in worker processes (fewer: the start-up is not worth it).
AUTO_PROCESS_MIN_SOURCES = 32
#: The most worker processes auto mode starts.
AUTO_PROCESS_MAX = 8
#: How long the stored linking index remembers stories (see ``link_retention``).
DEFAULT_LINK_RETENTION = timedelta(days=30)
#: An update linking more new items than this (one linking chunk) links them
#: with a worker process featurizing beside the linking one, when processes
#: are allowed (see ``processes``).
LINK_PROCESS_MIN_ITEMS = 5000


@dataclass(frozen=True, slots=True)
class SourceResult:
    """The outcome of updating one source.

    ``status`` is ``"ok"``, ``"not_modified"`` or ``"error"``; on error
    ``error`` holds the typed :class:`~feedkit.errors.FeedkitError`
    (``parked`` is set when a 410 parked the source).  ``items`` counts the
    items stored for the source after this update; ``new``, ``updated`` and
    ``unchanged`` count what this update brought; ``warnings`` are the
    parser's.  ``moved_to`` is the new URL after a permanent redirect (the
    source is now stored under it); ``next_due`` is when it will be due again.
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
    unchanged: int = 0
    next_due: datetime | None = None
    parked: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless the source failed."""
        return self.status != "error"


@dataclass(frozen=True, slots=True)
class StoredLinks:
    """Duplicates, stories and relations as the store keeps them.

    Satisfies what :func:`feedkit.emit.emit_feed` reads from a linking result.
    """

    duplicates: list[Group] = field(default_factory=list)
    stories: list[Group] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def duplicate_of(self) -> dict[str, str]:
        """Map every item id in :attr:`duplicates` to its group's representative."""
        return {m: g.item_ids[0] for g in self.duplicates for m in g.item_ids}

    def story_of(self) -> dict[str, str]:
        """Map every item id in :attr:`stories` to its story id."""
        return {m: g.id for g in self.stories for m in g.item_ids}


def _host_of(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return (urlsplit(source).hostname or "").lower()
    return ""


def _interleave_hosts(states: Sequence[SourceState]) -> list[SourceState]:
    """Round-robin over hosts so one busy host does not fill the worker pool."""
    by_host: dict[str, list[SourceState]] = {}
    for state in states:
        by_host.setdefault(_host_of(state.url), []).append(state)
    queues = list(by_host.values())
    out: list[SourceState] = []
    for rank in range(max((len(q) for q in queues), default=0)):
        out.extend(q[rank] for q in queues if rank < len(q))
    return out


def _shard(
    states: Sequence[SourceState], shards: int, *, by_host: bool
) -> list[list[SourceState]]:
    """Split sources into at most ``shards`` non-empty lists of similar size.

    ``by_host`` keeps every source of one host in one list (largest hosts
    placed first, each on the lightest list); otherwise round-robin.
    """
    out: list[list[SourceState]] = [[] for _ in range(max(1, shards))]
    if not by_host:
        for n, state in enumerate(states):
            out[n % len(out)].append(state)
    else:
        by: dict[str, list[SourceState]] = {}
        for state in states:
            by.setdefault(_host_of(state.url), []).append(state)
        for group in sorted(by.values(), key=len, reverse=True):
            min(out, key=len).extend(group)
    return [group for group in out if group]


@dataclass(frozen=True, slots=True)
class _Job:
    """What :func:`prepare_source` needs: plain, picklable data."""

    content: bytes
    feed_url: str
    headers: dict[str, str]
    now: datetime
    known: dict[str, str | None]
    learned: str | bytes | None
    clean: bool
    cleaners: list[Cleaner] | None
    keep_raw: bool


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A parsed and cleaned source document, ready to be stored."""

    feed: Feed
    warnings: tuple[str, ...]
    parser: str
    raw: tuple[Item, ...]
    cleaned: list[tuple[Item, str]]
    seen: list[str]
    boilerplate: str | None


def prepare_source(job: _Job, upgrade: Callable[[Item], Item] | None = None) -> _Prepared:
    """Parse a fetched document, skip items whose raw hash is known, clean the rest.

    Pure (data in, data out) unless ``upgrade`` (the full-text step, which
    fetches) is given; runs in the update's worker threads.  With the
    default cleaners, the chain's re-sanitizing first step is left out:
    parsed and extracted HTML is sanitized already (a second pass only
    re-spells a few things, such as U+00A0 as ``&nbsp;``).
    Returns the cleaned items with their raw hashes, the ids of the
    unchanged ones and the learned boilerplate to store (``None``: unchanged).
    A cleaner plugin that raises anything but a FeedkitError becomes a
    :class:`~feedkit.errors.CleanError` wrapping the cause.
    """
    from .parse import parse_feed

    parsed = parse_feed(job.content, url=job.feed_url, headers=job.headers, now=job.now)
    fresh: list[Item] = []
    hashes: list[str] = []
    seen: list[str] = []
    for item in parsed.items:
        digest = item_hash(item)
        if job.known.get(item.id) == digest:
            seen.append(item.id)
        else:
            fresh.append(item)
            hashes.append(digest)
    if upgrade is not None:
        fresh = [upgrade(item) for item in fresh]
    raw = parsed.items if job.keep_raw else ()
    if not job.clean or not fresh:
        return _Prepared(parsed.feed, parsed.warnings, parsed.parser, raw,
                         list(zip(fresh, hashes, strict=True)), seen, None)
    from .clean import clean_batch

    stored = job.learned.decode() if isinstance(job.learned, bytes) else job.learned
    learned: Any = None
    if stored:
        try:
            learned = json.loads(stored)
        except ValueError:
            learned = None  # unreadable learned state: relearn from scratch
    by_id = dict(zip((i.id for i in fresh), hashes, strict=True))
    try:
        if job.cleaners is None:
            # The default chain without its first step, sanitize_fields: these
            # items come straight from the parser (or the full-text extractor),
            # which sanitized every HTML field already.
            from .clean import strip_learned, strip_rules

            report = clean_batch(fresh, cleaners=(strip_rules, strip_learned), learned=learned)
        else:
            report = clean_batch(fresh, cleaners=job.cleaners, learned=learned)
    except FeedkitError:
        raise
    except Exception as exc:  # plugin code may raise anything
        raise CleanError(f"cleaner failed: {type(exc).__name__}: {exc}") from exc
    blob: str | None = None
    if report.learned:
        text = json.dumps(report.learned.to_dict(), separators=(",", ":"), sort_keys=True)
        if text != stored:
            blob = text
    cleaned = [(item, by_id.get(item.id) or item_hash(item)) for item in report.items]
    return _Prepared(parsed.feed, parsed.warnings, parsed.parser, raw, cleaned, seen, blob)


class _StateBuffer:
    """Not-modified sources' new states, written in batches of ``size``.

    A 304 changes only bookkeeping (fetch time, next due time), so instead
    of one write transaction per source (and a write-lock round per 304
    between shard processes) they are saved together; :meth:`flush` writes
    the rest before the update ends.  Losing a batch to a crash costs
    nothing but an early re-fetch.
    """

    def __init__(self, store: Store, size: int = 64) -> None:
        self._store = store
        self._size = size
        self._lock = threading.Lock()
        self._states: list[SourceState] = []

    def add(self, state: SourceState) -> None:
        with self._lock:
            self._states.append(state)
            if len(self._states) < self._size:
                return
            batch, self._states = self._states, []
        self._write(batch)

    def flush(self) -> None:
        with self._lock:
            batch, self._states = self._states, []
        if batch:
            self._write(batch)

    def _write(self, batch: list[SourceState]) -> None:
        save = getattr(self._store, "save_sources", None)
        try:
            if save is not None:
                save(batch)
                return
        except StoreError:
            pass  # one source at a time below, so one bad row costs only itself
        for state in batch:
            with suppress(StoreError):  # a source removed meanwhile: nothing to keep
                self._store.save_source(state)


class _Run:
    """What one update's fetch threads share: where documents are parsed and
    cleaned (worker processes, else this process) and the buffer of 304 states.

    In this process the work is serialised by a lock: lxml releases and
    retakes the GIL so often that several threads parsing at once are
    slower together than one alone.  A broken pool (a worker killed, say)
    is dropped and the work done here instead.
    """

    def __init__(
        self, pool: Executor | None, lock: threading.Lock, states: _StateBuffer
    ) -> None:
        self._pool = pool
        self._lock = lock
        #: where not-modified sources' states wait to be written
        self.states = states

    def prepare(self, job: _Job) -> _Prepared:
        pool = self._pool
        if pool is not None:
            try:
                return pool.submit(prepare_source, job).result()
            except (RuntimeError, pickle.PicklingError):
                # BrokenProcessPool (a RuntimeError), or a pool shut down under us
                self._pool = None
        with self._lock:
            return prepare_source(job)

    def close(self) -> None:
        self.states.flush()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class Aggregator:
    """Fetch, parse, clean, link, store and emit a set of feed sources.

    ``sources`` are http(s) URLs, local file paths, or raw feed bytes (OPML
    files are expanded into the feeds they list by :meth:`add_source`).
    ``store`` is where sources' HTTP state, items and links live (default: a
    fresh :class:`~feedkit.store.MemoryStore`).  ``cleaners`` replaces the
    default cleaner chain; ``clean=False`` skips cleaning and ``link=False``
    skips linking.  ``fulltext=True`` fetches the article page of new items
    whose feed only gives a teaser and keeps the extraction when it passes
    the quality gate.  ``now`` pins the clock (date normalization and
    scheduling; tests, reproducible runs); ``clock`` is a callable giving
    the current time for scheduling instead.  ``schedule`` tunes the
    scheduler; ``respect_schedule`` (default: true when a ``store`` is given)
    makes :meth:`update` fetch only due sources.  ``per_host=None`` lifts the
    per-host bound.  ``retention``, when given, is applied after every
    update.  ``keep_raw`` keeps this run's items as parsed (before cleaning)
    for :meth:`raw_items` (default: only without a store).

    ``link_retention`` bounds the stored linking index of a long-running
    store: stories whose last item is older than the newest item seen minus
    that (30 days by default, at least the linking window) are forgotten by
    the index, so new items no longer join them (their stored groups and
    relations stay); ``None`` keeps everything.  An updated item is linked
    again and its old relations are replaced.

    ``workers`` threads fetch.  Parsing and cleaning are CPU work, and
    threads doing lxml work side by side only fight over the GIL, so an
    update spreads over worker processes when it is large enough:
    ``processes=None`` (the default) uses one per CPU (at most
    :data:`AUTO_PROCESS_MAX`) on Linux when at least
    :data:`AUTO_PROCESS_MIN_SOURCES` sources are due; ``0`` never starts
    processes; ``N > 0`` asks for N.  With a file-backed
    :class:`~feedkit.store.SQLiteStore` the sources are split over N forked
    *shard* processes that each update their share end to end (their own
    ``workers / N`` fetch threads and their own connection to the file;
    with ``per_host`` set, all sources of a host go to one shard, so the
    bound holds).  With another store, this process fetches and stores and
    a pool of N processes parses and cleans (cleaner plugins must then be
    picklable; those that are not, and ``fulltext``, keep the work here;
    where ``fork`` is unavailable the pool is spawned, which needs the
    usual ``if __name__ == "__main__":`` guard).  Without processes, one
    document is parsed and cleaned at a time.  A worker that dies makes
    the update finish its sources in this process; results do not depend
    on where the work ran.  Linking more than :data:`LINK_PROCESS_MIN_ITEMS`
    new items (a cold start, a big import) uses one worker process too,
    which featurizes while this process links (``link_items(workers=2)``),
    under the same rules: forked where ``fork`` exists, spawned only when
    ``processes`` asks for processes.
    """

    def __init__(
        self,
        sources: Iterable[str | bytes] = (),
        *,
        store: Store | None = None,
        fetcher: Fetcher | None = None,
        cleaners: Sequence[Cleaner] | None = None,
        clean: bool = True,
        link: bool = True,
        fulltext: bool = False,
        workers: int = 8,
        per_host: int | None = 2,
        now: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        schedule: SchedulePolicy = DEFAULT_POLICY,
        respect_schedule: bool | None = None,
        retention: RetentionPolicy | None = None,
        keep_raw: bool | None = None,
        processes: int | None = None,
        link_retention: timedelta | None = DEFAULT_LINK_RETENTION,
    ) -> None:
        if processes is not None and processes < 0:
            raise ValueError("processes must be None or >= 0")
        self._store: Store = store if store is not None else MemoryStore()
        self._fetcher = fetcher
        self._cleaners = list(cleaners) if cleaners is not None else None
        self._clean = clean
        self._link = link
        self._fulltext = fulltext
        self._workers = max(1, workers)
        self._per_host = None if per_host is None else max(1, per_host)
        self._now = now
        self._clock = clock
        self._schedule = schedule
        self._respect = store is not None if respect_schedule is None else respect_schedule
        self._retention = retention
        self._keep_raw = store is None if keep_raw is None else keep_raw
        self._raw: dict[str, bytes] = {}
        self._raw_items: dict[str, list[Item]] = {}
        self._lock = threading.Lock()
        self._processes = processes
        self._link_retention = link_retention
        # One parse-and-clean at a time in this process (see the class docstring).
        self._cpu_lock = threading.Lock()
        self._link_result: LinkResult | StoredLinks | None = None
        #: The typed error of the last linking step, if it failed (items are kept).
        self.link_error: LinkError | None = None
        self._index: LinkIndex | None = None
        for source in sources:
            self.add_source(source)

    # -- collaborators ------------------------------------------------------

    @property
    def store(self) -> Store:
        """The store this aggregator reads and writes."""
        return self._store

    @property
    def fetcher(self) -> Fetcher:
        """The fetcher used for every request (created on first use)."""
        if self._fetcher is None:
            from .fetch.http import Fetcher

            self._fetcher = Fetcher()
        return self._fetcher

    def _current_time(self) -> datetime:
        if self._clock is not None:
            value = self._clock()
        elif self._now is not None:
            value = self._now
        else:
            return datetime.now(timezone.utc)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    # -- sources ---------------------------------------------------------

    def add_source(self, source: str | bytes, *, title: str | None = None) -> list[str]:
        """Add a feed URL, a file path, raw feed bytes, or an OPML file.

        Returns the source keys added (an OPML file adds every feed it
        lists).  Raw bytes are kept in memory only: their source
        (``"bytes:<hash>"``) stays in the store but is updated only by an
        aggregator that was given the bytes.  Adding a known source (or a
        former URL of a moved one) is a no-op that returns its key.  Raises
        :class:`~feedkit.errors.SourceError` for an unusable source.
        """
        now = self._current_time()
        if isinstance(source, bytes):
            key = "bytes:" + hashlib.blake2b(source, digest_size=8).hexdigest()
            self._raw[key] = source
            self._store.add_source(key, title=title, now=now)
            return [key]
        if not isinstance(source, str) or not source.strip():
            raise SourceError(f"not a usable source: {source!r}")
        from .fetch.sources import expand_sources

        keys = expand_sources([source.strip()])
        return [self._store.add_source(key, title=title, now=now).url for key in keys]

    def import_opml(self, opml: str | os.PathLike[str] | bytes) -> list[str]:
        """Add every http(s) feed an OPML document (bytes) or file lists.

        Outline titles become source titles.  Returns the keys added.
        """
        from .fetch.opml import parse_opml

        if isinstance(opml, bytes):
            data = opml
        else:
            from .fetch.sources import load_source

            loaded = load_source(opml)
            data = loaded.content or b""
        now = self._current_time()
        keys: list[str] = []
        for outline in parse_opml(data):
            if _host_of(outline.url):
                keys.append(self._store.add_source(outline.url, title=outline.title, now=now).url)
        return keys

    def remove_source(self, source: str) -> bool:
        """Forget a source and its items; False when it was not known."""
        self._raw.pop(source, None)
        self._raw_items.pop(source, None)
        return self._store.remove_source(source)

    def revive(self, source: str) -> SourceState:
        """Un-park a gone (410) source and make it due now."""
        state = self._store.get_source(source)
        if state is None:
            raise SourceError(f"unknown source: {source!r}")
        revived = replace(state, gone=False, next_due=None, error_count=0)
        self._store.save_source(revived)
        return revived

    @property
    def sources(self) -> list[str]:
        """The source keys, in the order they were added."""
        return [s.url for s in self._store.sources()]

    def source_states(self) -> list[SourceState]:
        """Every source's stored state (HTTP validators, errors, next due time)."""
        return self._store.sources()

    def due(self, *, now: datetime | None = None) -> list[SourceState]:
        """The sources :meth:`update` would fetch now (most overdue first)."""
        when = now or self._current_time()
        states = self._store.sources()
        if not self._respect:
            return [s for s in states if not s.gone]
        return due_sources(states, now=when)

    # -- update ------------------------------------------------------------

    def update(
        self,
        *,
        force: bool = False,
        link_progress: Callable[[int, int], object] | None = None,
    ) -> Iterator[SourceResult]:
        """Fetch the due sources concurrently; yield a result per source as it finishes.

        ``force=True`` fetches every source that is not parked, due or not.
        Linking (and retention, when configured) runs once all sources are
        done, before the generator ends; ``link_progress`` is then called with
        the new items linked so far and their total (see
        :func:`~feedkit.link.link_items`), as linking a cold start takes
        seconds.
        """
        now = self._current_time()
        states = self._store.sources()
        targets = (
            [s for s in states if not s.gone]
            if force or not self._respect
            else due_sources(states, now=now)
        )
        # raw-bytes sources live only as long as the aggregator that was given them
        targets = _interleave_hosts(
            [s for s in targets if not s.url.startswith("bytes:") or s.url in self._raw]
        )
        changed: list[Item] = []
        if targets:
            shards = self._shard_count(len(targets))
            if shards:
                yield from self._update_sharded(targets, shards, changed)
            else:
                yield from self._update_threads(targets, changed, self._start_processes)
        self.link_error = None
        if self._link and changed:
            try:
                self._relink(changed, link_progress)
            except Exception as exc:  # a linker bug must not lose the update
                # Every source's items are committed by now; keep the previous links
                # and report the failure instead of escaping from the generator.
                self.link_error = LinkError(f"linking failed: {type(exc).__name__}: {exc}")
                self.link_error.__cause__ = exc
        if self._retention is not None:
            self._store.prune(self._retention, now=now)

    def _update_threads(
        self,
        targets: Sequence[SourceState],
        changed: list[Item],
        processes: Callable[[int], Executor | None],
    ) -> Iterator[SourceResult]:
        """Update ``targets`` with this process's fetch threads (see :meth:`update`)."""
        gates: dict[str, threading.Semaphore | None] = {}
        for state in targets:
            host = _host_of(state.url)
            if host not in gates:
                gates[host] = (
                    threading.Semaphore(self._per_host) if self._per_host is not None else None
                )
        workers = min(self._workers, len(targets))
        run = _Run(processes(len(targets)), self._cpu_lock, _StateBuffer(self._store))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feedkit") as pool:
                futures: dict[Future[SourceResult], str] = {
                    pool.submit(
                        self._update_one, state, gates[_host_of(state.url)], changed, run
                    ): state.url
                    for state in targets
                }
                for future in as_completed(futures):
                    yield future.result()
        finally:
            run.close()

    # -- worker processes --------------------------------------------------------

    def _processes_allowed(self) -> bool:
        """Whether this aggregator starts worker processes at all (auto: Linux, 2+ CPUs)."""
        if self._processes is not None:
            return self._processes > 0
        return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2

    def _wanted_processes(self, sources: int) -> int:
        """How many worker processes this update should use (0: none)."""
        if self._processes is not None:
            return self._processes
        if not self._processes_allowed() or sources < AUTO_PROCESS_MIN_SOURCES:
            return 0
        return min(os.cpu_count() or 1, AUTO_PROCESS_MAX)

    def _shard_count(self, sources: int) -> int:
        """Shard processes for this update: forked children that each update a
        share of the sources end to end (fetch, parse, clean, store) in their own
        connection to the same SQLite file.  0 when the store is not a file,
        fork is unavailable, or raw items must be kept in this process."""
        from .store.sqlite import SQLiteStore

        store = self._store
        if not isinstance(store, SQLiteStore) or store.path == ":memory:":
            return 0
        if store.path.startswith("file:") or not sys.platform.startswith("linux"):
            return 0
        if self._keep_raw:
            return 0
        return min(self._wanted_processes(sources), sources)

    def _update_sharded(
        self, targets: Sequence[SourceState], shards: int, changed: list[Item]
    ) -> Iterator[SourceResult]:
        """Split ``targets`` over ``shards`` forked processes; yield their results.

        Each child updates its share with ``workers / shards`` fetch threads
        and writes to the store through its own connection, one transaction
        per source as always; results stream back through a pipe as they
        finish.  Sources of one host go to one child when ``per_host`` is set,
        so the per-host bound still holds.  Sources a child did not report
        (it died) are updated afterwards in this process.
        """
        import multiprocessing
        from multiprocessing.connection import Connection, wait

        context = multiprocessing.get_context("fork")
        groups = _shard(targets, shards, by_host=self._per_host is not None)
        per_child = max(1, -(-self._workers // len(groups)))
        parent = os.getpid()
        children: list[tuple[Any, Connection]] = []
        pending = {s.url: s for s in targets}
        try:
            for group in groups:
                receive, send = context.Pipe(duplex=False)
                child = context.Process(
                    target=self._shard_main,
                    args=(group, per_child, send, parent),
                    name="feedkit-shard",
                    daemon=True,
                )
                child.start()
                send.close()  # the child's end
                children.append((child, receive))
            live = {receive: child for child, receive in children}
            while live:
                for ready in wait([*live, *(c.sentinel for c in live.values())]):
                    conn = ready if isinstance(ready, Connection) else next(
                        (r for r, c in live.items() if c.sentinel == ready), None
                    )
                    if conn is None or conn not in live:
                        continue
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        live.pop(conn).join()  # exited (or died) without a word more
                        conn.close()
                        continue
                    if message[0] == "result":
                        result: SourceResult = message[1]
                        pending.pop(result.source, None)
                        if result.moved_to:
                            pending.pop(result.moved_to, None)
                        yield result
                    elif message[0] == "done":
                        changed.extend(message[1])
        finally:
            for child, receive in children:
                if child.is_alive():
                    child.terminate()  # the consumer stopped early, or we are failing
                child.join()
                receive.close()
        if pending:  # a child died: finish its sources here, with threads
            yield from self._update_threads(list(pending.values()), changed, lambda n: None)

    def _shard_main(
        self, states: list[SourceState], workers: int, conn: Any, parent: int
    ) -> None:
        """A forked child's whole life: update ``states``, report, exit."""
        # Nothing inherited across fork is safe to use: not the SQLite
        # connection, not a lock another thread held, not kept-alive sockets.
        self._lock = threading.Lock()
        self._cpu_lock = threading.Lock()
        self._store = self._store.reopen()  # type: ignore[attr-defined]
        if self._fetcher is not None:
            self._fetcher.session.close()
        self._workers = workers
        changed: list[Item] = []
        try:
            for result in self._update_threads(states, changed, lambda n: None):
                conn.send(("result", result))
                if os.getppid() != parent:  # orphaned: stop after what is in flight
                    break
            conn.send(("done", changed))
        finally:
            conn.close()
            self._store.close()

    def _start_processes(self, sources: int) -> Executor | None:
        """The worker-process pool for this update, or None (see the class docstring)."""
        wanted = self._wanted_processes(sources)
        fork = sys.platform.startswith("linux")
        if wanted == 0 or self._fulltext or not self._clean_picklable():
            return None
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork" if fork else "spawn")
        try:
            executor = ProcessPoolExecutor(max_workers=wanted, mp_context=context)
            # Start the workers now, before the fetch threads exist (forking a
            # process that runs many threads is how deadlocks are made).
            executor.submit(int).result()
        except (OSError, BrokenProcessPool):
            return None  # no processes to be had: this process does the work
        return executor

    def _clean_picklable(self) -> bool:
        if self._cleaners is None:
            return True
        try:
            pickle.dumps(self._cleaners)
        except Exception:  # lambdas, closures, objects holding locks ...
            return False
        return True

    def _fetch(self, state: SourceState) -> FetchResult:
        raw = self._raw.get(state.url)
        if raw is not None:
            return FetchResult(url=state.url, final_url="about:feed", status=200, content=raw)
        if _host_of(state.url):
            return self.fetcher.fetch(
                state.url, etag=state.etag, last_modified=state.last_modified
            )
        from .fetch.sources import load_source

        return load_source(
            state.url,
            fetcher=self.fetcher,
            etag=state.etag,
            last_modified=state.last_modified,
        )

    def _update_one(
        self,
        state: SourceState,
        gate: threading.Semaphore | None,
        changed: list[Item],
        run: _Run,
    ) -> SourceResult:
        """Update one source; never raises (a failure becomes an error result).

        ``state`` is the source as read when the update started.  A source
        removed since then fails with a StoreError when new items are saved;
        the bookkeeping of a 304 for it is dropped.
        """
        key = state.url
        started = self._current_time()
        try:
            if gate is not None:
                with gate:
                    fetched = self._fetch(state)
            else:
                fetched = self._fetch(state)
            moved_to = None
            if fetched.permanent_redirect and fetched.permanent_redirect != state.url:
                state = self._store.move_source(state.url, fetched.permanent_redirect, now=started)
                moved_to = state.url
            return self._process(state, fetched, started, moved_to, changed, key, run)
        except FeedkitError as exc:
            return self._failed(key, state, exc, started)
        except Exception as exc:  # a plugin or a bug must not stop the others
            wrapped = FeedkitError(f"unexpected {type(exc).__name__}: {exc}")
            wrapped.__cause__ = exc
            return self._failed(key, state, wrapped, started)

    def _failed(
        self, key: str, state: SourceState, error: FeedkitError, started: datetime
    ) -> SourceResult:
        """Record a failure (backoff / park / Retry-After) and report it."""
        failed = after_error(state, error, now=started, policy=self._schedule)
        with suppress(StoreError):  # a failing store: the result still reports the error
            self._store.save_source(failed)
        try:
            count = self._store.count_items(state.url)
        except StoreError:
            count = 0
        return SourceResult(
            key,
            "error",
            items=count,
            error=error,
            next_due=failed.next_due,
            parked=failed.gone,
            elapsed=(self._current_time() - started).total_seconds(),
        )

    def _process(
        self,
        state: SourceState,
        fetched: FetchResult,
        started: datetime,
        moved_to: str | None,
        changed: list[Item],
        key: str,
        run: _Run,
    ) -> SourceResult:
        if fetched.not_modified or fetched.content is None:
            fresh = after_success(
                state,
                now=started,
                status=fetched.status,
                headers=fetched.headers,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                policy=self._schedule,
            )
            run.states.add(fresh)
            return SourceResult(
                key,
                "not_modified",
                items=self._store.count_items(fresh.url),
                moved_to=moved_to,
                next_due=fresh.next_due,
                elapsed=(self._current_time() - started).total_seconds(),
            )
        known = self._store.known_hashes(state.url)
        job = _Job(
            content=fetched.content,
            feed_url=fetched.final_url if fetched.final_url != "about:feed" else state.url,
            headers=dict(fetched.headers),
            now=self._now or started,
            known=known,
            learned=self._store.get_boilerplate(state.url) if self._clean else None,
            clean=self._clean,
            cleaners=self._cleaners,
            keep_raw=self._keep_raw,
        )
        prepared = (
            prepare_source(job, upgrade=self._upgrade)
            if self._fulltext  # fetches pages: not under the CPU lock
            else run.prepare(job)
        )
        if self._keep_raw:
            with self._lock:
                self._raw_items[state.url] = list(prepared.raw)
        items = [item for item, _ in prepared.cleaned]
        parsed = prepared
        new_state = after_success(
            state,
            now=started,
            status=fetched.status,
            headers=fetched.headers,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            ttl_minutes=parsed.feed.ttl_minutes,
            title=parsed.feed.title,
            policy=self._schedule,
        )
        result = self._store.record_update(
            new_state,
            items,
            raw_hashes=[digest for _, digest in prepared.cleaned],
            seen=prepared.seen,
            boilerplate=prepared.boilerplate,
            now=started,
        )
        touched = (
            [item for item in items if result.statuses.get(item.id) != "unchanged"]
            if self._link
            else []
        )
        if touched:
            with self._lock:
                changed.extend(touched)
        return SourceResult(
            key,
            "ok",
            items=len(known) + result.new,
            new=result.new,
            updated=result.updated,
            unchanged=result.unchanged,
            warnings=parsed.warnings,
            parser=parsed.parser,
            feed_title=parsed.feed.title,
            moved_to=moved_to,
            next_due=new_state.next_due,
            elapsed=(self._current_time() - started).total_seconds(),
        )

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

    # -- linking ------------------------------------------------------------

    def _load_index(self) -> LinkIndex | None:
        if self._index is not None:
            return self._index
        from .link import LinkIndex

        blob = self._store.get_link_index()
        if blob is None:
            return None
        try:
            return LinkIndex.from_dict(json.loads(blob))
        except (ValueError, StoreError):
            return None  # an unreadable or outdated index: start a new one

    def _link_processes(self, items: int) -> tuple[int, BaseContext | None]:
        """``link_items`` processes (and their start method) for ``items`` new items."""
        if items <= LINK_PROCESS_MIN_ITEMS or not self._processes_allowed():
            return 1, None
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            return 2, multiprocessing.get_context("fork")
        return 2, None  # spawned: processes were asked for

    def _relink(
        self, changed: list[Item], progress: Callable[[int, int], object] | None = None
    ) -> None:
        """Link this update's new and changed items against the stored index."""
        from .link import link_items

        workers, context = self._link_processes(len(changed))
        result = link_items(
            changed,
            index=self._load_index(),
            retention=self._link_retention,
            workers=workers,
            mp_context=context,
            progress=progress,
        )
        self._index = result.index
        if not isinstance(self._store, MemoryStore):  # a memory store lives as long as we do
            self._store.set_link_index(
                json.dumps(result.index.to_dict(), separators=(",", ":"))
            )
        merge = getattr(self._store, "merge_links", None)
        if merge is not None:  # touches only what the batch changed
            merge(relations=result.relations, stories=result.stories,
                  duplicates=result.duplicates, forget=result.relinked)
            self._link_result = None  # read back from the store when asked for
            return
        stories = merge_groups(self._store.stories(), result.stories)
        duplicates = merge_groups(self._store.duplicates(), result.duplicates)
        relations = merge_relations(self._store.relations(), result.relations, result.relinked)
        self._store.save_links(relations=relations, stories=stories, duplicates=duplicates)
        self._link_result = StoredLinks(duplicates, stories, relations)

    # -- results ------------------------------------------------------------

    def items(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        story: str | None = None,
        limit: int | None = None,
    ) -> list[Item]:
        """Stored items, newest first (published, else updated, else first seen).

        Filters: one ``source``; ``since`` (inclusive) / ``until`` (exclusive)
        on that time; the members of one ``story``; at most ``limit``.
        """
        key = source
        if source is not None:
            state = self._store.get_source(source)
            key = state.url if state is not None else source
        return [
            s.item
            for s in self._store.items(
                source=key, since=since, until=until, story=story, limit=limit
            )
        ]

    def raw_items(self) -> list[Item]:
        """This run's items as parsed, before cleaning (empty unless ``keep_raw``)."""
        with self._lock:
            return [item for items in self._raw_items.values() for item in items]

    @property
    def links(self) -> LinkResult | StoredLinks | None:
        """The linking result: stored duplicates, stories and relations.

        ``None`` with ``link=False`` or before anything was linked.
        """
        if not self._link:
            return None
        if self._link_result is None:
            stories = self._store.stories()
            if not stories:
                return None
            self._link_result = StoredLinks(
                self._store.duplicates(), stories, self._store.relations()
            )
        return self._link_result

    def emit(
        self,
        format: str = "atom",
        *,
        title: str = "feedkit aggregate",
        link: str | None = None,
        merge_duplicates: bool = True,
        source: str | None = None,
        since: datetime | None = None,
        story: str | None = None,
        limit: int | None = None,
    ) -> bytes:
        """Serialise the stored items as ``atom``, ``rss``, ``json`` or ``html``.

        ``source`` / ``since`` / ``story`` / ``limit`` select items as
        :meth:`items` does.
        """
        from .emit import emit_feed

        return emit_feed(
            self.items(source=source, since=since, story=story, limit=limit),
            format=format,  # type: ignore[arg-type]
            title=title,
            link=link,
            links=self.links,
            merge_duplicates=merge_duplicates,
        )
