"""parse_feed: every format, both paths, and the normalization rules end to end."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedkit.errors import FeedkitError, NotAFeedError, ParseError
from feedkit.model import Author, Enclosure
from feedkit.parse import parse_feed

DATA = Path(__file__).parent / "data" / "feeds"
SEED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "seed"
URL = "https://feeds.example.com/x.xml"
UTC = timezone.utc


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


# name, format, parser on auto, feed title, item count, first title, first link, first published
FORMATS = [
    ("rss20.xml", "rss20", "fast", "Harbour & Hills Gazette", 3, "Ferry timetable changes again",
     "https://gazette.example.net/news/ferry?id=12", datetime(2026, 3, 2, 7, 30, tzinfo=UTC)),
    ("rss091.xml", "rss091", "fast", "Café Notes", 1, "Crème brûlée",
     "http://cafe.example.org/creme", None),
    ("rss092-latin1.xml", "rss092", "fast", "Latin été", 1, "Été café",
     "http://latin.example.org/ete", None),
    ("rss10.rdf", "rss10", "fast", "RDF Site", 1, "Erster Artikel",
     "https://rdf.example.com/a", datetime(2026, 1, 15, 8, 30, tzinfo=UTC)),
    ("rss090.rdf", "rss090", "fast", "Netscape Era", 1, "First post",
     "http://old.example.com/1", None),
    ("atom10.xml", "atom10", "fast", "Notes & Sketches", 2, "Sketching bridges",
     "https://atom.example.org/blog/posts/bridges.html", datetime(2026, 2, 27, 13, tzinfo=UTC)),
    ("atom03.xml", "atom03", "fast", "Legacy & Atom", 2, "Hello 0.3",
     "http://legacy.example.com/hello", datetime(2005, 5, 31, 15, tzinfo=UTC)),
    ("jsonfeed11.json", "json1.1", "json", "JSON Journal", 2, "First & foremost",
     "https://json.example.com/posts/1", datetime(2026, 3, 2, 8, tzinfo=UTC)),
    ("jsonfeed10.json", "json1", "json", "Old JSON", 1, "One",
     "https://json10.example.com/1", datetime(2020, 1, 1, tzinfo=UTC)),
    ("broken-rss.xml", "rss20", "feedparser", "Broken Feed", 2, "Unclosed & ampersand",
     "https://broken.example.com/1", None),
]


@pytest.mark.parametrize(
    ("name", "fmt", "path", "title", "count", "first_title", "first_link", "first_published"),
    FORMATS,
)
@pytest.mark.parametrize("forced", ["auto", "feedparser"])
def test_formats(
    name: str, fmt: str, path: str, title: str, count: int, first_title: str,
    first_link: str, first_published: datetime | None, forced: str,
) -> None:
    result = parse_feed(load(name), url=URL, parser=forced)  # type: ignore[arg-type]
    expected_path = path if forced == "auto" or path == "json" else "feedparser"
    assert result.parser == expected_path
    assert result.parser_reason
    assert result.feed.format is not None
    assert result.feed.format.startswith(fmt[:5])
    assert result.feed.title == title
    assert len(result.items) == count
    first = result.items[0]
    assert (first.title, first.link, first.published) == (first_title, first_link,
                                                           first_published)
    assert all(item.feed_title == title and item.feed_url == URL for item in result.items)
    assert len({item.id for item in result.items}) == count


def test_rss20_fields() -> None:
    result = parse_feed(load("rss20.xml"), url=URL)
    feed = result.feed
    assert (feed.link, feed.language, feed.ttl_minutes) == ("https://gazette.example.net/",
                                                            "en-gb", 30)
    assert feed.self_url == "https://gazette.example.net/feed.xml"
    assert feed.icon == "https://gazette.example.net/logo.png"
    assert feed.description == "Local news from the harbour"
    assert feed.updated == datetime(2026, 3, 3, 10, tzinfo=UTC)
    ferry, market, guid_only = result.items
    assert ferry.guid == "gazette-1001"
    assert ferry.authors == (Author(name="Ana Ferreira"),)
    assert ferry.categories == ("Transport", "Harbour")
    # sanitized, relative URLs resolved against the feed URL, scripts/handlers gone
    assert ferry.summary is not None
    assert "<script" not in ferry.summary
    assert 'href="https://feeds.example.com/news/timetable"' in ferry.summary
    assert ferry.content_html is not None
    assert "onclick" not in ferry.content_html
    assert 'src="https://feeds.example.com/img/ferry.jpg"' in ferry.content_html
    # namespaces: slash, wfw, georss, media, comments
    assert ferry.extra["comment_count"] == "4"
    assert ferry.extra["comment_feed"] == "https://gazette.example.net/news/ferry/feed"
    assert ferry.extra["georss_point"] == "38.7 -9.1"
    assert ferry.extra["image"] == "https://gazette.example.net/img/ferry-thumb.jpg"
    # RSS author "email (Name)"
    assert market.authors == (Author(name="Rui Costa", email="editor@gazette.example.net"),)
    assert market.enclosures == (
        Enclosure("https://gazette.example.net/audio/market.mp3", "audio/mpeg", 123456),
    )
    assert market.extra["duration"] == "12:30"
    # plain-text description: escaped, one <p> per blank-line block, <br> per line
    assert market.summary == (
        "<p>Stalls open at 7.<br>\nFish, bread &amp; cheese.</p>\n"
        "<p>Parking on the quay is closed.</p>"
    )
    # permalink guid becomes the link; dc:date is `updated`, published falls back to it
    assert guid_only.link == "https://gazette.example.net/news/guid-only"
    assert guid_only.published == guid_only.updated == datetime(2026, 2, 28, 12, tzinfo=UTC)


def test_atom10_fields_and_xml_base() -> None:
    result = parse_feed(load("atom10.xml"), url=URL)
    assert result.feed.icon == "https://atom.example.org/favicon.ico"
    assert result.feed.description == "A small blog"
    bridges, plain = result.items
    assert bridges.guid == "tag:atom.example.org,2026:1"
    assert bridges.updated == datetime(2026, 2, 28, 9, 15, 30, tzinfo=UTC)
    assert bridges.enclosures == (
        Enclosure("https://atom.example.org/blog/posts/bridges.png", "image/png", 2048),
    )
    assert bridges.categories == ("drawing",)
    assert bridges.language == "en"
    # xhtml content, relative URLs resolved against the content's xml:base
    assert bridges.content_html is not None
    assert 'href="https://atom.example.org/blog/posts/bridges-2.html"' in bridges.content_html
    assert 'src="https://atom.example.org/blog/posts/bridge.jpg"' in bridges.content_html
    # type="text" summary: markup-looking text is escaped, line break kept
    assert bridges.summary == "<p>Bridges &lt;are&gt; hard<br>\nto draw.</p>"
    # entries inherit the feed author (Atom rule)
    assert plain.authors == (Author("Mira Okafor", "mira@atom.example.org",
                                    "https://atom.example.org/"),)
    # type="text" title is taken literally
    assert plain.title == "Plain title with <tags> kept literally"
    assert plain.content_html == "<p>Escaped <em>HTML</em> content</p>"
    assert plain.published == plain.updated  # published falls back to updated


def test_atom03_base64_and_modes() -> None:
    result = parse_feed(load("atom03.xml"), url=URL)
    hello, b64 = result.items
    assert hello.summary == "<p>A summary</p>"
    assert hello.content_html == "<p>Body <b>bold</b></p>"
    assert hello.updated == datetime(2005, 6, 1, 9, tzinfo=UTC)
    assert b64.content_html == "<p>Decoded <i>body</i></p>"
    assert result.feed.description == "Atom 0.3 lives"


def test_rss10_namespaces() -> None:
    (item,) = parse_feed(load("rss10.rdf"), url=URL).items
    assert item.guid == "https://rdf.example.com/a"  # rdf:about
    assert item.authors == (Author(name="Jonas Weber"),)
    assert item.categories == ("Wissenschaft",)
    assert item.language == "de"
    assert item.content_html == "<p>Der <b>volle</b> Text.</p>"


def test_jsonfeed_fields() -> None:
    result = parse_feed(load("jsonfeed11.json"), url=URL)
    first, second = result.items
    assert first.link == "https://json.example.com/posts/1"  # fbclid removed
    assert first.content_html == "<p>Hello <b>JSON</b></p>"  # iframe sanitized away
    assert first.summary == "<p>The first post</p>"
    assert first.enclosures == (Enclosure("https://json.example.com/a.mp3", "audio/mpeg", 1000),)
    assert first.categories == ("intro", "json")
    assert result.feed.authors == (Author("Priya Nair", uri="https://json.example.com/priya"),)
    assert second.link == "https://feeds.example.com/posts/2"
    assert second.content_html == (
        "<p>Line one<br>\nLine two</p>\n<p>New paragraph &lt;not a tag&gt;</p>"
    )
    old = parse_feed(load("jsonfeed10.json"))
    assert old.items[0].authors == (Author(name="Guest Writer"),)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "items array"),
        (b'{"title": "no version", "items": []}', "not a JSON Feed"),
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "not a feed"),
    ],
)
def test_bad_json(doc: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(doc)


def test_html_page_raises_not_a_feed_with_links() -> None:
    with pytest.raises(NotAFeedError) as info:
        parse_feed(load("html-page.html"), url="https://gazette.example.net/")
    assert "https://gazette.example.net/feed.xml" in info.value.feed_links
    assert "https://gazette.example.net/atom.xml" in info.value.feed_links


def test_broken_xml_falls_back_with_warnings() -> None:
    result = parse_feed(load("broken-rss.xml"), url=URL)
    assert result.parser == "feedparser"
    assert result.parser_reason.startswith("fallback: not well-formed XML")
    assert result.warnings  # feedparser's bozo report is kept
    with pytest.raises(ParseError, match="fast path declined"):
        parse_feed(load("broken-rss.xml"), parser="fast")


def test_charset_disagreement_goes_to_feedparser() -> None:
    doc = load("rss20.xml")
    result = parse_feed(doc, url=URL, headers={"Content-Type": "text/xml; charset=iso-8859-1"})
    assert result.parser == "feedparser"
    assert "disagrees" in result.parser_reason
    same = parse_feed(doc, url=URL, headers={"content-type": "application/rss+xml; charset=UTF-8"})
    assert same.parser == "fast"


def test_str_input_is_a_document_not_a_path() -> None:
    text = load("rss091.xml").decode("latin-1")  # declaration still says ISO-8859-1
    result = parse_feed(text, url=URL)
    assert result.items[0].title == "Crème brûlée"
    assert "str input" in result.parser_reason


def test_future_dates_clamped_only_with_now() -> None:
    doc = b"""<rss version="2.0"><channel><title>F</title>
    <item><title>From the future</title><link>https://f.example/1</link>
    <pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item></channel></rss>"""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_feed(doc, now=now).items[0].published == now
    assert parse_feed(doc).items[0].published == datetime(2100, 1, 1, tzinfo=UTC)
    assert parse_feed(doc, now=now, parser="feedparser").items[0].published == now


def test_missing_dates_stay_none_and_bad_dates_warn() -> None:
    doc = b"""<rss version="2.0"><channel><title>F</title>
    <item><title>No date</title><link>https://f.example/1</link></item>
    <item><title>Bad date</title><link>https://f.example/2</link><pubDate>soon</pubDate></item>
    </channel></rss>"""
    result = parse_feed(doc)
    assert [i.published for i in result.items] == [None, None]
    assert any("unreadable date" in w for w in result.warnings)


def test_items_sharing_a_link_get_distinct_ids() -> None:
    doc = b"""<rss version="2.0"><channel><title>Live</title>
    <item><title>Update 2</title><link>https://live.example/blog</link><guid>u2</guid>
      <pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate></item>
    <item><title>Update 1</title><link>https://live.example/blog</link><guid>u1</guid>
      <pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item>
    </channel></rss>"""
    older_alone = b"""<rss version="2.0"><channel><title>Live</title>
    <item><title>Update 1</title><link>https://live.example/blog</link><guid>u1</guid>
      <pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item></channel></rss>"""
    both = parse_feed(doc, url=URL).items
    alone = parse_feed(older_alone, url=URL).items
    assert both[0].id != both[1].id
    assert both[1].id == alone[0].id  # the older item keeps its id


def test_changed_guid_scheme_keeps_id() -> None:
    template = """<rss version="2.0"><channel><title>T</title><item><title>A</title>
    <link>https://site.example/a?utm_source=rss</link><guid>{}</guid></item></channel></rss>"""
    before = parse_feed(template.format("https://site.example/?p=1"), url=URL).items[0]
    after = parse_feed(template.format("post-0001"), url=URL).items[0]
    assert before.id == after.id
    assert before.guid != after.guid


