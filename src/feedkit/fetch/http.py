"""The HTTP fetcher: the only place feedkit talks to the network.

:class:`Fetcher` wraps a :class:`requests.Session` and adds what a feed
reader pointed at the open web needs:

* a custom ``User-Agent``; connect and read timeouts **and** a total
  wall-clock ``deadline`` for the whole :meth:`Fetcher.fetch` call (redirect
  hops and retries included).  A watchdog (one thread per fetcher) shuts the
  socket down when the deadline passes, so a server that drips one byte a
  second — in the body or in the headers — fails with
  :class:`~feedkit.errors.FetchTimeout` on time;
* a cap on the *decompressed* body size (``max_bytes``, 16 MiB by default).
  The fetcher reads the raw body itself and inflates gzip/deflate in bounded
  steps, so a compression bomb stops at the cap with
  :class:`~feedkit.errors.ResponseTooLarge` and memory stays around the cap;
  endless (chunked or close-delimited) bodies stop the same way;
* conditional GET (``If-None-Match`` / ``If-Modified-Since``; 304 gives a
  :class:`~feedkit.model.FetchResult` with ``not_modified=True``);
* redirects followed by hand: loops, too many hops and non-http(s) targets
  raise :class:`~feedkit.errors.RedirectError`; an all-301/308 chain is
  reported in ``FetchResult.permanent_redirect``;
* 410 → :class:`~feedkit.errors.GoneError`, 429/503 →
  :class:`~feedkit.errors.RetryLater` with ``retry_after`` seconds, other
  4xx/5xx → :class:`~feedkit.errors.HTTPStatusError`;
* bounded retries with exponential backoff and jitter on transient failures
  (connection refused/reset, 500/502/504);
* an opt-in :class:`~feedkit.fetch.policy.NetworkPolicy` applied to the
  address each socket actually connects to (see :mod:`feedkit.fetch.policy`);
* kept-alive connections, reused after 304s and read-to-the-end bodies, so
  the common "nothing changed" answer costs one request on an open socket.

One :class:`Fetcher` may be shared by threads: per-request state lives on
the stack and in a per-fetcher thread-local.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import create_connection

from ..errors import (
    BlockedAddressError,
    ConnectionFailed,
    FeedkitError,
    FetchError,
    FetchTimeout,
    GoneError,
    HTTPStatusError,
    RedirectError,
    ResponseTooLarge,
    RetryLater,
    SourceError,
)
from ..model import FetchResult
from .policy import NetworkPolicy

__all__ = [
    "ACCEPT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_USER_AGENT",
    "Fetcher",
    "NetworkPolicy",
    "parse_retry_after",
]

#: The ``User-Agent`` sent unless the caller chooses another.
DEFAULT_USER_AGENT = "feedkit/0.1 (+https://github.com/feedkit/feedkit)"
#: Default cap on a decompressed body: 16 MiB.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: The ``Accept`` header: feed types first, HTML (for discovery) after.
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/feed+json, application/json;q=0.9, application/xml;q=0.8, "
    "text/xml;q=0.8, text/html;q=0.5, */*;q=0.2"
)

_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_TRANSIENT_STATUS = frozenset({500, 502, 504})
_MAX_BACKOFF = 60.0


# --------------------------------------------------------------------------
# Deadline watchdog
# --------------------------------------------------------------------------

#: A watchdog thread with nothing to watch exits after this many seconds.
_IDLE_EXIT = 30.0


class _Deadline:
    """The wall-clock budget of one ``fetch`` call.

    Connections used during the call are registered with :meth:`watch`; when
    the time is up the fetcher's :class:`_Watchdog` calls :meth:`fire`, which
    shuts their sockets down and so unblocks any ``recv`` in progress (a
    dripping server cannot hold a read open).  ``at`` is on the fetcher's
    (injectable) clock; ``fire_at`` is on :func:`time.monotonic`, the clock
    the watchdog sleeps on.
    """

    __slots__ = (
        "_clock",
        "_conns",
        "_lock",
        "_socks",
        "at",
        "done",
        "expired",
        "fire_at",
        "reused",
    )

    def __init__(self, seconds: float, clock: Callable[[], float], start: float) -> None:
        self._clock = clock
        self.at = start + seconds
        self.fire_at = (start if clock is time.monotonic else time.monotonic()) + seconds
        self.expired = False
        self.done = False
        #: Whether the last connection taken from a pool was a kept-alive one.
        self.reused = False
        self._lock = threading.Lock()
        self._conns: list[HTTPConnection] = []
        self._socks: list[socket.socket] = []

    def remaining(self) -> float:
        return self.at - self._clock()

    def passed(self) -> bool:
        return self.expired or self.remaining() <= 0

    def watch(self, conn: HTTPConnection) -> None:
        """Watch a connection (and the socket it has now, if any)."""
        with self._lock:
            if self.done:
                return
            self._conns.append(conn)
            if conn.sock is not None:
                self._socks.append(conn.sock)
            if self.expired:
                _shutdown(conn.sock)

    def watch_socket(self, sock: socket.socket) -> None:
        """Watch a socket directly: http.client drops ``conn.sock`` for
        close-delimited responses while the response still reads from it."""
        with self._lock:
            if self.done:
                return
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def finish(self) -> None:
        """The call is over: forget its connections; :meth:`fire` does nothing now."""
        with self._lock:
            self.done = True
            self._conns.clear()
            self._socks.clear()

    def fire(self) -> None:
        """Time is up: shut down every socket the call is using."""
        with self._lock:
            if self.done:
                return
            self.expired = True
            for conn in self._conns:
                _shutdown(conn.sock)
            for sock in self._socks:
                _shutdown(sock)


class _Watchdog:
    """One daemon thread per :class:`Fetcher` enforcing its calls' deadlines.

    Running calls' deadlines wait in a heap ordered by ``fire_at``; the thread
    sleeps on a condition until the earliest is due, fires it and sleeps
    again.  It is only woken early when a new deadline is due before the time
    it sleeps until, so a steady stream of calls with the same budget costs
    one heap push and pop per call and no thread switch.  The thread starts
    with the first call, exits after ``_IDLE_EXIT`` seconds with nothing to
    watch (the next call starts another) and as soon as it is idle after
    :meth:`stop`.  A forked child (``multiprocessing``) inherits the
    object but not the thread: the first call in the child starts afresh.

    Lock order: the thread fires deadlines while holding the condition's
    lock, so no code may take the condition while holding a deadline's lock.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._seq = itertools.count()
        self._live = 0
        self._thread: threading.Thread | None = None
        self._wake_at = math.inf
        self._stopping = False

    def add(self, deadline: _Deadline) -> None:
        """Start watching ``deadline`` (starting the thread if none runs)."""
        if self._pid != os.getpid():
            self._reset()
        with self._cond:
            heapq.heappush(self._heap, (deadline.fire_at, next(self._seq), deadline))
            self._live += 1
            self._stopping = False
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="feedkit-fetch-deadline", daemon=True
                )
                self._thread.start()
            elif deadline.fire_at < self._wake_at:
                self._cond.notify()

    def remove(self, deadline: _Deadline) -> None:
        """The call of ``deadline`` is over: stop watching it."""
        deadline.finish()  # before taking the condition: see the lock order
        with self._cond:
            self._live -= 1
            heap = self._heap
            while heap and heap[0][2].done:
                heapq.heappop(heap)
            if len(heap) > 2 * self._live + 64:
                # A long call at the top keeps finished ones below it: sweep them.
                heap[:] = [entry for entry in heap if not entry[2].done]
                heapq.heapify(heap)

    def stop(self) -> None:
        """Let the thread exit as soon as no call is running.

        With no call running, wait (briefly) for the thread to be gone.
        """
        with self._cond:
            self._stopping = True
            thread = self._thread if self._live == 0 else None
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)

    def _run(self) -> None:
        cond, heap = self._cond, self._heap
        with cond:
            while True:
                now = time.monotonic()
                while heap and (heap[0][2].done or heap[0][0] <= now):
                    heapq.heappop(heap)[2].fire()
                if heap:
                    self._wake_at = heap[0][0]
                    cond.wait(self._wake_at - now)
                    continue
                self._wake_at = math.inf
                if self._stopping:
                    break
                if not cond.wait(_IDLE_EXIT) and not heap:
                    break
            self._wake_at = math.inf
            self._thread = None


