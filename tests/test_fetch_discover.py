"""Feed discovery: the pure link finder and the probing discover_feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedkit.errors import HTTPStatusError
from feedkit.fetch.discover import discover_feeds, find_feed_links, looks_like_feed
from feedkit.fetch.http import Fetcher

DATA = Path(__file__).resolve().parent / "data" / "fetch"
PAGE = (DATA / "page.html").read_bytes()
FEED = (DATA / "sample.rss").read_bytes()
ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title></feed>'
JSONFEED = b'{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": []}'


def test_link_tags_first_in_order_then_anchor_fallback() -> None:
    assert find_feed_links(PAGE, "https://blog.example/2026/post.html") == [
        "https://blog.example/posts/rss.xml",
        "https://blog.example/atom.xml",
        "https://blog.example/2026/feed.json",
        "https://blog.example/comments/feed/",
    ]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<link rel="alternate" type="application/rss+xml" href="/r">', ["https://s.example/r"]),
        (
            '<link rel="ALTERNATE" type="Application/Atom+XML; charset=utf-8" href="a">',
            ["https://s.example/dir/a"],
        ),
        ('<link rel="alternate" type="application/json" href="/j">', ["https://s.example/j"]),
        ('<link rel="feed" href="/f">', ["https://s.example/f"]),
        ('<link rel="alternate" type="text/html" href="/page">', []),
        ('<link rel="alternate" type="application/rss+xml" href="javascript:x()">', []),
        ('<link rel="alternate" type="application/rss+xml" href="">', []),
        ('<link rel="alternate" type="application/rss+xml" href="http://[bad">', []),
        (
            '<link rel="alternate" type="application/rss+xml" href="/r#frag">'
            '<link rel="alternate" type="application/atom+xml" href="/r">',
            ["https://s.example/r"],
        ),
        (
            '<base href="https://cdn.example/x/"><link rel="alternate" '
            'type="application/rss+xml" href="rss">',
            ["https://cdn.example/x/rss"],
        ),
        (
            '<a href="/feed">x</a><a href="/blog.rss">y</a><a href="/?feed=rss2">z</a>'
            '<a href="/about">no</a><a href="/atom.xml">w</a>',
            [
                "https://s.example/feed",
                "https://s.example/blog.rss",
                "https://s.example/?feed=rss2",
                "https://s.example/atom.xml",
            ],
        ),
        ("", []),
        ("<<<>>>", []),
    ],
)
def test_find_feed_links_table(html: str, expected: list[str]) -> None:
    assert find_feed_links(html, "https://s.example/dir/page") == expected


def test_find_feed_links_accepts_bytes_with_declared_charset() -> None:
    html = (
        '<meta charset="iso-8859-1"><link rel="alternate" type="application/rss+xml" '
        'href="/caf\xe9.xml">'
    ).encode("latin-1")
    assert find_feed_links(html, "https://s.example/") == ["https://s.example/caf\xe9.xml"]


def test_looks_like_feed() -> None:
    assert looks_like_feed(FEED)
    assert looks_like_feed(ATOM)
    assert looks_like_feed(b'<rdf:RDF xmlns:rdf="x">')
    assert looks_like_feed(JSONFEED)
    assert looks_like_feed(b'{"items": []}', "application/feed+json")
    assert not looks_like_feed(b'{"items": []}', "application/json")
    assert not looks_like_feed(PAGE)
    assert not looks_like_feed(b"")
    assert not looks_like_feed(None)


def test_discover_feed_url_returns_itself(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(FEED, content_type="text/xml")
    url = httpserver.url_for("/feed.xml")
    assert discover_feeds(url, Fetcher()) == [url]


def test_discover_moved_feed_returns_new_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(ATOM)
    assert discover_feeds(httpserver.url_for("/old"), Fetcher()) == [httpserver.url_for("/new")]


def test_discover_from_html_links(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/post").respond_with_data(PAGE, content_type="text/html")
    links = discover_feeds(httpserver.url_for("/post"), Fetcher())
    assert links[0] == httpserver.url_for("/posts/rss.xml")
    assert "https://blog.example/atom.xml" in links
    assert len(httpserver.log) == 1  # links found: nothing probed


def test_discover_probes_common_paths(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blog/home").respond_with_data(
        "<html><body>no feeds advertised</body></html>", content_type="text/html"
    )
    httpserver.expect_request("/blog/feed").respond_with_data(
        "", status=301, headers={"Location": "/blog/feed/"}
    )
    httpserver.expect_request("/blog/feed/").respond_with_data(FEED)
    httpserver.expect_request("/atom.xml").respond_with_data(ATOM)
    httpserver.expect_request("/feed.json").respond_with_data(JSONFEED)
    httpserver.expect_request("/rss").respond_with_data("<html>a page</html>")  # not a feed
    httpserver.expect_request("/index.xml").respond_with_data("boom", status=500)
    found = discover_feeds(httpserver.url_for("/blog/home"), Fetcher(retries=0))
    assert found == [
        httpserver.url_for("/blog/feed/"),
        httpserver.url_for("/atom.xml"),
        httpserver.url_for("/feed.json"),
    ]


def test_discover_nothing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("<html></html>", content_type="text/html")
    assert discover_feeds(httpserver.url_for("/"), Fetcher(retries=0)) == []


def test_discover_page_error_propagates(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(HTTPStatusError):
        discover_feeds(httpserver.url_for("/missing"), Fetcher())
