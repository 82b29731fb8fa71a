"""load_source / expand_sources: URLs, paths, file URIs, bytes and OPML."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedkit.errors import ResponseTooLarge, SourceError
from feedkit.fetch.http import Fetcher
from feedkit.fetch.sources import RAW_SOURCE_URL, expand_sources, is_opml, load_source

DATA = Path(__file__).resolve().parent / "data" / "fetch"
SAMPLE = DATA / "sample.rss"
OPML = DATA / "subscriptions.opml"


def test_local_path_str_and_pathlike() -> None:
    for source in (str(SAMPLE), SAMPLE):
        res = load_source(source)
        assert res.content == SAMPLE.read_bytes()
        assert res.status == 200
        assert res.url == SAMPLE.resolve().as_uri()
        assert res.final_url == res.url
        assert res.url.startswith("file:///")
        assert res.last_modified is not None


def test_relative_path_gives_absolute_file_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    res = load_source("sample.rss")
    assert res.url == SAMPLE.resolve().as_uri()


def test_file_uri_is_a_local_path() -> None:
    assert load_source(SAMPLE.resolve().as_uri()).content == SAMPLE.read_bytes()


def test_file_uri_with_remote_host_is_refused() -> None:
    with pytest.raises(SourceError, match="remote host"):
        load_source("file://fileserver/share/feed.xml")


def test_unchanged_file_is_not_modified(tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_bytes(b"<rss/>")
    first = load_source(feed)
    again = load_source(feed, last_modified=first.last_modified)
    assert again.not_modified
    assert again.content is None
    os.utime(feed, (1_000_000_000, 1_000_000_000))
    changed = load_source(feed, last_modified=first.last_modified)
    assert changed.content == b"<rss/>"
    assert changed.last_modified != first.last_modified


def test_raw_bytes_are_wrapped() -> None:
    res = load_source(b"<rss/>")
    assert (res.url, res.content, res.status) == (RAW_SOURCE_URL, b"<rss/>", 200)
    assert load_source(bytearray(b"x"), url="memory:one").url == "memory:one"


def test_bytes_that_look_like_a_path_are_not_opened() -> None:
    assert load_source(b"/etc/passwd").content == b"/etc/passwd"


@pytest.mark.parametrize(
    "source",
    [
        "",
        "   ",
        "ftp://example.org/feed.xml",
        "javascript:alert(1)",
        "data:text/xml,<rss/>",
        "gopher://example.org/",
    ],
)
def test_unusable_sources(source: str) -> None:
    with pytest.raises(SourceError):
        load_source(source)


def test_unsupported_type() -> None:
    with pytest.raises(SourceError, match="type"):
        load_source(42)  # type: ignore[arg-type]


def test_missing_file_hints_at_urls() -> None:
    with pytest.raises(SourceError, match="no such file"):
        load_source("/definitely/not/here.xml")
    with pytest.raises(SourceError, match="http"):
        load_source("example.org/feed.xml")


def test_directory_and_special_files_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        load_source(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(SourceError, match="regular"):
            load_source("/dev/zero")


def test_file_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(ResponseTooLarge):
        load_source(big, max_bytes=1000)
    with pytest.raises(ResponseTooLarge):
        load_source(big, fetcher=Fetcher(max_bytes=1000))
    assert load_source(big, max_bytes=5000).content == b"x" * 5000


def test_http_url_goes_through_the_fetcher(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        SAMPLE.read_bytes(), headers={"ETag": '"1"'}
    )
    res = load_source(httpserver.url_for("/feed"), fetcher=Fetcher())
    assert res.content == SAMPLE.read_bytes()
    assert res.etag == '"1"'
    res = load_source("  " + httpserver.url_for("/feed") + "  ")  # default fetcher
    assert res.status == 200


def test_http_url_conditional(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/c", headers={"If-None-Match": '"1"'}).respond_with_data(
        "", status=304
    )
    res = load_source(httpserver.url_for("/c"), etag='"1"')
    assert res.not_modified


# -- OPML expansion -------------------------------------------------------------------


def test_is_opml_by_name_and_by_content() -> None:
    assert is_opml(b"", "subs.OPML")
    assert is_opml(OPML.read_bytes())
    assert is_opml(b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c -->\n<opml version='1.0'/>")
    assert not is_opml(SAMPLE.read_bytes(), "sample.rss")
    assert not is_opml(b"<html><body>opml</body></html>")


def test_expand_sources_mixes_urls_files_and_opml(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feedkit.fetch.sources"):
        out = expand_sources(
            ["https://one.example/feed", str(SAMPLE), OPML, "https://one.example/feed"]
        )
    assert out == [
        "https://one.example/feed",
        str(SAMPLE),
        "https://planetpython.example/rss20.xml",
        "https://packaging.example/feed.atom",
        "http://loose.example/index.xml",
        "https://tagged.example/feed",
    ]
    # the OPML's file:// and path entries were skipped, and said so
    assert "file:///etc/passwd" in caplog.text
    assert "/etc/hosts" in caplog.text


def test_expand_sources_strict_refuses_local_entries() -> None:
    with pytest.raises(SourceError, match="non-http"):
        expand_sources([OPML], strict=True)


def test_opml_sniffed_without_extension(tmp_path: Path) -> None:
    renamed = tmp_path / "subs.xml"
    renamed.write_bytes(OPML.read_bytes())
    assert "https://tagged.example/feed" in expand_sources([str(renamed)])


def test_expand_sources_errors() -> None:
    with pytest.raises(SourceError):
        expand_sources(["ftp://x.example/"])
    with pytest.raises(SourceError):
        expand_sources(["/no/such/subs.opml"])
