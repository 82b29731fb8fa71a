"""The Aggregator end to end, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import SAMPLES
from feedkit import Aggregator, FeedkitError, HTTPStatusError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _serve_samples(httpserver: HTTPServer) -> dict[str, str]:
    urls = {}
    for name, ctype in (("harbor-gazette.rss.xml", "application/rss+xml"),
                        ("coastal-wire.atom.xml", "application/atom+xml"),
                        ("night-desk.json", "application/feed+json")):
        body = (SAMPLES / name).read_bytes()

        def handler(request: Request, body: bytes = body, ctype: str = ctype) -> Response:
            if request.headers.get("If-None-Match") == '"v1"':
                return Response(status=304)
            return Response(body, content_type=ctype, headers={"ETag": '"v1"'})

        httpserver.expect_request(f"/{name}").respond_with_handler(handler)
        urls[name] = httpserver.url_for(f"/{name}")
    return urls


def test_update_merges_cleans_links_and_reports_each_source(httpserver: HTTPServer) -> None:
    urls = _serve_samples(httpserver)
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    agg = Aggregator([*urls.values(), httpserver.url_for("/broken.xml")], now=NOW)
    results = {r.source: r for r in agg.update()}

    assert len(results) == 4
    broken = results[httpserver.url_for("/broken.xml")]
    assert broken.status == "error"
    assert isinstance(broken.error, HTTPStatusError)
    assert isinstance(broken.error, FeedkitError)
    assert all(r.ok for src, r in results.items() if "broken" not in src)

    items = agg.items()
    assert len(items) == 8
    stamps = [it.published for it in items]
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
    text = " ".join((it.content_html or "") + (it.summary or "") for it in items)
    assert "appeared first on" not in text
    assert "Share on X" not in text
    assert "pixel.wp.com" not in text
    assert "Subscribe to our newsletter" not in text
    assert "utm_source" not in " ".join(it.link or "" for it in items)

    links = agg.links
    assert links is not None
    by_title = {it.title: it.id for it in items}
    tram = {by_title["Council approves the east harbor tram line after a six-hour session"],
            by_title["Tram line through Kelp Street gets green light despite traders' protest"]}
    story_of = {i: s.id for s in links.stories for i in s.item_ids}
    assert len({story_of[i] for i in tram}) == 1
    ferry = by_title["Ferry operator orders two battery-electric ships"]
    assert story_of[ferry] not in {story_of[i] for i in tram}
    storm = {by_title["Storm closes the coastal road north of Brenna"],
             by_title["Coastal road shut after storm and landslide"]}
    dup_of = {i: g.id for g in links.duplicates for i in g.item_ids}
    assert len({dup_of[i] for i in storm}) == 1
    nav = {(r.kind, r.source_id, r.target) for r in links.relations}
    bakery = by_title["Kelp Street bakery wins national rye prize"]
    council = by_title["Council approves the east harbor tram line after a six-hour session"]
    assert ("next", council, bakery) in nav
    assert ("previous", council, by_title["Storm closes the coastal road north of Brenna"]) in nav


def test_second_update_is_conditional_and_keeps_items(httpserver: HTTPServer) -> None:
    urls = _serve_samples(httpserver)
    agg = Aggregator(list(urls.values()), now=NOW)
    first = list(agg.update())
    assert {r.status for r in first} == {"ok"}
    assert sum(r.new for r in first) == 8
    second = list(agg.update())
    assert {r.status for r in second} == {"not_modified"}
    assert len(agg.items()) == 8


def test_emit_formats_reparse_cleanly(httpserver: HTTPServer) -> None:
    urls = _serve_samples(httpserver)
    agg = Aggregator(list(urls.values()), now=NOW)
    list(agg.update())
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(agg.emit(fmt))
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        # the two copies of the storm article are merged into one entry
        assert 1 <= len(parsed.entries) < 8
    doc = json.loads(agg.emit("json"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert len(doc["items"]) == len(feedparser.parse(agg.emit("atom")).entries)
    assert len(agg.emit("json", merge_duplicates=False)) > len(agg.emit("json"))


def test_raw_bytes_and_files_are_sources() -> None:
    data = (SAMPLES / "coastal-wire.atom.xml").read_bytes()
    agg = Aggregator([data, str(SAMPLES / "night-desk.json")], now=NOW, link=False)
    results = list(agg.update())
    assert [r.status for r in results] == ["ok", "ok"]
    assert len(agg.items()) == 5
    assert agg.links is None


def test_a_raising_cleaner_fails_only_its_source(httpserver: HTTPServer) -> None:
    from feedkit.errors import CleanError

    urls = _serve_samples(httpserver)

    def explode(item, ctx):  # type: ignore[no-untyped-def]
        if "coastal" in item.feed_url:
            raise RuntimeError("plugin bug")
        return item

    agg = Aggregator(list(urls.values()), now=NOW, cleaners=[explode])
    results = {r.source: r for r in agg.update()}
    failed = [r for r in results.values() if not r.ok]
    assert len(failed) == 1
    assert "coastal" in failed[0].source
    assert isinstance(failed[0].error, CleanError)
    assert len(agg.items()) == 5


@pytest.mark.parametrize("bad", ["", "   ", "ftp://example.org/feed", "javascript:alert(1)"])
def test_unusable_sources_raise_typed_errors(bad: str) -> None:
    with pytest.raises(FeedkitError):
        Aggregator([bad])


def test_a_failing_linker_keeps_items_and_reports_a_link_error(
        httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedkit.link
    from feedkit import LinkError

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("linker bug")

    urls = _serve_samples(httpserver)
    monkeypatch.setattr(feedkit.link, "link_items", broken)
    agg = Aggregator(list(urls.values()), now=NOW)
    results = list(agg.update())
    assert all(r.ok for r in results)
    assert isinstance(agg.link_error, LinkError)
    assert "linker bug" in str(agg.link_error)
    assert len(agg.items()) == 8
    assert feedparser.parse(agg.emit("atom")).bozo == 0


def test_stored_items_are_parsed_then_cleaned_without_a_second_sanitize() -> None:
    # The aggregator leaves out the chain's re-sanitizing step for parsed items:
    # what it stores is the parser's sanitized HTML run through the rule and
    # learned-boilerplate cleaners, and hostile markup is gone all the same.
    from feedkit import parse_feed
    from feedkit.clean import clean_items, strip_learned, strip_rules

    body = (
        "&lt;p&gt;Harbor\u00a0news &amp;amp; more &lt;img src=x onerror=alert(1)&gt;"
        "&lt;a href='javascript:alert(2)'&gt;click&lt;/a&gt;&lt;script&gt;alert(3)&lt;/script&gt;"
        "&lt;/p&gt;&lt;p&gt;The post Harbor news appeared first on Gazette.&lt;/p&gt;"
    )
    doc = (
        "<rss version='2.0'><channel><title>t</title><link>https://g.example/</link>"
        + "".join(
            f"<item><title>Item {n}</title><link>https://g.example/{n}</link>"
            f"<description>{body}</description></item>"
            for n in range(3)
        )
        + "</channel></rss>"
    ).encode()
    agg = Aggregator([doc], now=NOW, link=False)
    assert [r.status for r in agg.update()] == ["ok"]
    stored = sorted(agg.items(), key=lambda i: i.id)
    expected = sorted(
        clean_items(parse_feed(doc, url=agg.sources[0], now=NOW).items,
                    cleaners=[strip_rules, strip_learned]),
        key=lambda i: i.id,
    )
    assert [i.summary for i in stored] == [i.summary for i in expected]
    summary = stored[0].summary or ""
    assert "Harbor" in summary
    for bad in ("onerror", "javascript:", "<script", "alert(3)", "appeared first on"):
        assert bad not in summary