def test_empty_entries_are_reported_not_kept() -> None:
    doc = b"""<rss version="2.0"><channel><title>T</title>
    <item></item><item><title>Kept</title></item></channel></rss>"""
    result = parse_feed(doc)
    assert [i.title for i in result.items] == ["Kept"]
    assert any("skipped" in w for w in result.warnings)


def test_atom_in_rss_and_relative_links_without_feed_url() -> None:
    doc = b"""<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
    <title>T</title><link>https://home.example/</link>
    <item><title>A</title><atom:link rel="alternate" href="https://home.example/a"/>
      <atom:updated>2026-01-02T00:00:00Z</atom:updated></item>
    <item><title>B</title><link>/b</link></item></channel></rss>"""
    a, b = parse_feed(doc).items
    assert a.link == "https://home.example/a"
    assert a.updated == datetime(2026, 1, 2, tzinfo=UTC)
    # no feed URL: relative links resolve against the site link
    assert b.link == "https://home.example/b"


def test_seed_plain_text_description_keeps_lines() -> None:
    path = SEED / "news-example.rss.xml"
    if not path.exists():
        pytest.skip("../shared/data/seed not available")
    result = parse_feed(path.read_bytes(), url="https://news.example.org/feed")
    first = result.items[0]
    assert first.link == "https://news.example.org/world/jnim-iyad-ag-ghaly-sahel"
    assert first.summary is not None
    assert first.summary.startswith("<p>No time to read?<br>\nGet a summary</p>")
    assert "Get a summary<br>\nPrevious Article</p>" in first.summary
    assert first.feed_title == "News Example – World"


