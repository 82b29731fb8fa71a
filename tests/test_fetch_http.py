"""Fetcher behaviour against a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import gzip
import importlib.util
import random
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedkit.errors import (
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    GoneError,
    HTTPStatusError,
    ResponseTooLarge,
    RetryLater,
    SourceError,
)
from feedkit.fetch.http import DEFAULT_USER_AGENT, Fetcher, parse_retry_after
from feedkit.fetch.policy import NetworkPolicy


def _load_rawserver() -> ModuleType:
    path = Path(__file__).resolve().parent / "data" / "fetch" / "rawserver.py"
    spec = importlib.util.spec_from_file_location("fetch_rawserver", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


raw = _load_rawserver()

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def quick(**kwargs: object) -> Fetcher:
    """A fetcher that never really sleeps between retries."""
    options: dict[str, object] = {"sleep": lambda _s: None, "rng": random.Random(1)}
    options.update(kwargs)
    return Fetcher(**options)  # type: ignore[arg-type]


def counting(
    handler: Callable[[Request, int], Response],
) -> tuple[Callable[[Request], Response], list[Request]]:
    seen: list[Request] = []

    def wrapped(request: Request) -> Response:
        seen.append(request)
        return handler(request, len(seen))

    return wrapped, seen


# -- basics -------------------------------------------------------------------


def test_ok_result_fields_and_lowercased_headers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        FEED,
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Jan 2030 00:00:00 GMT", "X-Odd": "1"},
    )
    url = httpserver.url_for("/feed")
    with quick() as fetcher:
        res = fetcher.fetch(url)
    assert (res.url, res.final_url, res.status, res.content) == (url, url, 200, FEED)
    assert res.etag == '"v1"'
    assert res.last_modified == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert res.headers["content-type"] == "application/rss+xml"
    assert res.headers["x-odd"] == "1"
    assert all(k == k.lower() for k in res.headers)
    assert not res.not_modified
    assert res.permanent_redirect is None
    assert res.elapsed > 0


def test_user_agent_default_and_custom(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response(b"x"))
    httpserver.expect_request("/ua").respond_with_handler(handler)
    quick().fetch(httpserver.url_for("/ua"))
    quick(user_agent="my-reader/2").fetch(httpserver.url_for("/ua"))
    assert seen[0].headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT == "feedkit/0.1 (+https://github.com/feedkit/feedkit)"
    assert seen[1].headers["User-Agent"] == "my-reader/2"
    assert "gzip" in seen[0].headers["Accept-Encoding"]
    assert "application/rss+xml" in seen[0].headers["Accept"]


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.org/feed",
        "http://",
        "javascript:alert(1)",
        "/etc/passwd",
        "file:///etc/passwd",
        "http://a:notaport/",
    ],
)
def test_bad_urls_are_source_errors(url: str) -> None:
    with pytest.raises(SourceError):
        quick().fetch(url)


def test_constructor_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        Fetcher(deadline=0)
    with pytest.raises(ValueError, match=">= 0"):
        Fetcher(retries=-1)


# -- conditional GET ------------------------------------------------------------


def test_conditional_get_sends_both_validators(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response(status=304, headers={"ETag": '"v2"'}))
    httpserver.expect_request("/c").respond_with_handler(handler)
    res = quick().fetch(
        httpserver.url_for("/c"), etag='"v1"', last_modified="Tue, 01 Jan 2030 00:00:00 GMT"
    )
    assert seen[0].headers["If-None-Match"] == '"v1"'
    assert seen[0].headers["If-Modified-Since"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert res.not_modified
    assert res.status == 304
    assert res.content is None
    assert res.etag == '"v2"'  # the server's new validator wins
    assert res.last_modified == "Tue, 01 Jan 2030 00:00:00 GMT"  # kept when not resent


def test_200_then_304_flow(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return Response(status=304)
        return Response(
            FEED, headers={"ETag": '"abc"', "Last-Modified": "Mon, 02 Feb 2026 10:00:00 GMT"}
        )

    httpserver.expect_request("/f").respond_with_handler(handler)
    fetcher = quick()
    first = fetcher.fetch(httpserver.url_for("/f"))
    assert first.status == 200
    assert first.content == FEED
    second = fetcher.fetch(
        httpserver.url_for("/f"), etag=first.etag, last_modified=first.last_modified
    )
    assert second.not_modified
    assert second.content is None
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    third = fetcher.fetch(httpserver.url_for("/f"))  # no validators: full body again
    assert third.content == FEED


def test_no_validators_means_no_conditional_headers(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response(b"x"))
    httpserver.expect_request("/n").respond_with_handler(handler)
    quick().fetch(httpserver.url_for("/n"))
    assert "If-None-Match" not in seen[0].headers
    assert "If-Modified-Since" not in seen[0].headers


# -- redirects -------------------------------------------------------------------


def _redirect(status: int, location: str) -> Response:
    return Response(status=status, headers={"Location": location})


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_reported(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/old").respond_with_response(_redirect(status, "/new"))
    httpserver.expect_request("/new").respond_with_data(FEED)
    res = quick().fetch(httpserver.url_for("/old"))
    assert res.content == FEED
    assert res.final_url == httpserver.url_for("/new")
    assert res.permanent_redirect == httpserver.url_for("/new")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_is_not_permanent(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/temporary").respond_with_response(_redirect(status, "/there"))
    httpserver.expect_request("/there").respond_with_data(FEED)
    res = quick().fetch(httpserver.url_for("/temporary"))
    assert res.final_url == httpserver.url_for("/there")
    assert res.permanent_redirect is None


def test_chain_is_permanent_only_if_every_hop_is(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_response(_redirect(301, "/b"))
    httpserver.expect_request("/b").respond_with_response(_redirect(308, "/c"))
    httpserver.expect_request("/c").respond_with_data(FEED)
    httpserver.expect_request("/x").respond_with_response(_redirect(301, "/y"))
    httpserver.expect_request("/y").respond_with_response(_redirect(302, "/c"))
    fetcher = quick()
    assert fetcher.fetch(httpserver.url_for("/a")).permanent_redirect == httpserver.url_for("/c")
    mixed = fetcher.fetch(httpserver.url_for("/x"))
    assert mixed.final_url == httpserver.url_for("/c")
    assert mixed.permanent_redirect is None


def test_redirect_to_304_keeps_validators(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response(status=304))
    httpserver.expect_request("/moved").respond_with_response(_redirect(301, "/home"))
    httpserver.expect_request("/home").respond_with_handler(handler)
    res = quick().fetch(httpserver.url_for("/moved"), etag='"e"')
    assert res.not_modified
    assert res.permanent_redirect == httpserver.url_for("/home")
    assert seen[0].headers["If-None-Match"] == '"e"'


# -- status codes ------------------------------------------------------------------


def test_410_is_gone(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("bye", status=410)
    with pytest.raises(GoneError) as info:
        quick().fetch(httpserver.url_for("/gone"))
    assert info.value.status == 410
    assert info.value.url == httpserver.url_for("/gone")


def test_429_retry_after_seconds(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(RetryLater) as info:
        quick().fetch(httpserver.url_for("/busy"))
    assert info.value.status == 429
    assert info.value.retry_after == 120.0


def test_429_retry_after_http_date_relative_to_date_header() -> None:
    server_now = datetime(2030, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=90), usegmt=True),
    }
    with (
        raw.RawServer(raw.respond("429 Too Many Requests", headers)) as server,
        pytest.raises(RetryLater) as info,
    ):
        quick().fetch(server.url("/busy"))
    assert info.value.retry_after == 90.0


def test_503_retry_after_date_without_date_header_uses_now() -> None:
    fixed = datetime(2030, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    headers = {"Retry-After": "Wed, 01 May 2030 12:05:00 GMT"}
    with (
        raw.RawServer(raw.respond("503 Service Unavailable", headers)) as server,
        pytest.raises(RetryLater) as info,
    ):
        quick(now=lambda: fixed).fetch(server.url("/down"))
    assert info.value.status == 503
    assert info.value.retry_after == 300.0


def test_503_without_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("down", status=503)
    with pytest.raises(RetryLater) as info:
        quick().fetch(httpserver.url_for("/down"))
    assert info.value.retry_after is None
    assert len(httpserver.log) == 1  # 503 is reported, not retried


@pytest.mark.parametrize("status", [400, 401, 403, 404, 418, 501])
def test_other_errors_are_http_status_errors(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/e").respond_with_data("no", status=status)
    with pytest.raises(HTTPStatusError) as info:
        quick().fetch(httpserver.url_for("/e"))
    assert info.value.status == status
    assert type(info.value) is HTTPStatusError
    assert len(httpserver.log) == 1  # not transient: no retry


def test_parse_retry_after_table() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after("0", now=now) == 0.0
    assert parse_retry_after(" 30 ", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now=now) == 0.0  # past
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("-5", now=now) is None
    assert parse_retry_after("", now=now) is None
    assert parse_retry_after(None, now=now) is None


# -- retries ---------------------------------------------------------------------


def test_retries_then_success(httpserver: HTTPServer) -> None:
    statuses = {1: 500, 2: 502}
    handler, seen = counting(lambda req, n: Response(FEED, status=statuses.get(n, 200)))
    httpserver.expect_request("/flaky").respond_with_handler(handler)
    sleeps: list[float] = []
    fetcher = Fetcher(retries=2, backoff=0.5, sleep=sleeps.append, rng=random.Random(7))
    res = fetcher.fetch(httpserver.url_for("/flaky"))
    assert res.content == FEED
    assert len(seen) == 3
    assert len(sleeps) == 2
    # exponential with jitter in [0.5, 1): first in [0.25, 0.5), second in [0.5, 1)
    assert 0.25 <= sleeps[0] < 0.5
    assert 0.5 <= sleeps[1] < 1.0


def test_retries_are_bounded(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response("boom", status=504))
    httpserver.expect_request("/down").respond_with_handler(handler)
    sleeps: list[float] = []
    with pytest.raises(HTTPStatusError) as info:
        Fetcher(retries=3, sleep=sleeps.append).fetch(httpserver.url_for("/down"))
    assert info.value.status == 504
    assert len(seen) == 4
    assert len(sleeps) == 3


def test_jitter_comes_from_injected_rng(httpserver: HTTPServer) -> None:
    handler, _seen = counting(lambda req, n: Response("boom", status=500))
    httpserver.expect_request("/down").respond_with_handler(handler)
    runs = []
    for _ in range(2):
        sleeps: list[float] = []
        with pytest.raises(HTTPStatusError):
            Fetcher(retries=2, sleep=sleeps.append, rng=random.Random(42)).fetch(
                httpserver.url_for("/down")
            )
        runs.append(sleeps)
    assert runs[0] == runs[1]


def test_no_retry_when_backoff_would_cross_deadline(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response("boom", status=500))
    httpserver.expect_request("/down").respond_with_handler(handler)
    sleeps: list[float] = []
    with pytest.raises(HTTPStatusError):
        Fetcher(retries=5, backoff=100.0, deadline=5.0, sleep=sleeps.append).fetch(
            httpserver.url_for("/down")
        )
    assert len(seen) == 1
    assert sleeps == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_retried_then_connection_failed() -> None:
    sleeps: list[float] = []
    fetcher = Fetcher(retries=2, sleep=sleeps.append, rng=random.Random(0))
    with pytest.raises(ConnectionFailed):
        fetcher.fetch(f"http://127.0.0.1:{_closed_port()}/feed")
    assert len(sleeps) == 2


def test_unresolvable_host_is_not_retried() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "no such host")

    sleeps: list[float] = []
    policy = NetworkPolicy(resolver=resolver)
    with pytest.raises(ConnectionFailed, match="resolve"):
        Fetcher(policy=policy, sleep=sleeps.append).fetch("http://no-such-host.test/feed")
    assert sleeps == []


def test_read_timeout(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response(FEED)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchTimeout):
        quick(read_timeout=0.1, retries=0).fetch(httpserver.url_for("/slow"))


# -- bodies ----------------------------------------------------------------------


def test_oversize_body_with_content_length(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 2048)
    with pytest.raises(ResponseTooLarge) as info:
        quick(max_bytes=1024).fetch(httpserver.url_for("/big"))
    assert info.value.limit == 1024


def test_body_at_the_cap_is_accepted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/exact").respond_with_data(b"x" * 1024)
    assert quick(max_bytes=1024).fetch(httpserver.url_for("/exact")).content == b"x" * 1024


def test_oversize_streamed_body_without_length(httpserver: HTTPServer) -> None:
    def stream(request: Request) -> Response:
        return Response((b"y" * 1000 for _ in range(100)), direct_passthrough=True)

    httpserver.expect_request("/stream").respond_with_handler(stream)
    with pytest.raises(ResponseTooLarge):
        quick(max_bytes=10_000).fetch(httpserver.url_for("/stream"))


def _encoded(httpserver: HTTPServer, path: str, body: bytes, encoding: str) -> str:
    httpserver.expect_request(path).respond_with_data(body, headers={"Content-Encoding": encoding})
    return httpserver.url_for(path)


def test_gzip_and_deflate_are_decoded(httpserver: HTTPServer) -> None:
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = raw_deflate.compress(FEED) + raw_deflate.flush()
    fetcher = quick()
    assert fetcher.fetch(_encoded(httpserver, "/gz", gzip.compress(FEED), "gzip")).content == FEED
    assert (
        fetcher.fetch(_encoded(httpserver, "/xgz", gzip.compress(FEED), "x-gzip")).content == FEED
    )
    assert (
        fetcher.fetch(_encoded(httpserver, "/zl", zlib.compress(FEED), "deflate")).content == FEED
    )
    assert fetcher.fetch(_encoded(httpserver, "/raw", raw, "deflate")).content == FEED
    two = gzip.compress(FEED[:20]) + gzip.compress(FEED[20:])
    assert fetcher.fetch(_encoded(httpserver, "/multi", two, "gzip")).content == FEED
    stacked = gzip.compress(zlib.compress(FEED))
    assert fetcher.fetch(_encoded(httpserver, "/both", stacked, "deflate, gzip")).content == FEED


def test_cap_counts_decoded_bytes(httpserver: HTTPServer) -> None:
    body = gzip.compress(b"z" * 50_000)  # ~100 bytes on the wire
    url = _encoded(httpserver, "/small-on-wire", body, "gzip")
    with pytest.raises(ResponseTooLarge):
        quick(max_bytes=10_000).fetch(url)


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
def test_unsupported_encoding_is_a_fetch_error(httpserver: HTTPServer, encoding: str) -> None:
    url = _encoded(httpserver, "/enc", b"\x00\x01garbage", encoding)
    with pytest.raises(FetchError, match="Content-Encoding"):
        quick().fetch(url)


def test_corrupt_gzip_is_a_fetch_error(httpserver: HTTPServer) -> None:
    url = _encoded(httpserver, "/bad", b"\x1f\x8b\x08\x00not really gzip at all", "gzip")
    with pytest.raises(FetchError, match="corrupt gzip"):
        quick().fetch(url)


def test_204_gives_empty_content(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/empty").respond_with_data(b"", status=204)
    res = quick().fetch(httpserver.url_for("/empty"))
    assert res.status == 204
    assert res.content == b""


# -- sessions and threads ------------------------------------------------------------


def test_caller_session_is_used(httpserver: HTTPServer) -> None:
    handler, seen = counting(lambda req, n: Response(b"ok"))
    httpserver.expect_request("/s").respond_with_handler(handler)
    session = requests.Session()
    session.headers["X-Team"] = "feeds"
    fetcher = Fetcher(session=session)
    assert fetcher.fetch(httpserver.url_for("/s")).content == b"ok"
    fetcher.close()  # does not close a session it does not own
    assert seen[0].headers["X-Team"] == "feeds"
    assert session.get(httpserver.url_for("/s")).content == b"ok"


def test_one_fetcher_shared_by_threads() -> None:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/t").respond_with_data(FEED)
    server.start()
    try:
        fetcher = quick()
        results: list[bytes | None] = []
        lock = threading.Lock()

        def work() -> None:
            res = fetcher.fetch(server.url_for("/t"))
            with lock:
                results.append(res.content)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert results == [FEED] * 8
    finally:
        server.stop()


# -- TLS with a pinned address ---------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for feeds.test (needs the openssl CLI)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=feeds.test",
            "-addext",
            "subjectAltName=DNS:feeds.test",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def _tls_server(tls_files: tuple[Path, Path], handler: object) -> object:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return raw.RawServer(handler, host="127.0.0.2", tls=context)


def _pinned_fetcher(tls_files: tuple[Path, Path], **kwargs: object) -> Fetcher:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment beats .verify
    session.verify = str(tls_files[0])
    policy = NetworkPolicy(
        allowed_networks=("127.0.0.2/32",),
        resolver=lambda host, port: ["127.0.0.2"],
    )
    return quick(policy=policy, session=session, **kwargs)


def test_pinned_tls_connection_keeps_sni_and_hostname_checks(
    tls_files: tuple[Path, Path],
) -> None:
    server = _tls_server(tls_files, raw.respond("200 OK", {}, FEED))
    try:
        fetcher = _pinned_fetcher(tls_files, retries=0)
        res = fetcher.fetch(server.url("/feed", host="feeds.test"))  # type: ignore[attr-defined]
        assert res.content == FEED
        assert b"Host: feeds.test:" in server.requests[0]  # type: ignore[attr-defined]
        # Same pinned address, another name: the certificate does not match.
        with pytest.raises(ConnectionFailed, match="TLS"):
            fetcher.fetch(server.url("/feed", host="other.test"))  # type: ignore[attr-defined]
    finally:
        server.close()  # type: ignore[attr-defined]


def test_deadline_also_cuts_a_dripping_tls_body(tls_files: tuple[Path, Path]) -> None:
    def drip(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        while not stop.wait(0.2):
            conn.sendall(b"x")

    server = _tls_server(tls_files, drip)
    try:
        fetcher = _pinned_fetcher(tls_files, retries=0, deadline=1.0)
        start = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetcher.fetch(server.url("/drip", host="feeds.test"))  # type: ignore[attr-defined]
        assert time.monotonic() - start < 2.0
    finally:
        server.close()  # type: ignore[attr-defined]


def test_package_exports_match_all() -> None:
    import feedkit.fetch as package

    assert sorted(package.__all__) == package.__all__
    for name in package.__all__:
        assert getattr(package, name) is not None
    from feedkit.fetch.http import Fetcher as Direct

    assert package.Fetcher is Direct


# -- connection reuse, the deadline thread, session settings on the short path -------


class KeepAliveServer:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 that counts TCP connections.

    ``routes`` maps a path to ``(status, headers, body)``; every request line
    and its headers are recorded.  Absolute-URI request lines (what a client
    sends to a proxy) are recorded as they come.
    """

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.connections = 0
        self.seen: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                outer.connections += 1

            def do_GET(self) -> None:
                outer.seen.append((self.requestline, dict(self.headers.items())))
                status, headers, body = outer.routes.get(urlsplit(self.path).path, (404, {}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def keepalive() -> Iterator[Callable[..., KeepAliveServer]]:
    servers: list[KeepAliveServer] = []

    def make(routes: dict[str, tuple[int, dict[str, str], bytes]]) -> KeepAliveServer:
        server = KeepAliveServer(routes)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def _deadline_threads() -> set[threading.Thread]:
    # Compared as sets: other tests' idle fetchers may end theirs meanwhile.
    return {t for t in threading.enumerate() if t.name == "feedkit-fetch-deadline"}


def test_304s_and_200s_reuse_one_connection(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive(
        {
            "/304": (304, {"ETag": '"v1"'}, b""),
            "/200": (200, {"ETag": '"v2"'}, FEED),
            "/404": (404, {}, b""),
        }
    )
    fetcher = quick(retries=0)
    for _ in range(5):
        res = fetcher.fetch(server.url("/304"), etag='"v1"')
        assert res.not_modified
        assert res.etag == '"v1"'
        assert fetcher.fetch(server.url("/200")).content == FEED
    with pytest.raises(HTTPStatusError):
        fetcher.fetch(server.url("/404"))
    assert fetcher.fetch(server.url("/304"), etag='"v1"').not_modified
    assert len(server.seen) == 12
    assert server.connections == 1  # the old fetcher closed the socket after every 304
    fetcher.close()


def test_one_deadline_thread_per_fetcher_stopped_by_close(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive({"/f": (200, {}, FEED)})
    before = _deadline_threads()
    fetcher = quick(retries=0)
    assert not _deadline_threads() - before  # started lazily
    for _ in range(20):
        fetcher.fetch(server.url("/f"))
    (thread,) = _deadline_threads() - before  # one thread served all 20 calls
    fetcher.close()
    assert not thread.is_alive()
    # Still usable after close(): a new thread enforces the next call.
    assert fetcher.fetch(server.url("/f")).content == FEED
    (again,) = _deadline_threads() - before
    fetcher.close()
    assert not again.is_alive()


def _drip_forever(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not stop.wait(0.05):
        conn.sendall(b"x")


@pytest.mark.parametrize("pause", [0.0, 0.7])
def test_deadline_enforced_after_earlier_calls(
    keepalive: Callable[..., KeepAliveServer], pause: float
) -> None:
    # The deadline thread is already sleeping (pause 0: until the first call's
    # deadline; pause 0.7: idle, with no deadline at all) when the dripping call starts.
    server = keepalive({"/f": (200, {}, FEED)})
    dripping = raw.RawServer(_drip_forever)
    try:
        fetcher = quick(retries=0, deadline=0.5)
        assert fetcher.fetch(server.url("/f")).content == FEED
        time.sleep(pause)
        start = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetcher.fetch(dripping.url("/drip"))
        assert time.monotonic() - start < 2.0
        assert fetcher.fetch(server.url("/f")).content == FEED
        fetcher.close()
    finally:
        dripping.close()


def test_watchdog_fires_and_keeps_its_heap_small() -> None:
    from feedkit.fetch.http import _Deadline, _Watchdog

    watchdog = _Watchdog()
    left, right = socket.socketpair()
    try:
        slow = _Deadline(0.2, time.monotonic, time.monotonic())
        slow.watch_socket(left)
        watchdog.add(slow)
        for _ in range(500):  # short calls finishing behind a long one
            quick_call = _Deadline(60.0, time.monotonic, time.monotonic())
            watchdog.add(quick_call)
            watchdog.remove(quick_call)
        assert len(watchdog._heap) <= 2 + 64
        left.settimeout(2.0)
        assert left.recv(1) == b""  # shut down by the watchdog, not by the peer
        assert slow.expired
        assert slow.passed()
        watchdog.remove(slow)
        watchdog.stop()
    finally:
        left.close()
        right.close()


def test_threads_share_connections_and_the_deadline_thread(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive({"/304": (304, {"ETag": '"v"'}, b"")})
    fetcher = quick(retries=0)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            res = fetcher.fetch(server.url("/304"), etag='"v"')
            with lock:
                outcomes.append(res.not_modified)

    before = _deadline_threads()
    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == [True] * 400
    assert server.connections <= 8  # at most one per thread, kept across calls
    assert len(_deadline_threads() - before) == 1
    assert fetcher._watchdog._live == 0
    assert fetcher._watchdog._heap == []
    fetcher.close()


_FORK_CHILD = """
import multiprocessing, sys, time
from feedkit.errors import FetchTimeout
from feedkit.fetch.http import Fetcher

def child(fetcher, url, queue):
    start = time.monotonic()
    try:
        fetcher.fetch(url)
        queue.put(("ok", time.monotonic() - start))
    except FetchTimeout:
        queue.put(("timeout", time.monotonic() - start))

if __name__ == "__main__":
    fetcher = Fetcher(retries=0, deadline=0.5)
    fetcher.fetch(sys.argv[1])  # the parent's deadline thread is running now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=child, args=(fetcher, sys.argv[2], queue))
    proc.start()
    print(*queue.get(timeout=10))
    proc.join(5)
"""


def test_forked_child_still_enforces_the_deadline(
    keepalive: Callable[..., KeepAliveServer], tmp_path: Path
) -> None:
    server = keepalive({"/f": (200, {}, FEED)})
    dripping = raw.RawServer(_drip_forever)
    script = tmp_path / "fork_child.py"
    script.write_text(_FORK_CHILD)
    try:
        out = subprocess.run(
            [sys.executable, str(script), server.url("/f"), dripping.url("/drip")],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    finally:
        dripping.close()
    assert out[0] == "timeout"
    assert float(out[1]) < 2.0


def test_session_cookies_are_stored_and_sent(keepalive: Callable[..., KeepAliveServer]) -> None:
    server = keepalive(
        {"/login": (200, {"Set-Cookie": "sid=abc; Path=/"}, FEED), "/feed": (200, {}, FEED)}
    )
    session = requests.Session()
    session.trust_env = False
    fetcher = Fetcher(session=session, retries=0)
    fetcher.fetch(server.url("/login"))
    assert session.cookies.get("sid") == "abc"
    fetcher.fetch(server.url("/feed"))
    assert server.seen[1][1]["Cookie"] == "sid=abc"


def test_session_auth_params_and_hooks_still_apply(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive({"/feed": (200, {}, FEED)})
    session = requests.Session()
    session.trust_env = False
    session.auth = ("reader", "secret")
    session.params = {"key": "k1"}
    statuses: list[int] = []

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        statuses.append(response.status_code)

    session.hooks["response"].append(record)
    fetcher = Fetcher(session=session, retries=0)
    assert fetcher.fetch(server.url("/feed")).content == FEED
    line, headers = server.seen[0]
    assert line.startswith("GET /feed?key=k1 ")
    assert headers["Authorization"] == "Basic cmVhZGVyOnNlY3JldA=="
    assert statuses == [200]


def test_credentials_in_the_url_become_basic_auth(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive({"/feed": (200, {}, FEED)})
    url = f"http://reader:secret@127.0.0.1:{server.port}/feed"
    assert quick(retries=0).fetch(url).content == FEED
    assert server.seen[0][1]["Authorization"] == "Basic cmVhZGVyOnNlY3JldA=="


def test_netrc_credentials_are_used_like_requests_does(
    keepalive: Callable[..., KeepAliveServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = keepalive({"/feed": (200, {}, FEED)})
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login reader password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    fetcher = quick(retries=0)
    for _ in range(2):  # looked up once, then from the per-host cache
        assert fetcher.fetch(server.url("/feed")).content == FEED
    assert [h["Authorization"] for _line, h in server.seen] == ["Basic cmVhZGVyOnNlY3JldA=="] * 2
    # A policy fetcher ignores the environment, .netrc included.
    assert (
        quick(retries=0, policy=NetworkPolicy(allow_loopback=True))
        .fetch(server.url("/feed"))
        .content
        == FEED
    )
    assert "Authorization" not in server.seen[2][1]


def test_header_injection_through_a_validator_is_refused(
    keepalive: Callable[..., KeepAliveServer],
) -> None:
    server = keepalive({"/feed": (200, {}, FEED)})
    with pytest.raises(FetchError):
        quick(retries=0).fetch(server.url("/feed"), etag='"v1"\r\nX-Injected: 1')
    assert all("X-Injected" not in headers for _line, headers in server.seen)


def _clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_environment_proxy_and_no_proxy_are_honoured(
    keepalive: Callable[..., KeepAliveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = keepalive({"/direct": (200, {}, b"direct")})
    proxy = keepalive({"/proxied": (200, {}, b"via proxy")})
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fetcher = quick(retries=0)
    for _ in range(2):  # the second round comes from the per-host cache
        assert fetcher.fetch(origin.url("/direct")).content == b"direct"
        res = fetcher.fetch(f"http://feeds.invalid:{proxy.port}/proxied")
        assert res.content == b"via proxy"
    assert [line.split()[1] for line, _h in proxy.seen] == [
        f"http://feeds.invalid:{proxy.port}/proxied"
    ] * 2
    assert [line.split()[1] for line, _h in origin.seen] == ["/direct"] * 2


def test_session_proxy_change_is_seen_at_the_next_call(
    keepalive: Callable[..., KeepAliveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = keepalive({"/feed": (200, {}, b"direct")})
    proxy = keepalive({"/feed": (200, {}, b"via proxy")})
    _clear_proxy_env(monkeypatch)
    session = requests.Session()
    fetcher = Fetcher(session=session, retries=0)
    assert fetcher.fetch(origin.url("/feed")).content == b"direct"
    session.proxies = {"http": f"http://127.0.0.1:{proxy.port}"}
    assert fetcher.fetch(origin.url("/feed")).content == b"via proxy"
    assert proxy.seen[0][0].split()[1] == origin.url("/feed")


def test_policy_fetcher_ignores_environment_proxies(
    keepalive: Callable[..., KeepAliveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = keepalive({"/feed": (200, {}, b"direct")})
    proxy = keepalive({"/feed": (200, {}, b"via proxy")})
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    fetcher = quick(retries=0, policy=NetworkPolicy(allow_loopback=True))
    assert fetcher.fetch(origin.url("/feed")).content == b"direct"
    assert proxy.seen == []
