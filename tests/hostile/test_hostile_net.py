"""Hostile servers and SSRF tricks: each attack is bounded in time (and memory for bombs).

Every server here is real and listens on 127.0.0.x; nothing reaches the internet.
Time bounds are generous (< 2 s) on purpose: they catch "hangs", not slowness.
Compression bombs run the fetcher in a subprocess and read its peak RSS.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

from feedkit.errors import (
    BlockedAddressError,
    ConnectionFailed,
    FetchTimeout,
    RedirectError,
    ResponseTooLarge,
)
from feedkit.fetch.http import Fetcher
from feedkit.fetch.policy import NetworkPolicy

TIME_BOUND = 2.0
MEMORY_BOUND_MB = 256
GIB = 1 << 30


def _load_rawserver() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "data" / "fetch" / "rawserver.py"
    spec = importlib.util.spec_from_file_location("fetch_rawserver_hostile", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


raw = _load_rawserver()


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def fast_fetcher(**kwargs: object) -> Fetcher:
    options: dict[str, object] = {"sleep": lambda _s: None, "retries": 0}
    options.update(kwargs)
    return Fetcher(**options)  # type: ignore[arg-type]


def timed(call: Callable[[], object]) -> float:
    start = time.monotonic()
    call()
    return time.monotonic() - start


@pytest.fixture
def server_factory() -> Iterator[Callable[..., object]]:
    servers: list[object] = []

    def make(handler: object, host: str = "127.0.0.1", port: int = 0) -> object:
        server = raw.RawServer(handler, host=host, port=port)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()  # type: ignore[attr-defined]


# -- compression bombs -----------------------------------------------------------


def _deflate_gib_of_zeros() -> tuple[bytes, bytes, int, int]:
    """Raw deflate of 1 GiB of zeros, built fast: one full-flushed 1 MiB segment x 1024."""
    block = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush()
    crc, adler = 0, 1
    for _ in range(1024):
        crc = zlib.crc32(block, crc)
        adler = zlib.adler32(block, adler)
    return segment * 1024 + tail, b"", crc, adler


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    body, _unused, crc, adler = _deflate_gib_of_zeros()
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, GIB % 2**32)
    zl = b"\x78\xda" + body + struct.pack(">I", adler)
    return {"gzip": gz, "deflate": zl}


def test_bombs_are_real(bombs: dict[str, bytes]) -> None:
    # Guard the guards: the gzip bomb must really inflate to 1 GiB while being ~1 MB
    # (zlib checks the CRC and length at the end); the deflate bomb is the same stream.
    data = bombs["gzip"]
    assert len(data) < 2 * 1024 * 1024
    inflater = zlib.decompressobj(31)
    total, rest = 0, data
    while True:
        out = inflater.decompress(rest, 1 << 20)
        total += len(out)
        rest = inflater.unconsumed_tail
        if not out and not rest:
            break
    assert total == GIB
    assert inflater.eof
    assert not inflater.unused_data
    assert bombs["deflate"][2:-4] == data[10:-8]
    assert zlib.decompressobj(15).decompress(bombs["deflate"], 1000) == bytes(1000)


_CHILD = """
import json, resource, sys, time
from feedkit.fetch.http import Fetcher
start = time.monotonic()
try:
    Fetcher(retries=0).fetch(sys.argv[1])
    outcome = "ok"
except Exception as exc:
    outcome = type(exc).__name__
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - start,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bomb_stops_at_cap_in_bounded_time_and_memory(
    bombs: dict[str, bytes], server_factory: Callable[..., object], encoding: str
) -> None:
    body = bombs[encoding]
    head = _head(
        "200 OK",
        {
            "Content-Type": "application/rss+xml",
            "Content-Encoding": encoding,
            "Content-Length": str(len(body)),
        },
    )

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(head + body)

    server = server_factory(handler)
    start = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, server.url("/bomb")],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    wall = time.monotonic() - start
    report = json.loads(child.stdout)
    assert report["outcome"] == "ResponseTooLarge"
    assert report["seconds"] < TIME_BOUND
    assert wall < TIME_BOUND + 3  # including interpreter start-up
    assert report["maxrss_mb"] < MEMORY_BOUND_MB


