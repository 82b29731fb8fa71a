"""Emit: round trips through feedparser, provenance, merging, relations, fallbacks."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from feedkit.clean.sanitize import sanitize_html
from feedkit.emit import (
    FEEDKIT_NS,
    FORMATS,
    MAX_LINKS_PER_ENTRY,
    MAX_STORY_LINKS_PER_ENTRY,
    emit_feed,
    emitted_id,
    original_id,
)
from feedkit.errors import EmitError
from feedkit.model import Author, Enclosure, Group, Item, Relation

DATA = Path(__file__).resolve().parent / "data" / "emit"
UPDATED = datetime(2024, 5, 4, 12, 0, tzinfo=timezone.utc)
ATOM = "{http://www.w3.org/2005/Atom}"
FK = f"{{{FEEDKIT_NS}}}"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def load_items() -> list[Item]:
    raw = json.loads((DATA / "items.json").read_text(encoding="utf-8"))["items"]
    out = []
    for d in raw:
        out.append(
            Item(
                id=d["id"],
                feed_url=d["feed_url"],
                feed_title=d.get("feed_title"),
                title=d.get("title"),
                link=d.get("link"),
                published=_dt(d.get("published")),
                updated=_dt(d.get("updated")),
                authors=tuple(Author(**a) for a in d.get("authors", [])),
                summary=d.get("summary"),
                content_html=d.get("content_html"),
                categories=tuple(d.get("categories", [])),
                enclosures=tuple(Enclosure(**e) for e in d.get("enclosures", [])),
                language=d.get("language"),
            )
        )
    return out


@dataclass
class Links:
    """A stand-in linking result (the emit step only reads these three fields)."""

    duplicates: list[Group] = field(default_factory=list)
    stories: list[Group] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


def harbour_links() -> Links:
    return Links(
        duplicates=[
            Group("dup-1", ("fk1:harbour-wire", "fk1:harbour-wire-copy"), "same content"),
            Group("dup-2", ("fk1:harbour-analysis",)),
            Group("dup-3", ("fk1:market-day",)),
            Group("dup-4", ("no scheme id 42",)),
        ],
        stories=[
            Group(
                "story-1",
                ("fk1:harbour-wire", "fk1:harbour-wire-copy", "fk1:harbour-analysis"),
                "shared terms: harbour, flooding, quay",
            ),
            Group("story-2", ("fk1:market-day",)),
            Group("story-3", ("no scheme id 42",)),
        ],
        relations=[
            Relation("duplicate", "fk1:harbour-wire-copy", "fk1:harbour-wire", 0.93,
                     "shingle Jaccard 0.93"),
            Relation("next", "fk1:harbour-analysis", "fk1:market-day", 1.0, "same URL"),
            Relation("previous", "fk1:market-day", "fk1:harbour-analysis", 1.0, "same URL"),
            Relation("previous", "fk1:harbour-analysis", "https://old.example/a?x=1&y=2", 0.0,
                     "unresolved navigation link"),
            Relation("related", "fk1:market-day", "fk1:not-in-this-batch", 0.4, "elsewhere"),
        ],
    )


def parse(data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def text_title(entry: Any) -> str:
    """feedparser's title as plain text (it guesses HTML for RSS titles with entities)."""
    title = entry.title
    if entry.title_detail["type"] == "text/html":
        title = html.unescape(title)
    return str(title)


