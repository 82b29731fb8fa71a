"""Property-based tests over the whole pure pipeline: parse → clean → link → emit.

Feeds are generated as RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents from
strategies: unicode titles with control characters and the cleaning suite's
XSS vectors, HTML fragments, dates from plausible to absurd, missing fields,
duplicate GUIDs and links.  Junk bytes (and mutilated feeds) are generated
too.  For every input:

* the only exceptions are :class:`~feedkit.errors.FeedkitError` subclasses
  (a :class:`~feedkit.errors.CleanError` from the *default* cleaner chain is
  a bug too: it wraps an exception some cleaner let escape);
* every emitted Atom / RSS feed is well-formed and feedparser re-reads it
  with bozo = 0; the JSON Feed json-loads with version 1.1;
* nothing is silently dropped: entries generated = items parsed + entries
  the parser reported as skipped; items parsed = items kept by cleaning +
  items dropped (reported in ``CleanReport.dropped``); with
  ``merge_duplicates=False`` every format has exactly one entry per kept item;
* no executable script survives in emitted JSON Feed ``content_html``.

Hypothesis runs derandomized (a fixed seed per test), without an example
database and without deadlines, so CI results are reproducible; the
example counts keep the file well under a minute.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from xss_vectors import XSS_VECTORS, find_script

from feedkit.clean import clean_batch
from feedkit.emit import emit_feed
from feedkit.errors import CleanError, FeedkitError
from feedkit.link import link_items
from feedkit.parse import parse_feed
from feedkit.parse.fp import reparse_bozo

FEED_URL = "https://prop.example/feed.xml"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)

PROPERTY = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
JUNK = settings(PROPERTY, max_examples=120)

# --------------------------------------------------------------------------- strategies

# Text with everything unicode has (control characters, NUL, U+FFFE, RTL marks ...)
# except lone surrogates, which a str built from bytes cannot carry.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
control_text = st.text(st.sampled_from("\x00\x01\x08\x0b\x0c\x1b\x7f\x85\u2028\ufeff\ufffe\uffff"
                                       "\u202e\u200b<>&\"' \t\n"), max_size=12)
xss = st.sampled_from(XSS_VECTORS)
words = st.lists(st.sampled_from(["storm", "market", "élection", "東京", "Москва", "AI",
                                  "rates", "river", "2026", "the", "of"]),
                 min_size=1, max_size=8).map(" ".join)
title_st = st.one_of(st.none(), words, any_text, control_text, xss,
                     st.tuples(words, control_text, xss).map("".join))

tag = st.sampled_from(["p", "div", "span", "b", "i", "a", "ul", "li", "table", "td", "pre",
                       "blockquote", "img", "br", "h2", "figure", "svg", "script", "iframe"])
fragment_piece = st.one_of(
    words,
    xss,
    control_text,
    st.tuples(tag, words).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"),
    st.tuples(tag, words).map(lambda t: f"<{t[0]} class=x>{t[1]}"),  # unclosed
    st.just('<a href="/rel?utm_source=x#frag">rel</a>'),
    st.just('<img src="http://a.example/p.gif" width=1 height=1>'),
    st.just("<p>Share this: <a href='https://twitter.com/share'>Twitter</a></p>"),
    st.just("<p>The post <a href='https://x.example/'>X</a> appeared first on Y.</p>"),
    st.integers(1, 60).map(lambda n: "<div>" * n + "deep" + "</div>" * n),
)
html_st = st.one_of(st.none(), st.lists(fragment_piece, max_size=6).map("".join))

link_st = st.one_of(
    st.none(),
    st.integers(0, 6).map(lambda n: f"https://prop.example/post/{n}"),
    st.integers(0, 6).map(lambda n: f"/post/{n}?utm_source=feed&id={n}#c"),
    st.sampled_from(["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
                     "http://[::1]:80/", "HTTP://Prop.Example:80/A", "//cdn.example/x",
                     "mailto:a@b.example", "not a url at all", " ", "http://", "https://é.example/ü"]),
    any_text,
)
guid_st = st.one_of(st.none(), st.sampled_from(["g1", "g2", "g3", "urn:uuid:1", "tag:x,2026:1"]),
                    any_text)
author_st = st.one_of(st.none(), words, xss, st.just("joe@example.org (Joe)"), any_text)

good_date = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2037, 12, 31),
                         timezones=st.just(timezone.utc))
any_date = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                        timezones=st.just(timezone.utc))
absurd_date = st.sampled_from([
    "Mon, 99 Foo 99999 99:99:99 ZZZ", "0000-00-00T00:00:00Z", "-1", "99999999999999999999",
    "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00", "yesterday", "", "NaN",
    "2026-02-30T25:61:61Z", "Tue, 31 Feb 2026 12:00:00 +9999", "\x00",
])


@st.composite
def date_st(draw: st.DrawFn, style: str) -> str | None:
    kind = draw(st.sampled_from(["none", "good", "any", "absurd"]))
    if kind == "none":
        return None
    if kind == "absurd":
        return draw(absurd_date)
    value = draw(good_date if kind == "good" else any_date)
    if style == "rfc822":
        return value.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return value.isoformat()


@dataclass
class Entry:
    """One generated feed entry, format-independent."""

    title: str | None
    link: str | None
    guid: str | None
    summary: str | None
    content: str | None
    author: str | None
    published: str | None
    categories: list[str] = field(default_factory=list)
    enclosure: str | None = None


@st.composite
def entry_st(draw: st.DrawFn, date_style: str) -> Entry:
    return Entry(
        title=draw(title_st),
        link=draw(link_st),
        guid=draw(guid_st),
        summary=draw(html_st),
        content=draw(html_st),
        author=draw(author_st),
        published=draw(date_st(date_style)),
        categories=draw(st.lists(st.one_of(words, any_text), max_size=3)),
        enclosure=draw(st.one_of(st.none(), link_st)),
    )


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def x(text: str) -> str:
    """Escape text for XML, dropping characters XML 1.0 cannot carry at all."""
    return escape(_XML_ILLEGAL.sub("", text))


def xa(text: str) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", text))


def rss_doc(title: str | None, entries: list[Entry]) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
             'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
             'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>']
    if title is not None:
        parts.append(f"<title>{x(title)}</title>")
    parts.append("<link>https://prop.example/</link>")
    for e in entries:
        parts.append("<item>")
        if e.title is not None:
            parts.append(f"<title>{x(e.title)}</title>")
        if e.link is not None:
            parts.append(f"<link>{x(e.link)}</link>")
        if e.guid is not None:
            parts.append(f'<guid isPermaLink="false">{x(e.guid)}</guid>')
        if e.summary is not None:
            parts.append(f"<description>{x(e.summary)}</description>")
        if e.content is not None:
            parts.append(f"<content:encoded>{x(e.content)}</content:encoded>")
        if e.author is not None:
            parts.append(f"<dc:creator>{x(e.author)}</dc:creator>")
        if e.published is not None:
            parts.append(f"<pubDate>{x(e.published)}</pubDate>")
        parts += [f"<category>{x(c)}</category>" for c in e.categories]
        if e.enclosure is not None:
            parts.append(f'<enclosure url={xa(e.enclosure)} type="audio/mpeg" length="12"/>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8", "surrogatepass")


def atom_doc(title: str | None, entries: list[Entry]) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n'
             '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:prop:feed</id>'
             "<updated>2026-03-02T12:00:00Z</updated>"]
    if title is not None:
        parts.append(f'<title type="text">{x(title)}</title>')
    for e in entries:
        parts.append("<entry>")
        if e.guid is not None:
            parts.append(f"<id>{x(e.guid)}</id>")
        if e.title is not None:
            parts.append(f'<title type="html">{x(e.title)}</title>')
        if e.link is not None:
            parts.append(f'<link rel="alternate" href={xa(e.link)}/>')
        if e.published is not None:
            parts.append(f"<published>{x(e.published)}</published>")
            parts.append(f"<updated>{x(e.published)}</updated>")
        if e.author is not None:
            parts.append(f"<author><name>{x(e.author)}</name></author>")
        if e.summary is not None:
            parts.append(f'<summary type="html">{x(e.summary)}</summary>')
        if e.content is not None:
            parts.append(f'<content type="html">{x(e.content)}</content>')
        parts += [f"<category term={xa(c)}/>" for c in e.categories]
        if e.enclosure is not None:
            parts.append(f'<link rel="enclosure" href={xa(e.enclosure)} type="audio/mpeg"/>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "".join(parts).encode("utf-8", "surrogatepass")


def json_doc(title: str | None, entries: list[Entry]) -> bytes:
    doc: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "items": []}
    if title is not None:
        doc["title"] = title
    for e in entries:
        item: dict[str, Any] = {}
        for key, value in (("id", e.guid), ("url", e.link), ("title", e.title),
                           ("summary", e.summary), ("content_html", e.content),
                           ("date_published", e.published)):
            if value is not None:
                item[key] = value
        if e.author is not None:
            item["authors"] = [{"name": e.author}]
        if e.categories:
            item["tags"] = e.categories
        if e.enclosure is not None:
            item["attachments"] = [{"url": e.enclosure, "mime_type": "audio/mpeg"}]
        doc["items"].append(item)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


BUILDERS = {"rss": (rss_doc, "rfc822"), "atom": (atom_doc, "iso"), "json": (json_doc, "iso")}


@st.composite
def feed_st(draw: st.DrawFn, fmt: str) -> tuple[bytes, int]:
    build, date_style = BUILDERS[fmt]
    entries: list[Entry] = draw(st.lists(entry_st(date_style), max_size=8))
    duplicate: bool = draw(st.booleans())
    if entries and duplicate:  # exact duplicates (same GUID, same link)
        entries.append(entries[draw(st.integers(0, len(entries) - 1))])
    return build(draw(title_st), entries), len(entries)


# --------------------------------------------------------------------------- the property


_SKIPPED = re.compile(r"\bskipped\b|\bdropped\b|\bignored\b", re.I)


def _entries_in(data: bytes, fmt: str) -> int:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    if fmt == "atom":
        return len(root.findall("{http://www.w3.org/2005/Atom}entry"))
    return len(root.findall("channel/item"))


def run_pipeline(data: bytes, generated: int | None = None) -> int:
    """Run the pure pipeline over ``data`` asserting the properties; returns items kept.

    Returns -1 when parsing refused the document with a FeedkitError.
    """
    try:
        parsed = parse_feed(data, url=FEED_URL, now=NOW)
    except FeedkitError:
        return -1
    items = parsed.items
    if generated is not None:
        skipped = sum(1 for w in parsed.warnings if _SKIPPED.search(w))
        assert len(items) + skipped == generated, (len(items), parsed.warnings)
    for it in items:
        assert it.published is None or it.published.tzinfo is not None
    try:
        report = clean_batch(items)
    except CleanError as exc:  # the default chain must not fail on parsed items
        cause = exc.__cause__
        raise AssertionError(f"default cleaner failed: {exc!r} caused by {cause!r}") from exc
    assert len(items) == len(report.items) + len(report.dropped)
    kept = list(report.items)
    links = link_items(kept)
    ids = sorted(i for g in links.duplicates for i in g.item_ids)
    assert ids == sorted(it.id for it in kept)
    for fmt in ("atom", "rss"):
        out = emit_feed(kept, format=fmt, links=links, merge_duplicates=False, updated=NOW)
        assert reparse_bozo(out) is None
        assert _entries_in(out, fmt) == len(kept)
        merged = emit_feed(kept, format=fmt, links=links, updated=NOW)
        assert reparse_bozo(merged) is None
    out = emit_feed(kept, format="json", links=links, merge_duplicates=False, updated=NOW)
    doc = json.loads(out)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert len(doc["items"]) == len(kept)
    for entry in doc["items"]:
        assert find_script(entry.get("content_html") or "") == []
    return len(kept)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_generated_feeds_survive_the_pipeline(fmt: str) -> None:
    kept_counts: list[int] = []

    @PROPERTY
    @given(feed=feed_st(fmt))
    def check(feed: tuple[bytes, int]) -> None:
        data, generated = feed
        kept_counts.append(run_pipeline(data, generated))

    check()
    # the generator is not vacuous: most documents parse and keep items
    assert sum(1 for n in kept_counts if n > 0) > len(kept_counts) // 3


@JUNK
@given(data=st.binary(max_size=2048))
def test_junk_bytes_only_raise_feedkit_errors(data: bytes) -> None:
    run_pipeline(data)


@st.composite
def mutilated_st(draw: st.DrawFn) -> bytes:
    fmt = draw(st.sampled_from(sorted(BUILDERS)))
    data, _ = draw(feed_st(fmt))
    ops = draw(st.lists(st.tuples(st.sampled_from(["cut", "flip", "insert", "dup"]),
                                  st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
                        min_size=1, max_size=4))
    buf = bytearray(data)
    for op, pos, blob in ops:
        at = pos % (len(buf) + 1)
        if op == "cut":
            del buf[at:]
        elif op == "flip" and at < len(buf):
            buf[at] ^= blob[0] or 0x80
        elif op == "insert":
            buf[at:at] = blob
        else:
            buf[at:at] = buf[at:at + 64]
    return bytes(buf)


@JUNK
@given(data=mutilated_st())
def test_mutilated_feeds_only_raise_feedkit_errors(data: bytes) -> None:
    run_pipeline(data)


@PROPERTY
@given(
    junk=st.one_of(st.text(max_size=200), st.sampled_from([
        "<rss>", "<rss version='2.0'><channel>", "<?xml version='1.0'?>", "{", "[]",
        '{"version":"https://jsonfeed.org/version/1.1","items":{}}',
        '{"version":"https://jsonfeed.org/version/1.1","items":[1,"a",null,[]]}',
        '{"version":"https://jsonfeed.org/version/1","items":[{"id":{"a":1},"url":7}]}',
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title type='xhtml'>x</title></entry>",
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><item/></rdf:RDF>",
        "<html><body><p>hi</p></body></html>", "\ufeff<rss/>", "/etc/passwd",
        "file:///etc/passwd", "http://127.0.0.1:9/feed.xml",
    ])),
)
def test_text_documents_only_raise_feedkit_errors(junk: str) -> None:
    run_pipeline(junk.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(FeedkitError):  # a str is accepted as the document itself
        parse_feed(junk, url=FEED_URL)


def test_generators_make_the_hard_cases() -> None:
    """The strategies really produce what the properties claim to cover."""
    samples = [*XSS_VECTORS[:3], "Mon, 99 Foo 99999 99:99:99 ZZZ", "file:///etc/passwd"]
    doc = rss_doc("t", [Entry(samples[0], samples[4], "g1", samples[1], samples[2], None,
                              samples[3]), Entry("dup", None, "g1", None, None, None, None)])
    assert b"&lt;script" in doc or b"&lt;" in doc
    kept = run_pipeline(doc, 2)
    assert kept == 2