def test_gzip_bomb_in_many_members_stops_at_cap(server_factory: Callable[..., object]) -> None:
    member = zlib.compressobj(9, zlib.DEFLATED, 31)
    one = member.compress(bytes(1 << 20)) + member.flush()
    body = one * 1024  # 1 GiB across 1024 gzip members

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Encoding": "gzip", "Content-Length": str(len(body))}) + body
        )

    server = server_factory(handler)
    with pytest.raises(ResponseTooLarge):
        assert timed(lambda: fast_fetcher(max_bytes=4 << 20).fetch(server.url("/m"))) < TIME_BOUND  # type: ignore[attr-defined]


def test_raw_deflate_bomb_stops_at_cap(
    bombs: dict[str, bytes], server_factory: Callable[..., object]
) -> None:
    body = bombs["deflate"][2:-4]  # strip the zlib wrapper: raw deflate

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Encoding": "deflate", "Content-Length": str(len(body))})
            + body
        )

    server = server_factory(handler)
    start = time.monotonic()
    with pytest.raises(ResponseTooLarge):
        fast_fetcher(max_bytes=1 << 20).fetch(server.url("/d"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND


# -- endless and slow servers --------------------------------------------------------


def test_endless_chunked_response_stops_at_cap(server_factory: Callable[..., object]) -> None:
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(_head("200 OK", {"Transfer-Encoding": "chunked"}))
        while not stop.is_set():
            conn.sendall(chunk)

    server = server_factory(handler)
    start = time.monotonic()
    with pytest.raises(ResponseTooLarge) as info:
        fast_fetcher().fetch(server.url("/endless"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND
    assert info.value.limit == 16 * 1024 * 1024


def test_endless_close_delimited_response_stops_at_cap(
    server_factory: Callable[..., object],
) -> None:
    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(_head("200 OK", {"Connection": "close"}))
        while not stop.is_set():
            conn.sendall(b"b" * 65536)

    server = server_factory(handler)
    start = time.monotonic()
    with pytest.raises(ResponseTooLarge):
        fast_fetcher(max_bytes=2 << 20).fetch(server.url("/forever"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND


def _drip(prefix: bytes, byte: bytes = b"x") -> Callable[..., None]:
    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(prefix)
        while not stop.wait(0.25):  # 4 bytes a second: every read succeeds, slowly
            conn.sendall(byte)

    return handler


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param(_head("200 OK", {"Content-Length": "100000"}), id="body-with-length"),
        pytest.param(_head("200 OK", {"Connection": "close"}), id="body-until-close"),
        pytest.param(
            _head("200 OK", {"Transfer-Encoding": "chunked"}) + b"186a0\r\n", id="body-chunked"
        ),
        pytest.param(b"HTTP/1.1 200 OK\r\nX-Slow: ", id="headers"),
        pytest.param(b"", id="status-line"),
    ],
)
def test_dripping_server_hits_total_deadline(
    server_factory: Callable[..., object], prefix: bytes
) -> None:
    server = server_factory(_drip(prefix))
    fetcher = fast_fetcher(deadline=1.0, read_timeout=30.0)
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match="deadline"):
        fetcher.fetch(server.url("/drip"))  # type: ignore[attr-defined]
    elapsed = time.monotonic() - start
    assert 0.9 < elapsed < TIME_BOUND


def test_server_that_never_answers_hits_deadline(server_factory: Callable[..., object]) -> None:
    def silent(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        stop.wait(10)

    server = server_factory(silent)
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        fast_fetcher(deadline=1.0, read_timeout=30.0).fetch(server.url("/silent"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND


def test_connection_reset_mid_body_is_typed_and_retried(
    server_factory: Callable[..., object],
) -> None:
    def reset(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(_head("200 OK", {"Content-Length": "10000"}) + b"<rss>" * 20)
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # linger 0: the kernel sends RST

    server = server_factory(reset)
    sleeps: list[float] = []
    fetcher = Fetcher(retries=2, sleep=sleeps.append)
    start = time.monotonic()
    with pytest.raises(ConnectionFailed):
        fetcher.fetch(server.url("/reset"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND
    assert server.connections == 3  # type: ignore[attr-defined]
    assert len(sleeps) == 2


def test_truncated_body_is_connection_failed(server_factory: Callable[..., object]) -> None:
    def short(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(_head("200 OK", {"Content-Length": "5000"}) + b"only this")

    server = server_factory(short)
    with pytest.raises(ConnectionFailed):
        fast_fetcher().fetch(server.url("/short"))  # type: ignore[attr-defined]


# -- redirect tricks -------------------------------------------------------------------


def _redirector(routes: dict[str, str], status: str = "302 Found") -> Callable[..., None]:
    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        path = request.split(b" ", 2)[1].decode()
        target = routes.get(path)
        if target is None:
            conn.sendall(_head("200 OK", {"Content-Length": "4", "Connection": "close"}) + b"feed")
            return
        conn.sendall(
            _head(status, {"Location": target, "Content-Length": "0", "Connection": "close"})
        )

    return handler


def test_redirect_loop(server_factory: Callable[..., object]) -> None:
    server = server_factory(_redirector({"/a": "/b", "/b": "/a"}))
    start = time.monotonic()
    with pytest.raises(RedirectError, match="loop"):
        fast_fetcher().fetch(server.url("/a"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND
    assert server.connections == 2  # type: ignore[attr-defined]


def test_self_redirect_with_fragment_is_a_loop(server_factory: Callable[..., object]) -> None:
    server = server_factory(_redirector({"/me": "/me#again"}, "301 Moved Permanently"))
    with pytest.raises(RedirectError, match="loop"):
        fast_fetcher().fetch(server.url("/me"))  # type: ignore[attr-defined]


def test_redirect_chain_too_long(server_factory: Callable[..., object]) -> None:
    routes = {f"/{i}": f"/{i + 1}" for i in range(50)}
    server = server_factory(_redirector(routes))
    start = time.monotonic()
    with pytest.raises(RedirectError, match="more than 5"):
        fast_fetcher(max_redirects=5).fetch(server.url("/0"))  # type: ignore[attr-defined]
    assert time.monotonic() - start < TIME_BOUND
    assert server.connections == 6  # type: ignore[attr-defined]
    # and a chain within the limit is followed
    assert fast_fetcher(max_redirects=5).fetch(server.url("/45")).content == b"feed"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://127.0.0.1/feed.xml",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "data:application/rss+xml,<rss/>",
        "dict://127.0.0.1:11211/stat",
        "//",
    ],
)
def test_redirect_to_other_schemes_is_refused(
    server_factory: Callable[..., object], target: str
) -> None:
    server = server_factory(_redirector({"/r": target}))
    with pytest.raises(RedirectError):
        fast_fetcher().fetch(server.url("/r"))  # type: ignore[attr-defined]


def test_redirect_without_location(server_factory: Callable[..., object]) -> None:
    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(_head("301 Moved Permanently", {"Content-Length": "0"}))

    server = server_factory(handler)
    with pytest.raises(RedirectError, match="Location"):
        fast_fetcher().fetch(server.url("/x"))  # type: ignore[attr-defined]


# -- network policy: real servers -----------------------------------------------------


def _ok(body: bytes) -> Callable[..., None]:
    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(
            _head("200 OK", {"Content-Length": str(len(body)), "Connection": "close"}) + body
        )

    return handler


def _pair(server_factory: Callable[..., object]) -> tuple[object, object]:
    """An "internal" server on 127.0.0.1 and a "public" one on 127.0.0.2, same port."""
    for _ in range(20):
        internal = server_factory(_ok(b"internal secret"))
        try:
            public = server_factory(_ok(b"public feed"), host="127.0.0.2", port=internal.port)  # type: ignore[attr-defined]
        except OSError:
            continue
        return internal, public
    pytest.skip("could not bind 127.0.0.2 on a shared port")


#: 127.0.0.2 plays a public host: allowed explicitly, while 127.0.0.1 stays blocked.
PUBLIC = NetworkPolicy(allowed_networks=("127.0.0.2/32",))


def test_policy_refuses_loopback(server_factory: Callable[..., object]) -> None:
    server = server_factory(_ok(b"secret"))
    with pytest.raises(BlockedAddressError, match="loopback"):
        Fetcher(policy=NetworkPolicy()).fetch(server.url("/"))  # type: ignore[attr-defined]
    assert server.connections == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "host",
    ["localhost", "2130706433", "0x7f000001", "127.1", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0"],  # noqa: S104
)
def test_policy_judges_the_resolved_address(
    server_factory: Callable[..., object], host: str
) -> None:
    server = server_factory(_ok(b"secret"))
    url = f"http://{host}:{server.port}/"  # type: ignore[attr-defined]
    with pytest.raises(BlockedAddressError):
        Fetcher(policy=NetworkPolicy(), retries=0).fetch(url)
    assert server.connections == 0  # type: ignore[attr-defined]


def test_policy_off_connects(server_factory: Callable[..., object]) -> None:
    server = server_factory(_ok(b"hello"))
    assert Fetcher().fetch(server.url("/")).content == b"hello"  # type: ignore[attr-defined]
    allowed = Fetcher(policy=NetworkPolicy(allow_loopback=True))
    assert allowed.fetch(server.url("/")).content == b"hello"  # type: ignore[attr-defined]


def test_policy_allows_a_listed_network(server_factory: Callable[..., object]) -> None:
    internal, public = _pair(server_factory)
    fetcher = Fetcher(policy=PUBLIC)
    assert fetcher.fetch(public.url("/")).content == b"public feed"  # type: ignore[attr-defined]
    with pytest.raises(BlockedAddressError):
        fetcher.fetch(internal.url("/"))  # type: ignore[attr-defined]
    assert internal.connections == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("to_host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_redirect_from_allowed_host_to_loopback_is_refused(
    server_factory: Callable[..., object], to_host: str
) -> None:
    internal, _public = _pair(server_factory)
    port = internal.port  # type: ignore[attr-defined]
    bouncer = server_factory(
        _redirector({"/feed": f"http://{to_host}:{port}/admin"}), host="127.0.0.2"
    )
    with pytest.raises(BlockedAddressError):
        Fetcher(policy=PUBLIC, retries=0).fetch(bouncer.url("/feed"))  # type: ignore[attr-defined]
    assert bouncer.connections == 1  # type: ignore[attr-defined]
    assert internal.connections == 0  # type: ignore[attr-defined]


def test_dns_rebinding_cannot_reach_internal_address(
    server_factory: Callable[..., object],
) -> None:
    """The name answers "public" first and 127.0.0.1 afterwards (a rebinding DNS).

    A fetcher that checked one answer and connected with another would reach
    the internal server; feedkit connects to the address it checked.
    """
    internal, public = _pair(server_factory)
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        answer = "127.0.0.2" if not answers else "127.0.0.1"
        answers.append(answer)
        return [answer]

    policy = NetworkPolicy(allowed_networks=("127.0.0.2/32",), resolver=rebinding)
    fetcher = Fetcher(policy=policy, retries=0)
    url = f"http://rebind.test:{internal.port}/feed"  # type: ignore[attr-defined]
    first = fetcher.fetch(url)
    assert first.content == b"public feed"
    assert answers == ["127.0.0.2"]  # resolved once: checked and connected to the same answer
    head = public.requests[0].decode("latin-1")  # type: ignore[attr-defined]
    assert f"Host: rebind.test:{internal.port}" in head  # type: ignore[attr-defined]
    # The next connection gets the rebound answer, and is refused before connecting.
    with pytest.raises(BlockedAddressError):
        fetcher.fetch(url)
    assert answers == ["127.0.0.2", "127.0.0.1"]
    assert internal.connections == 0  # type: ignore[attr-defined]


def test_name_with_one_blocked_answer_is_refused(server_factory: Callable[..., object]) -> None:
    internal, public = _pair(server_factory)
    policy = NetworkPolicy(
        allowed_networks=("127.0.0.2/32",),
        resolver=lambda host, port: ["127.0.0.2", "127.0.0.1"],
    )
    with pytest.raises(BlockedAddressError):
        Fetcher(policy=policy).fetch(f"http://mixed.test:{internal.port}/")  # type: ignore[attr-defined]
    assert internal.connections == 0  # type: ignore[attr-defined]
    assert public.connections == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.test/computeMetadata/v1/",
    ],
)
def test_metadata_endpoints_refused_even_with_link_local_allowed(url: str) -> None:
    policy = NetworkPolicy(
        allow_link_local=True,
        allow_private=True,
        resolver=lambda host, port: (
            ["169.254.169.254"] if host == "metadata.test" else [host.strip("[]")]
        ),
    )
    with pytest.raises(BlockedAddressError, match="metadata"):
        Fetcher(policy=policy, retries=0).fetch(url)


def test_policy_cannot_be_bypassed_through_a_proxy(server_factory: Callable[..., object]) -> None:
    _internal, public = _pair(server_factory)
    session = requests.Session()
    session.proxies = {"http": "http://127.0.0.2:9", "https": "http://127.0.0.2:9"}
    fetcher = Fetcher(policy=PUBLIC, session=session, retries=0)
    with pytest.raises(BlockedAddressError, match="proxy"):
        fetcher.fetch(public.url("/"))  # type: ignore[attr-defined]


def test_policy_cannot_be_bypassed_through_a_caller_adapter(
    server_factory: Callable[..., object],
) -> None:
    # An adapter mounted for a more specific prefix would win over the fetcher's
    # own and connect without the policy: a policy fetcher refuses to use it.
    internal, _public = _pair(server_factory)
    session = requests.Session()
    session.mount("http://127.0.0.1", requests.adapters.HTTPAdapter())
    fetcher = Fetcher(policy=PUBLIC, session=session, retries=0)
    with pytest.raises(BlockedAddressError, match="adapter"):
        fetcher.fetch(internal.url("/"))  # type: ignore[attr-defined]
    assert internal.requests == []  # type: ignore[attr-defined]


def test_pooled_connection_with_unasked_bytes_is_not_reused(
    server_factory: Callable[..., object],
) -> None:
    """A server that sends a second, unasked-for response after a 304 cannot
    make the next request read it: the next request gets its own answer."""

    def smuggler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        path = request.split(b" ", 2)[1]
        if path == b"/a":
            conn.sendall(
                _head("304 Not Modified", {"Content-Length": "0"})
                + _head("200 OK", {"Content-Length": "4"})
                + b"EVIL"
            )
            stop.wait(0.3)  # keep the connection open a while
        else:
            conn.sendall(_head("200 OK", {"Content-Length": "4", "Connection": "close"}) + b"good")

    server = server_factory(smuggler)
    fetcher = fast_fetcher()
    assert fetcher.fetch(server.url("/a"), etag='"e"').not_modified  # type: ignore[attr-defined]
    time.sleep(0.1)  # let the unasked bytes arrive
    assert fetcher.fetch(server.url("/b")).content == b"good"  # type: ignore[attr-defined]
    assert server.connections == 2  # type: ignore[attr-defined]


def test_kept_alive_connection_dropped_by_the_server_is_retried_at_once(
    server_factory: Callable[..., object],
) -> None:
    """The server keeps the connection after a 304, then hangs up without reading
    the next request: the fetcher retries once on a new connection, at once,
    even with ``retries=0``."""

    def keeps_then_drops(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        if request.split(b" ", 2)[1] == b"/a":
            conn.sendall(_head("304 Not Modified", {"Content-Length": "0"}))
            stop.wait(0.3)  # then close, leaving the next request unread
        else:
            conn.sendall(_head("200 OK", {"Content-Length": "4", "Connection": "close"}) + b"good")

    server = server_factory(keeps_then_drops)
    sleeps: list[float] = []
    fetcher = fast_fetcher(sleep=sleeps.append)
    assert fetcher.fetch(server.url("/a"), etag='"e"').not_modified  # type: ignore[attr-defined]
    time.sleep(0.1)
    assert fetcher.fetch(server.url("/b")).content == b"good"  # type: ignore[attr-defined]
    assert sleeps == []
    assert server.connections == 2  # type: ignore[attr-defined]


def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_deadline_holds_through_a_dripping_proxy(
    server_factory: Callable[..., object], monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """A proxy from the environment that drips its answer (http: the response;
    https: the CONNECT reply) is cut at the deadline, like a server."""

    def drip(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        if request.startswith(b"CONNECT "):
            conn.sendall(b"HTTP/1.1 200 Connection established\r\nX-Pad: ")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(80):  # 4 s: a fetcher that misses the deadline fails, not hangs
            if stop.wait(0.05):
                return
            conn.sendall(b"x")

    proxy = server_factory(drip)
    _no_proxy_env(monkeypatch)
    monkeypatch.setenv(f"{scheme.upper()}_PROXY", f"http://127.0.0.1:{proxy.port}")  # type: ignore[attr-defined]
    fetcher = fast_fetcher(deadline=1.0, read_timeout=30.0, connect_timeout=30.0)
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match="deadline"):
        fetcher.fetch(f"{scheme}://feeds.invalid/feed")
    elapsed = time.monotonic() - start
    assert 0.9 < elapsed < TIME_BOUND
    assert proxy.requests  # type: ignore[attr-defined]


def test_deadline_covers_the_whole_redirect_chain(server_factory: Callable[..., object]) -> None:
    """Each hop answers within the read timeout; together they exceed the deadline."""

    def slow_hop(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        path = request.split(b" ", 2)[1].decode()
        stop.wait(0.3)
        step = int(path.strip("/") or 0)
        conn.sendall(
            _head(
                "302 Found",
                {"Location": f"/{step + 1}", "Content-Length": "0", "Connection": "close"},
            )
        )

    server = server_factory(slow_hop)
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        fast_fetcher(deadline=1.0, read_timeout=5.0, max_redirects=20).fetch(
            server.url("/0")  # type: ignore[attr-defined]
        )
    assert time.monotonic() - start < TIME_BOUND
    assert 3 <= server.connections <= 5  # type: ignore[attr-defined]


def test_dripping_tls_handshake_hits_deadline() -> None:
    """A "TLS server" that announces a 16 kB handshake record and drips it."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)  # the ClientHello
            conn.sendall(b"\x16\x03\x03\x40\x00")  # handshake record, 16384 bytes follow...
            while not stop.wait(0.2):
                conn.sendall(b"\x00")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/feed"
    start = time.monotonic()
    try:
        with pytest.raises(FetchTimeout):
            fast_fetcher(deadline=1.0, connect_timeout=30.0, read_timeout=30.0).fetch(url)
        assert time.monotonic() - start < TIME_BOUND
    finally:
        stop.set()
        listener.close()