def by_id(parsed: Any) -> dict[str, Any]:
    return {original_id(e.id): e for e in parsed.entries}


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_xml_round_trip_id_link_title_dates_content(fmt: str) -> None:
    items = load_items()
    parsed = parse(emit_feed(items, format=fmt, merge_duplicates=False, updated=UPDATED))
    entries = by_id(parsed)
    assert list(entries) == [it.id for it in items]
    for it in items:
        e = entries[it.id]
        if it.title:
            assert e.title == it.title
        if it.link:
            alternates = [ln.href for ln in e.links if ln.rel == "alternate"]
            assert alternates[0] == it.link
            assert e.link == it.link
        if it.published:
            assert tuple(e.published_parsed)[:6] == it.published.utctimetuple()[:6]
        if fmt == "atom" and it.updated:
            assert tuple(e.updated_parsed)[:6] == it.updated.utctimetuple()[:6]
        body = it.content_html or it.summary
        if body:
            expected = sanitize_html(body, keep_structure=False)
            in_content = it.content_html and (fmt == "atom" or it.summary)
            got = e.content[0].value if in_content else e.summary
            assert got == expected
        if it.summary and it.content_html:
            assert e.summary == sanitize_html(it.summary, keep_structure=False)


def test_json_feed_structure_and_round_trip() -> None:
    items = load_items()
    doc = json.loads(emit_feed(items, format="json", merge_duplicates=False, updated=UPDATED,
                               link="https://agg.example/", description="All the coast"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "feedkit"
    assert doc["home_page_url"] == "https://agg.example/"
    assert doc["description"] == "All the coast"
    assert [i["id"] for i in doc["items"]] == [it.id for it in items]
    for it, ji in zip(items, doc["items"], strict=True):
        assert isinstance(ji["id"], str)
        assert "content_html" in ji or "content_text" in ji
        assert ji.get("title") == it.title
        assert ji.get("url") == it.link
        if it.published:
            assert datetime.fromisoformat(ji["date_published"]) == it.published
        if it.updated:
            assert datetime.fromisoformat(ji["date_modified"]) == it.updated
        if it.content_html:
            assert ji["content_html"] == sanitize_html(it.content_html, keep_structure=False)
        assert original_id(ji["_feedkit"]["feed_id"]) == it.feed_url
        assert ji["_feedkit"].get("feed_url") == (None if it.feed_url == "about:feed"
                                                  else it.feed_url)
    first = doc["items"][0]
    assert first["summary"] == "The harbour reopened on Wednesday."  # plain text per spec
    assert first["authors"] == [{"name": "Ines Duarte", "url": "https://wire.example/staff/ines"}]
    assert first["tags"] == ["weather", "transport"]
    assert first["language"] == "en"
    assert first["attachments"] == [{"url": "https://wire.example/media/harbour.jpg",
                                     "mime_type": "image/jpeg", "size_in_bytes": 48213}]


def test_atom_extras_round_trip() -> None:
    parsed = parse(emit_feed(load_items(), format="atom", merge_duplicates=False,
                             updated=UPDATED, link="https://agg.example/",
                             self_url="https://agg.example/atom.xml", feed_id="tag:agg,2024:x"))
    assert parsed.feed.id == "tag:agg,2024:x"
    assert parsed.feed.link == "https://agg.example/"
    assert any(ln.rel == "self" and ln.href == "https://agg.example/atom.xml"
               for ln in parsed.feed.links)
    e = parsed.entries[0]
    assert e.authors[0] == {"name": "Ines Duarte", "email": "ines@wire.example",
                            "href": "https://wire.example/staff/ines"}
    assert [t.term for t in e.tags] == ["weather", "transport"]
    enclosure = next(ln for ln in e.links if ln.rel == "enclosure")
    assert (enclosure.href, enclosure.type, enclosure.length) == (
        "https://wire.example/media/harbour.jpg", "image/jpeg", "48213")
    assert e.title_detail["language"] == "en"


def test_rss_extras_round_trip() -> None:
    parsed = parse(emit_feed(load_items(), format="rss", merge_duplicates=False,
                             updated=UPDATED, link="https://agg.example/"))
    assert parsed.version == "rss20"
    assert parsed.feed.link == "https://agg.example/"
    e = parsed.entries[0]
    assert e.author == "Ines Duarte"
    assert e.enclosures[0].href == "https://wire.example/media/harbour.jpg"
    assert e.guidislink is False


# ---------------------------------------------------------------- provenance


def test_atom_source_carries_original_feed() -> None:
    root = etree.fromstring(emit_feed(load_items(), format="atom", updated=UPDATED), XML_PARSER)
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    source = entry.find(f"{ATOM}source")
    assert source is not None
    assert source.findtext(f"{ATOM}id") == "https://wire.example/feed.atom"
    assert source.findtext(f"{ATOM}title") == "Coastal Wire"
    self_link = source.find(f"{ATOM}link")
    assert self_link is not None
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://wire.example/feed.atom"
    parsed = parse(emit_feed(load_items(), format="atom", updated=UPDATED))
    assert parsed.entries[0].source.title == "Coastal Wire"
    assert parsed.entries[0].source.id == "https://wire.example/feed.atom"


def test_rss_source_url_and_title() -> None:
    parsed = parse(emit_feed(load_items(), format="rss", updated=UPDATED, merge_duplicates=False))
    sources = [(e.source.get("href"), e.source.get("title")) for e in parsed.entries[:2]]
    assert sources == [("https://wire.example/feed.atom", "Coastal Wire"),
                       ("https://gazette.example/rss.xml", "Evening Gazette")]
    # a feed URL that is not http(s) cannot be an RSS <source url>: left out
    assert "source" not in parsed.entries[-1]


def test_json_extension_provenance() -> None:
    doc = json.loads(emit_feed(load_items(), format="json", updated=UPDATED))
    ext = doc["items"][0]["_feedkit"]
    assert ext["feed_url"] == "https://wire.example/feed.atom"
    assert ext["feed_title"] == "Coastal Wire"
    assert ext["sources"] == []


# ---------------------------------------------------------------- merging


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_duplicates_merged_with_sources_listed(fmt: str) -> None:
    items = load_items()
    out = emit_feed(items, format=fmt, links=harbour_links(), updated=UPDATED)
    parsed = parse(out)
    ids = [original_id(e.id) for e in parsed.entries]
    assert ids == ["fk1:harbour-wire", "fk1:harbour-analysis", "fk1:market-day",
                   "no scheme id 42"]
    root = etree.fromstring(out, XML_PARSER)
    first = root.find(f"{ATOM}entry") if fmt == "atom" else root.find("channel/item")
    assert first is not None
    fk_sources = first.findall(f"{FK}source")
    got = [(s.get("id"), s.get("feed"), s.get("feed-title"), s.get("link")) for s in fk_sources]
    assert got == [
        ("fk1:harbour-wire-copy", "https://gazette.example/rss.xml", "Evening Gazette",
         "https://gazette.example/news/harbour-reopens")
    ]
    if fmt == "atom":
        via = [ln.href for ln in parsed.entries[0].links if ln.rel == "via"]
        assert via == ["https://gazette.example/news/harbour-reopens"]


def test_merge_keeps_all_when_disabled() -> None:
    items = load_items()
    out = emit_feed(items, format="atom", links=harbour_links(), merge_duplicates=False,
                    updated=UPDATED)
    assert len(parse(out).entries) == len(items)
    doc = json.loads(emit_feed(items, format="json", links=harbour_links(),
                               merge_duplicates=False, updated=UPDATED))
    copy = doc["items"][1]
    assert copy["id"] == "fk1:harbour-wire-copy"
    dup = [r for r in copy["_feedkit"]["relations"] if r["kind"] == "duplicate"]
    assert dup == [{"kind": "duplicate", "rel": "related", "target": "fk1:harbour-wire",
                    "target_id": "fk1:harbour-wire",
                    "url": "https://wire.example/2024/05/harbour-reopens",
                    "title": "Harbour reopens after storm & flooding",
                    "score": 0.93, "reason": "shingle Jaccard 0.93"}]


def test_representative_longest_content_then_earliest() -> None:
    t1 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    t2 = datetime(2024, 1, 2, tzinfo=timezone.utc)
    late_long = Item(id="a", feed_url="https://a.example/f", published=t2,
                     content_html="<p>a much longer body of text</p>")
    early_short = Item(id="b", feed_url="https://b.example/f", published=t1, summary="<p>short</p>")
    links = Links(duplicates=[Group("g", ("b", "a"))])
    doc = json.loads(emit_feed([early_short, late_long], format="json", links=links,
                               updated=UPDATED))
    assert [i["id"] for i in doc["items"]] == ["a"]
    assert [s["id"] for s in doc["items"][0]["_feedkit"]["sources"]] == ["b"]
    # equal content: the earliest published wins
    same_late = Item(id="c", feed_url="https://c.example/f", published=t2, summary="<p>same</p>")
    same_early = Item(id="d", feed_url="https://d.example/f", published=t1, summary="<p>same</p>")
    links = Links(duplicates=[Group("g", ("c", "d"))])
    doc = json.loads(emit_feed([same_late, same_early], format="json", links=links,
                               updated=UPDATED))
    assert [i["id"] for i in doc["items"]] == ["d"]


def test_same_id_merged_without_links() -> None:
    one = Item(id="fk1:x", feed_url="https://a.example/f", title="Old", summary="<p>a</p>")
    again = Item(id="fk1:x", feed_url="https://a.example/f", title="New", summary="<p>abc</p>")
    assert len(parse(emit_feed([one, again], format="atom", updated=UPDATED)).entries) == 1
    parsed = parse(emit_feed([one, again], format="atom", merge_duplicates=False,
                             updated=UPDATED))
    assert [e.title for e in parsed.entries] == ["Old", "New"]


# ---------------------------------------------------------------- stories and relations


def test_atom_related_previous_next_links() -> None:
    parsed = parse(emit_feed(load_items(), format="atom", links=harbour_links(),
                             updated=UPDATED))
    entries = by_id(parsed)

    def rels(item_id: str) -> list[tuple[str, str]]:
        return [(ln.rel, ln.href) for ln in entries[item_id].links
                if ln.rel in ("related", "previous", "next")]

    assert rels("fk1:harbour-wire") == [
        ("related", "https://gazette.example/news/harbour-cost")]
    assert rels("fk1:harbour-analysis") == [
        ("related", "https://wire.example/2024/05/harbour-reopens"),
        ("next", "https://wire.example/2024/05/market-day"),
        ("previous", "https://old.example/a?x=1&y=2"),
    ]
    # the relation to an item outside the batch has no URL: no <link>, kept in fk:relation
    assert rels("fk1:market-day") == [
        ("previous", "https://gazette.example/news/harbour-cost")]


def test_json_story_and_relations() -> None:
    doc = json.loads(emit_feed(load_items(), format="json", links=harbour_links(),
                               updated=UPDATED))
    items = {i["id"]: i for i in doc["items"]}
    story = items["fk1:harbour-wire"]["_feedkit"]["story"]
    assert story == {"id": "story-1", "size": 2,
                     "reason": "shared terms: harbour, flooding, quay"}
    relations = items["fk1:market-day"]["_feedkit"]["relations"]
    assert [(r["kind"], r["target"], r.get("url")) for r in relations] == [
        ("previous", "fk1:harbour-analysis", "https://gazette.example/news/harbour-cost"),
        ("related", "fk1:not-in-this-batch", None),
    ]
    assert relations[1]["reason"] == "elsewhere"


def test_big_story_links_are_capped() -> None:
    items = [Item(id=f"fk1:{i}", feed_url="https://a.example/f", title=f"t{i}",
                  link=f"https://a.example/{i}") for i in range(MAX_LINKS_PER_ENTRY + 30)]
    links = Links(duplicates=[Group(f"d{i}", (it.id,)) for i, it in enumerate(items)],
                  stories=[Group("s", tuple(it.id for it in items))])
    parsed = parse(emit_feed(items, format="atom", links=links, updated=UPDATED))
    related = [ln for ln in parsed.entries[0].links if ln.rel == "related"]
    assert len(related) == MAX_STORY_LINKS_PER_ENTRY
    doc = json.loads(emit_feed(items, format="json", links=links, updated=UPDATED))
    assert doc["items"][0]["_feedkit"]["story"]["size"] == len(items)


# ---------------------------------------------------------------- missing fields, fallbacks


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_bare_items_still_make_valid_feeds(fmt: str) -> None:
    bare = [Item(id="fk1:a", feed_url="https://a.example/f"),
            Item(id="b", feed_url="b"),
            Item(id="fk1:c", feed_url="about:feed", summary="<p>Only a summary here</p>")]
    parsed = parse(emit_feed(bare, format=fmt, updated=UPDATED))
    assert len(parsed.entries) == 3
    assert text_title(parsed.entries[0]) == "Untitled"
    assert original_id(parsed.entries[1].id) == "b"
    if fmt == "atom":
        assert text_title(parsed.entries[2]) == "Only a summary here"
        assert all(tuple(e.updated_parsed)[:6] == UPDATED.utctimetuple()[:6]
                   for e in parsed.entries)
    else:  # RSS needs title *or* description: the description is enough
        assert "title" not in parsed.entries[2]


def test_bare_items_json_and_html() -> None:
    bare = [Item(id="fk1:a", feed_url="https://a.example/f")]
    doc = json.loads(emit_feed(bare, format="json", updated=UPDATED))
    assert doc["items"] == [{"id": "fk1:a", "content_text": "",
                             "_feedkit": {"feed_id": "https://a.example/f",
                                          "feed_url": "https://a.example/f", "sources": []}}]
    page = lxml_html.document_fromstring(emit_feed(bare, format="html", updated=UPDATED))
    assert page.xpath("//article/h3")[0].text_content() == "Untitled"


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_item_list(fmt: str) -> None:
    out = emit_feed([], format=fmt, updated=UPDATED)
    if fmt in ("atom", "rss"):
        assert parse(out).entries == []
    elif fmt == "json":
        assert json.loads(out)["items"] == []
    else:
        assert b"0 items" in out


def test_long_title_fallback_cut_at_word() -> None:
    words = " ".join(["harbour"] * 40)
    item = Item(id="fk1:a", feed_url="https://a.example/f", summary=f"<p>{words}</p>")
    title = parse(emit_feed([item], format="atom", updated=UPDATED)).entries[0].title
    assert title.endswith("…")
    assert len(title) <= 81
    assert title[:-1].split() == ["harbour"] * len(title[:-1].split())


# ---------------------------------------------------------------- determinism, feed-level


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic(fmt: str) -> None:
    a = emit_feed(load_items(), format=fmt, links=harbour_links(), updated=UPDATED)
    b = emit_feed(load_items(), format=fmt, links=harbour_links(), updated=UPDATED)
    assert a == b


def test_feed_updated_defaults_to_newest_item_and_id_is_stable() -> None:
    items = load_items()
    a = parse(emit_feed(items, format="atom"))
    assert tuple(a.feed.updated_parsed)[:6] == (2024, 5, 3, 10, 0, 0)
    b = parse(emit_feed(list(reversed(items)), format="atom"))
    assert a.feed.id == b.feed.id
    assert a.feed.id.startswith("urn:feedkit:feed:")
    assert parse(emit_feed(items, format="atom", title="Other")).feed.id != a.feed.id


def test_naive_datetimes_are_taken_as_utc() -> None:
    item = Item(id="fk1:a", feed_url="https://a.example/f", title="t",
                published=datetime(2024, 1, 2, 3, 4, 5))
    e = parse(emit_feed([item], format="atom", updated=datetime(2024, 2, 1))).entries[0]
    assert tuple(e.published_parsed)[:6] == (2024, 1, 2, 3, 4, 5)


# ---------------------------------------------------------------- errors


def test_unknown_format_raises_emit_error() -> None:
    with pytest.raises(EmitError, match="unknown emit format"):
        emit_feed(load_items(), format="yaml")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "/relative", "ftp://x.example/"])