def _shutdown(sock: socket.socket | None) -> None:
    """Shut a socket down from another thread (unblocks a blocked recv)."""
    if sock is None:
        return
    # The base-class method on purpose: for TLS sockets it shuts the file
    # descriptor down without tearing SSL state from under the reader.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Guard:
    """What the connection layer needs from its Fetcher: policy and deadline."""

    def __init__(self, policy: NetworkPolicy | None) -> None:
        self.policy = policy
        self._local = threading.local()

    def current(self) -> _Deadline | None:
        deadline: _Deadline | None = getattr(self._local, "deadline", None)
        return deadline

    def enter(self, deadline: _Deadline | None) -> _Deadline | None:
        previous = self.current()
        self._local.deadline = deadline
        return previous

    def exit(self, previous: _Deadline | None) -> None:
        self._local.deadline = previous


# --------------------------------------------------------------------------
# urllib3 layer: connections pinned to checked addresses
# --------------------------------------------------------------------------


def _open_socket(conn: HTTPConnection, default: Callable[[], socket.socket]) -> socket.socket:
    """Connect ``conn``; under a policy, to a resolved-and-checked address only."""
    guard: _Guard | None = getattr(conn, "feedkit_guard", None)
    policy = guard.policy if guard is not None else None
    if policy is None:
        return default()
    host, port = conn.host, conn.port or 80
    try:
        addresses = policy.resolve(host, port)
    except socket.gaierror as exc:
        raise urllib3.exceptions.NameResolutionError(host, conn, exc) from exc
    last: OSError | None = None
    for address in addresses:
        try:
            sock = create_connection(
                (address, port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise urllib3.exceptions.ConnectTimeoutError(
                conn, f"Connection to {host} timed out. (connect timeout={conn.timeout})"
            ) from exc
        except OSError as exc:
            last = exc
            continue
        # Belt and braces: judge the peer the kernel actually connected to.
        peer = str(sock.getpeername()[0])
        reason = policy.refusal_reason(peer)
        if reason is not None:
            sock.close()
            raise BlockedAddressError(f"network policy refused {host!r}: {reason}")
        return sock
    raise urllib3.exceptions.NewConnectionError(
        conn, f"Failed to establish a new connection: {last}"
    )


def _watch_connected(conn: HTTPConnection) -> None:
    guard: _Guard | None = getattr(conn, "feedkit_guard", None)
    deadline = guard.current() if guard is not None else None
    if deadline is not None and conn.sock is not None:
        deadline.watch_socket(conn.sock)


def _new_socket(conn: HTTPConnection, default: Callable[[], socket.socket]) -> socket.socket:
    """Open the TCP socket and watch it at once: a proxy's CONNECT answer is
    read on it before :meth:`connect` returns."""
    sock = _open_socket(conn, default)
    guard: _Guard | None = getattr(conn, "feedkit_guard", None)
    deadline = guard.current() if guard is not None else None
    if deadline is not None:
        deadline.watch_socket(sock)
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _new_socket(self, super()._new_conn)

    def connect(self) -> None:
        super().connect()
        _watch_connected(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    # TLS still verifies and sends SNI for the URL's host name: only the TCP
    # destination is pinned.
    def _new_conn(self) -> socket.socket:
        return _new_socket(self, super()._new_conn)

    def connect(self) -> None:
        super().connect()
        _watch_connected(self)


def _adopt(pool: HTTPConnectionPool, conn: Any) -> None:
    guard: _Guard = pool.feedkit_guard  # type: ignore[attr-defined]
    conn.feedkit_guard = guard
    deadline = guard.current()
    if deadline is not None:
        # The pool has already closed a kept-alive connection it saw dropped.
        deadline.reused = conn.sock is not None
        deadline.watch(conn)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        _adopt(self, conn)
        return conn


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        _adopt(self, conn)
        return conn


class _GuardedPoolManager(PoolManager):
    def __init__(self, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feedkit_guard = guard
        self.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.feedkit_guard = self.feedkit_guard  # type: ignore[attr-defined]
        return pool


class _GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections obey the guard (policy + deadline)."""

    def __init__(self, guard: _Guard, **kwargs: Any) -> None:
        self._feedkit_guard = guard
        # Pool classes for connections through an HTTP(S) proxy: the guard is a
        # class attribute because requests builds the proxy managers itself.
        self._proxied_pools: dict[str, type[HTTPConnectionPool]] = {
            "http": type("_ProxiedHTTPPool", (_GuardedHTTPPool,), {"feedkit_guard": guard}),
            "https": type("_ProxiedHTTPSPool", (_GuardedHTTPSPool,), {"feedkit_guard": guard}),
        }
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _GuardedPoolManager(
            self._feedkit_guard,
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            **pool_kwargs,
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if self._feedkit_guard.policy is not None:
            # Through a proxy the policy would judge the proxy, not the target.
            raise BlockedAddressError("a network policy cannot be enforced through a proxy")
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            # Watch the connections to the proxy too, so the deadline holds
            # through it (SOCKS managers keep their own pool classes).
            manager.pool_classes_by_scheme = self._proxied_pools
        return manager


# --------------------------------------------------------------------------
# Bounded content decoding
# --------------------------------------------------------------------------


class _Inflater:
    """Inflate gzip or deflate in steps of at most ``piece`` output bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._pending = b""  # deflate: first bytes held until the format is known
        self._obj: Any = None
        if encoding == "gzip":
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _start_deflate(self, data: bytes) -> None:
        # "deflate" is zlib-wrapped per RFC 9110, but servers also send raw deflate.
        is_zlib = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
        wbits = zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, piece: int) -> Iterator[bytes]:
        if self._obj is None:
            self._pending += data
            if len(self._pending) < 2:
                return
            data, self._pending = self._pending, b""
            self._start_deflate(data)
        yield from self._run(data, piece)

    def finish(self, piece: int) -> Iterator[bytes]:
        if self._obj is None:
            if not self._pending:
                return
            data, self._pending = self._pending, b""
            self._start_deflate(data)
            yield from self._run(data, piece)
        yield from self._run(b"", piece)

    def _run(self, data: bytes, piece: int) -> Iterator[bytes]:
        try:
            while True:
                obj = self._obj
                if obj.eof:
                    rest = obj.unused_data + data
                    data = b""
                    if self.encoding != "gzip" or not rest.startswith(b"\x1f\x8b"):
                        return  # trailing bytes after the stream are ignored
                    self._obj = obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                out = obj.decompress(data, piece)
                data = obj.unconsumed_tail
                if out:
                    yield out
                if not data and len(out) < piece and not (obj.eof and obj.unused_data):
                    return
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}") from exc


def _content_encodings(headers: Mapping[str, str]) -> list[str]:
    raw = headers.get("content-encoding", "")
    encodings = [e.strip().lower() for e in raw.split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    unknown = [e for e in encodings if e not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(f"unsupported Content-Encoding {raw!r}")
    if len(encodings) > 3:
        raise FetchError(f"too many Content-Encodings {raw!r}")
    return ["gzip" if e == "x-gzip" else e for e in encodings]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date).

    ``now`` is the moment the date form is measured from (the response's
    ``Date`` header when it has one).  Dates in the past give ``0.0``; an
    unreadable value gives ``None``.  Pure.

    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> parse_retry_after("120", now=now)
    120.0
    >>> parse_retry_after("Thu, 01 Jan 2026 00:02:00 GMT", now=now)
    120.0
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _check_url(url: str, error: type[FeedkitError]) -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host, else raise."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise error(f"malformed URL {url!r}: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise error(f"refusing {parts.scheme or 'scheme-less'!s} URL {url[:200]!r}")
    if not host:
        raise error(f"URL without a host: {url[:200]!r}")
    if any(c in url for c in "\r\n\x00"):
        raise error(f"URL with control characters: {url[:200]!r}")
    return url


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def _cause_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nxt = getattr(e, attr, None)
            if isinstance(nxt, BaseException):
                todo.append(nxt)


class _HostSettings(NamedTuple):
    """Per-host request settings from the session and the environment."""

    proxies: dict[str, str]
    verify: Any
    cert: Any
    netrc: tuple[str, str] | None


#: The per-fetcher cache of :class:`_HostSettings` is emptied at this size.
_MAX_HOSTS = 1024


class _Transient(Exception):
    """Internal: a retryable failure; ``error`` is what to raise if retries run out.

    ``stale`` marks a failure before any answer on a kept-alive connection.
    """

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error
        self.stale = False


# --------------------------------------------------------------------------
# The fetcher
# --------------------------------------------------------------------------


class Fetcher:
    """Fetch one URL at a time, safely; see the module docstring.

    ``deadline`` bounds a whole :meth:`fetch` call (all hops and retries);
    ``connect_timeout`` / ``read_timeout`` bound each connect and each socket
    read.  ``retries`` extra attempts are made on transient errors, sleeping
    ``backoff * 2**attempt`` seconds scaled by a jitter in ``[0.5, 1)``
    (``sleep`` and ``rng`` are injectable for tests); a retry whose sleep
    would cross the deadline is not made.  ``policy`` enables address
    filtering.  ``session`` lets the caller bring a configured
    :class:`requests.Session` (the fetcher mounts its own adapter on it for
    ``http://`` and ``https://``).  A fetcher-made session honours the
    environment like requests does (proxies, ``REQUESTS_CA_BUNDLE``) unless a
    policy is set: then it ignores it (``trust_env = False``), and a proxy on
    a caller's session makes every fetch fail with
    :class:`~feedkit.errors.BlockedAddressError` — through a proxy the
    policy could not see the real destination (so does an adapter the caller
    mounted for a more specific prefix, which would bypass the policy).

    Settings that requests reads from the environment for every request —
    proxy variables, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
    and ``~/.netrc`` credentials — are read once per scheme and host and
    remembered by the fetcher (for up to 1024 hosts); changing the session's
    ``proxies``, ``verify``, ``cert`` or ``trust_env`` is seen at the next
    call.  Session headers, cookies (sent and stored), ``auth``, ``params``
    and hooks work as with :meth:`requests.Session.get`.  :meth:`close`
    also stops the fetcher's deadline thread once no call is running.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        deadline: float = 60.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 10,
        retries: int = 2,
        backoff: float = 0.5,
        policy: NetworkPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if deadline <= 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts and deadline must be positive")
        if max_bytes < 0 or max_redirects < 0 or retries < 0 or backoff < 0:
            raise ValueError("max_bytes, max_redirects, retries and backoff must be >= 0")
        self.user_agent = user_agent
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.retries = retries
        self.backoff = backoff
        self.policy = policy
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not crypto
        self._clock = clock
        self._now = now if now is not None else (lambda: datetime.now(timezone.utc))
        self._guard = _Guard(policy)
        self._watchdog = _Watchdog()
        self._hosts: dict[tuple[str, str], _HostSettings] = {}
        self._hosts_key: tuple[object, ...] | None = None
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            # Environment proxies would make the policy judge the proxy, not the
            # target: with a policy, the fetcher's own session ignores them.
            session.trust_env = policy is None
        # Room for an aggregator's worker threads on one host, and many hosts.
        adapter = _GuardedAdapter(self._guard, pool_connections=64, pool_maxsize=16)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._adapter = adapter
        self.session = session

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Close the session if this fetcher created it; stop the deadline thread.

        The fetcher stays usable: a later :meth:`fetch` opens new connections
        and starts a new deadline thread.
        """
        if self._owns_session:
            self.session.close()
        self._watchdog.stop()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public ------------------------------------------------------------

    def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``; return a 200 (or other 2xx) or 304 :class:`FetchResult`.

        ``etag`` / ``last_modified`` are the validators of the previous
        result; they are sent as ``If-None-Match`` / ``If-Modified-Since``.
        Raises a :class:`~feedkit.errors.FetchError` subclass (see the
        module docstring), or :class:`~feedkit.errors.SourceError` when
        ``url`` is not an absolute http(s) URL.
        """
        _check_url(url, SourceError)
        started = self._clock()
        deadline = _Deadline(self.deadline, self._clock, started)
        guard = self._guard
        previous = guard.enter(deadline)
        self._watchdog.add(deadline)
        try:
            return self._fetch(url, etag, last_modified, deadline, started)
        finally:
            self._watchdog.remove(deadline)
            guard.exit(previous)

    # -- internals -----------------------------------------------------------

    def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        deadline: _Deadline,
        started: float,
    ) -> FetchResult:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        seen = {_without_fragment(url)}
        permanent = True
        for hop in itertools.count():
            status, lowered, body = self._attempt_with_retries(current, headers, deadline)
            if status not in _REDIRECTS:
                break
            location = lowered.get("location")
            if not location:
                raise RedirectError(f"{status} redirect without a Location header", url=url)
            target = _check_url(urljoin(current, location.strip()), RedirectError)
            if hop >= self.max_redirects:
                raise RedirectError(f"more than {self.max_redirects} redirects", url=url)
            key = _without_fragment(target)
            if key in seen:
                raise RedirectError(f"redirect loop at {target[:200]}", url=url)
            seen.add(key)
            permanent = permanent and status in _PERMANENT
            current = target
        moved = current if (current != url and permanent) else None
        if status == 304:
            return FetchResult(
                url=url,
                final_url=current,
                status=304,
                content=None,
                headers=lowered,
                etag=lowered.get("etag") or etag,
                last_modified=lowered.get("last-modified") or last_modified,
                not_modified=True,
                permanent_redirect=moved,
                elapsed=self._clock() - started,
            )
        if 200 <= status < 300:
            return FetchResult(
                url=url,
                final_url=current,
                status=status,
                content=body if body is not None else b"",
                headers=lowered,
                etag=lowered.get("etag"),
                last_modified=lowered.get("last-modified"),
                permanent_redirect=moved,
                elapsed=self._clock() - started,
            )
        raise self._status_error(status, lowered, current)

    def _status_error(self, status: int, headers: Mapping[str, str], url: str) -> HTTPStatusError:
        if status == 410:
            return GoneError(f"410 Gone: {url[:200]}", url=url, status=410)
        if status in (429, 503):
            now = _http_date(headers.get("date")) or self._now()
            retry_after = parse_retry_after(headers.get("retry-after"), now=now)
            return RetryLater(
                f"{status}: retry after {retry_after} s",
                url=url,
                status=status,
                retry_after=retry_after,
            )
        return HTTPStatusError(f"HTTP {status} for {url[:200]}", url=url, status=status)

    def _attempt_with_retries(
        self, url: str, headers: dict[str, str], deadline: _Deadline
    ) -> tuple[int, dict[str, str], bytes | None]:
        attempt = 0
        fresh_retry = True
        while True:
            try:
                return self._attempt(url, headers, deadline)
            except _Transient as transient:
                if transient.stale and fresh_retry:
                    # A kept-alive connection the server had given up on: try
                    # again at once on a new connection, once, outside ``retries``.
                    fresh_retry = False
                    continue
                if attempt >= self.retries:
                    raise transient.error from transient.__cause__
                base = min(self.backoff * 2**attempt, _MAX_BACKOFF)
                delay = base * (0.5 + 0.5 * self._rng.random())
                if delay >= deadline.remaining():
                    raise transient.error from transient.__cause__
                self._sleep(delay)
                attempt += 1

    def _attempt(
        self, url: str, headers: dict[str, str], deadline: _Deadline
    ) -> tuple[int, dict[str, str], bytes | None]:
        """One request: send it and, for a 2xx answer, read the body.

        Returns the status, the response headers with lower-cased names and
        the body (``None`` unless 2xx).
        """
        remaining = deadline.remaining()
        if remaining <= 0:
            raise FetchTimeout(f"deadline of {self.deadline} s exceeded", url=url)
        timeout = (min(self.connect_timeout, remaining), min(self.read_timeout, remaining))
        deadline.reused = False
        try:
            response = self._send(url, headers, timeout)
        except FeedkitError:
            raise
        except Exception as exc:  # requests/urllib3/socket errors, mapped below
            error = self._map_error(exc, url, deadline)
            if isinstance(error, _Transient):
                error.stale = deadline.reused
            raise error from exc
        status = response.status_code
        lowered = dict(response.headers.lower_items())
        if status in _TRANSIENT_STATUS:
            response.close()
            raise _Transient(
                HTTPStatusError(f"HTTP {status} for {url[:200]}", url=url, status=status)
            )
        if not 200 <= status < 300:
            _discard(response)
            return status, lowered, None
        return status, lowered, self._read_body(response, lowered, url, deadline)

    def _send(
        self, url: str, headers: dict[str, str], timeout: tuple[float, float]
    ) -> requests.Response:
        """Send one GET through the session, without redirects, body unread.

        The usual case — a plain :class:`requests.Session` whose adapter for
        ``url`` is ours, without ``params``, ``auth`` or hooks — takes a short
        path with the same outcome as ``session.get``: the request is prepared
        from the session's headers and cookies, environment settings come from
        the per-host cache, and the adapter is called directly.  Anything else
        goes through ``session.get`` itself.
        """
        session = self.session
        adapter = session.get_adapter(url)
        if adapter is not self._adapter:
            if self.policy is not None:
                raise BlockedAddressError(
                    "a network policy cannot be enforced through another transport adapter"
                )
        elif (
            type(session) is requests.Session
            and not session.params
            and session.auth is None
            and not any(session.hooks.values())
        ):
            request = requests.PreparedRequest()
            request.prepare_method("GET")
            request.prepare_url(url, None)
            prepared_url = request.url or url
            host = self._host_settings(session, prepared_url, url)
            merged = CaseInsensitiveDict(session.headers)
            merged.update(headers)
            for name in [name for name, value in merged.items() if value is None]:
                del merged[name]
            request.prepare_headers(merged)
            if session.cookies:
                request.prepare_cookies(session.cookies)
            if host.netrc is not None or "@" in prepared_url:
                request.prepare_auth(host.netrc, prepared_url)
            response = adapter.send(
                request,
                stream=True,
                timeout=timeout,
                verify=host.verify,
                cert=host.cert,
                proxies=host.proxies,
            )
            answer_headers = response.headers
            if "set-cookie" in answer_headers or "set-cookie2" in answer_headers:
                # As Session.send does; types-requests leaves this helper untyped.
                extract_cookies_to_jar(  # type: ignore[no-untyped-call]
                    session.cookies, request, response.raw
                )
            return response
        return session.get(
            url, headers=headers, allow_redirects=False, stream=True, timeout=timeout
        )

    def _host_settings(self, session: requests.Session, url: str, as_given: str) -> _HostSettings:
        """What requests would read from the environment for ``url``, cached per host.

        ``url`` is the prepared URL (IDNA host), ``as_given`` the caller's:
        like requests, proxies are looked up by the first, ``.netrc`` by the
        second.
        """
        proxies = session.proxies
        key = (
            session.trust_env,
            session.verify,
            session.cert,
            tuple(proxies.items()) if proxies else (),
        )
        hosts = self._hosts
        if key != self._hosts_key:
            hosts = self._hosts = {}
            self._hosts_key = key
        parts = urlsplit(url)
        where = (parts.scheme.lower(), parts.netloc.lower())
        found = hosts.get(where)
        if found is None:
            merged = session.merge_environment_settings(url, {}, True, None, None)
            found = _HostSettings(
                proxies=dict(merged["proxies"]),
                verify=merged["verify"],
                cert=merged["cert"],
                netrc=get_netrc_auth(as_given) if session.trust_env else None,
            )
            if len(hosts) >= _MAX_HOSTS:
                hosts.clear()
            hosts[where] = found
        return found

    def _map_error(
        self, exc: BaseException, url: str, deadline: _Deadline
    ) -> FetchError | _Transient:
        if deadline.passed():
            return FetchTimeout(f"deadline of {self.deadline} s exceeded", url=url)
        chain = list(_cause_chain(exc))
        if any(
            isinstance(e, urllib3.exceptions.NameResolutionError | socket.gaierror) for e in chain
        ):
            return ConnectionFailed(f"cannot resolve host: {exc}", url=url)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return FetchTimeout(f"connect timeout: {exc}", url=url)
        if isinstance(exc, requests.exceptions.Timeout) or any(
            isinstance(e, urllib3.exceptions.ReadTimeoutError | TimeoutError) for e in chain
        ):
            return FetchTimeout(f"read timeout: {exc}", url=url)
        if isinstance(exc, requests.exceptions.SSLError):
            return ConnectionFailed(f"TLS error: {exc}", url=url)
        if isinstance(
            exc,
            requests.exceptions.InvalidURL
            | requests.exceptions.InvalidSchema
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidHeader,
        ):
            return FetchError(f"cannot request {url[:200]!r}: {exc}", url=url)
        if isinstance(
            exc,
            requests.exceptions.ConnectionError
            | urllib3.exceptions.HTTPError
            | OSError
            | requests.exceptions.ChunkedEncodingError,
        ):
            return _Transient(ConnectionFailed(f"connection failed: {exc}", url=url))
        return FetchError(f"request failed: {exc!r}", url=url)

    def _read_body(
        self,
        response: requests.Response,
        lowered: Mapping[str, str],
        url: str,
        deadline: _Deadline,
    ) -> bytes:
        """Stream the raw body, inflating in bounded steps, under the byte cap."""
        limit = self.max_bytes
        try:
            encodings = _content_encodings(lowered)
            length = lowered.get("content-length", "")
            if not encodings and length.isdigit() and int(length) > limit:
                raise ResponseTooLarge(
                    f"Content-Length {length} over the {limit}-byte cap", url=url, limit=limit
                )
            # Content-Encoding lists codings in the order applied: undo in reverse.
            stages = [_Inflater(e) for e in reversed(encodings)]
            out = bytearray()
            raw_total = 0

            def push(data: bytes, level: int, final: bool) -> None:
                if level == len(stages):
                    out.extend(data)
                    if len(out) > limit:
                        raise ResponseTooLarge(
                            f"body over the {limit}-byte cap", url=url, limit=limit
                        )
                    return
                piece = max(1, min(_CHUNK, limit - len(out) + 1))
                stage = stages[level]
                for part in stage.feed(data, piece):
                    push(part, level + 1, False)
                if final:
                    for part in stage.finish(piece):
                        push(part, level + 1, False)
                    push(b"", level + 1, True)

            for chunk in response.raw.stream(_CHUNK, decode_content=False):
                raw_total += len(chunk)
                if raw_total > limit:
                    raise ResponseTooLarge(
                        f"raw body over the {limit}-byte cap", url=url, limit=limit
                    )
                push(chunk, 0, False)
                if deadline.passed():
                    raise FetchTimeout(f"deadline of {self.deadline} s exceeded", url=url)
            if deadline.expired:
                # The watchdog cut the stream; what we have is truncated.
                raise FetchTimeout(f"deadline of {self.deadline} s exceeded", url=url)
            push(b"", 0, True)
            return bytes(out)
        except FeedkitError:
            raise
        except Exception as exc:  # urllib3 protocol errors, socket errors
            raise self._map_error(exc, url, deadline) from exc
        finally:
            response.close()


def _discard(response: requests.Response) -> None:
    """Done with an answer whose body is not wanted.

    An answer without a body (304, 204, ``Content-Length: 0``) gives its
    connection back to the pool for the next request; any other is closed
    rather than drained, so a slow or endless body cannot hold the call.
    """
    raw = response.raw
    if getattr(raw, "length_remaining", None) == 0:
        # Reads the (empty) end of the answer, which returns the connection.
        raw.drain_conn()
        raw.release_conn()
    else:
        response.close()