@pytest.mark.parametrize(
    "junk", [b"", b"   ", b"\xef\xbb\xbf", "", b"<", b"<rss>", b"\x00\x01\x02"]
)
def test_junk_raises_parse_error(junk: bytes | str) -> None:
    with pytest.raises(FeedkitError):
        parse_feed(junk)


def test_unknown_parser_choice() -> None:
    with pytest.raises(ValueError, match="parser must be"):
        parse_feed(b"<rss/>", parser="lxml")  # type: ignore[arg-type]


def test_docs_examples_run() -> None:
    """Every ```python block of docs/parsing.md runs as written."""
    doc = Path(__file__).resolve().parents[1] / "docs" / "parsing.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    assert len(blocks) >= 5
    for block in blocks:
        exec(compile(block, str(doc), "exec"), {})  # noqa: S102 - our own documentation


@pytest.mark.parametrize("parser", ["auto", "feedparser"])
def test_invalid_character_references_do_not_crash_feedparser(parser: str) -> None:
    doc = (b'<rss version="2.0"><channel><title>T &#xD800; x</title>'
           b"<item><title>a &#0; b &#x110000; c</title><link>https://c.example/1</link></item>"
           b"</channel></rss>")
    result = parse_feed(doc, parser=parser)  # type: ignore[arg-type]
    assert result.parser == "feedparser"
    assert result.items[0].link == "https://c.example/1"
    assert "\ufffd" in (result.items[0].title or "")


def test_deeply_nested_json_is_a_parse_error() -> None:
    doc = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000
    doc += b"]" * 100_000 + b"}"
    with pytest.raises(ParseError, match="invalid JSON"):
        parse_feed(doc)