def test_non_http_feed_link_raises(bad: str) -> None:
    with pytest.raises(EmitError, match="http"):
        emit_feed(load_items(), format="atom", link=bad)
    with pytest.raises(EmitError, match="http"):
        emit_feed(load_items(), format="rss", self_url=bad)


def test_non_items_raise_emit_error() -> None:
    not_items: Sequence[Any] = [{"id": "x", "feed_url": "y"}]
    with pytest.raises(EmitError, match="Item"):
        emit_feed(not_items, format="json")


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        ("fk1:0a1b2c", "fk1:0a1b2c"),
        ("https://a.example/p?id=1", "https://a.example/p?id=1"),
        ("urn:uuid:0f2c3d4e-1111-2222-3333-444455556666",
         "urn:uuid:0f2c3d4e-1111-2222-3333-444455556666"),
        ("tag:a.example,2024:1", "tag:a.example,2024:1"),
        ("a b", "urn:feedkit:id:a%20b"),
        ("12345", "urn:feedkit:id:12345"),
        ("fk1:", "urn:feedkit:id:fk1%3A"),
        ("javascript:alert(1)", "urn:feedkit:id:javascript%3Aalert%281%29"),
        ("data:text/html,x", "urn:feedkit:id:data%3Atext%2Fhtml%2Cx"),
        ("about:feed", "urn:feedkit:id:about%3Afeed"),
        ("http://a.example/<x>", "urn:feedkit:id:http%3A%2F%2Fa.example%2F%3Cx%3E"),
        ("100%", "urn:feedkit:id:100%25"),
        ("urn:feedkit:id:x", "urn:feedkit:id:urn%3Afeedkit%3Aid%3Ax"),
        ("Ünïcode:ok", "urn:feedkit:id:%C3%9Cn%C3%AFcode%3Aok"),
        ("https://a.example/Ünï", "https://a.example/Ünï"),
    ],
)
def test_emitted_id_rule_and_inverse(item_id: str, expected: str) -> None:
    assert emitted_id(item_id) == expected
    assert original_id(emitted_id(item_id)) == item_id


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Tom & Jerry <3", "Tom & Jerry <3"),
        ("  Harbour\n reopens ", "Harbour reopens"),
        ("<b>Bold</b> news", "Bold news"),
        ("&lt;script&gt;alert(1)&lt;/script&gt; hi", "&lt;script&gt;alert(1)&lt;/script&gt; hi"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("5 < 6 > 4", "5 < 6 > 4"),
        ("x <img src=x onerror=alert(1)//", "x \u2039img src=x onerror=alert(1)//"),
        ("a<b and c</d", "a\u2039b and c\u2039/d"),
    ],
)
def test_plain_text_fields_are_inert(title: str, expected: str) -> None:
    item = Item(id="fk1:a", feed_url="https://a.example/f", title=title)
    assert parse(emit_feed([item], format="atom", updated=UPDATED)).entries[0].title == expected
    rss = etree.fromstring(emit_feed([item], format="rss", updated=UPDATED), XML_PARSER)
    assert rss.findtext("channel/item/title") == expected
    assert json.loads(emit_feed([item], format="json"))["items"][0]["title"] == expected


def test_ids_with_control_characters_survive_exactly() -> None:
    weird = "id\x00with\x1bcontrols\ud800"
    parsed = parse(emit_feed([Item(id=weird, feed_url="https://a.example/f", title="t")],
                             format="atom", updated=UPDATED))
    assert original_id(parsed.entries[0].id) == weird


# ---------------------------------------------------------------- HTML digest


def test_html_digest_groups_stories_and_lists_sources() -> None:
    out = emit_feed(load_items(), format="html", links=harbour_links(), updated=UPDATED,
                    title="Coast & Town <3", link="https://agg.example/")
    assert out.startswith(b"<!DOCTYPE html>")
    assert b"<title>Coast &amp; Town &lt;3</title>" in out
    assert b"4 items, 1 story told by several sources" in out
    assert b"fk1:not-in-this-batch" not in out  # no URL, not on the page: not shown
    page = lxml_html.document_fromstring(out)
    sections = page.xpath("//section[@class='story']")
    assert len(sections) == 1
    titles = [h.text_content() for h in sections[0].xpath(".//article/h3")]
    assert titles == ["Harbour reopens after storm & flooding",
                      "What the harbour closure cost the town"]
    sources = sections[0].xpath(".//p[@class='sources']//a/@href")
    assert "https://gazette.example/news/harbour-reopens" in sources
    nav = page.xpath("//article[h3/a[@href='https://gazette.example/news/harbour-cost']]"
                     "//p[@class='nav']//a/@href")
    assert nav[:1] == ["#item-2"]  # the next item, linked inside the page
    assert len(page.xpath("//article")) == 4
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp


# ---------------------------------------------------------------- hostile field values

CONTROL = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\ufffei\uffffj"


def test_xml_invalid_characters_are_dropped_from_every_field() -> None:
    item = Item(
        id="fk1:ctl", feed_url="https://a.example/f" + CONTROL, feed_title=CONTROL,
        title=CONTROL, link="https://a.example/p", summary=f"<p>{CONTROL}</p>",
        content_html=f"<p>{CONTROL}</p>", authors=(Author(name=CONTROL, email=CONTROL),),
        categories=(CONTROL,), enclosures=(Enclosure("https://a.example/e", CONTROL),),
        language=CONTROL,
    )
    links = Links(stories=[Group(CONTROL, ("fk1:ctl",), CONTROL)],
                  relations=[Relation(CONTROL, "fk1:ctl", CONTROL, 1.0, CONTROL)])
    for fmt in ("atom", "rss"):
        out = emit_feed([item], format=fmt, title=CONTROL, description=CONTROL, links=links,
                        updated=UPDATED)
        e = parse(out).entries[0]
        assert text_title(e) == "abcdefghij"
        assert "abcdefghij" in (e.get("content") or [{"value": e.summary}])[0]["value"]
    doc = json.loads(emit_feed([item], format="json", title=CONTROL, links=links))
    assert doc["title"] == "abcdefghij"
    assert doc["items"][0]["authors"] == [{"name": "abcdefghij"}]
    page = emit_feed([item], format="html", title=CONTROL, links=links, updated=UPDATED)
    assert b"<title>abcdefghij</title>" in page


@pytest.mark.parametrize("fmt", FORMATS)
def test_huge_fields_are_fine(fmt: str) -> None:
    big = Item(id="fk1:big", feed_url="https://a.example/f", title="T" * 10_000_000,
               link="https://a.example/big", content_html="<p>" + "word " * 1_000_000 + "</p>")
    out = emit_feed([big], format=fmt, updated=UPDATED)  # type: ignore[arg-type]
    assert len(out) > 15_000_000
    if fmt in ("atom", "rss"):
        e = parse(out).entries[0]
        assert len(text_title(e)) == 10_000_000
    elif fmt == "json":
        assert len(json.loads(out)["items"][0]["title"]) == 10_000_000


def test_navigation_links_survive_a_huge_story() -> None:
    items = [Item(id=f"fk1:{i}", feed_url="https://a.example/f", title=f"t{i}",
                  link=f"https://a.example/{i}") for i in range(MAX_LINKS_PER_ENTRY + 30)]
    links = Links(duplicates=[Group(f"d{i}", (it.id,)) for i, it in enumerate(items)],
                  stories=[Group("s", tuple(it.id for it in items))],
                  relations=[Relation("next", items[0].id, items[1].id, 1.0, "nav"),
                             Relation("previous", items[0].id, items[2].id, 1.0, "nav")])
    parsed = parse(emit_feed(items, format="atom", links=links, updated=UPDATED))
    entry = next(e for e in parsed.entries if e.link == "https://a.example/0")
    rels = {ln.rel for ln in entry.links}
    assert {"next", "previous", "related"} <= rels
