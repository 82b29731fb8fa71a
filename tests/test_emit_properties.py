"""Property tests: any items, any linking result → well-formed feeds, nothing dropped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import feedparser
import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedkit.emit import emit_feed, original_id
from feedkit.model import Author, Enclosure, Group, Item, Relation

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

# Any text at all: control characters, surrogates, U+FFFE, markup, entities.
junk = st.lists(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(["<", ">", "&", '"', "'", "\x00", "\x0b", "\ud800", "\ufffe", "]]>",
                         "&amp;", "<b>", "</p>", "javascript:", " ", "<script>"]),
    ),
    max_size=25,
).map("".join)
maybe_junk = st.none() | junk
urls = st.none() | junk | st.builds(
    lambda path: f"https://example.org/{path}", st.text(alphabet="abc/?=&%20", max_size=12)
)
dates = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.none() | st.just(timezone.utc) | st.just(timezone(timedelta(hours=-5))),
)
authors = st.builds(Author, name=maybe_junk, email=maybe_junk, uri=urls)
enclosures = st.builds(Enclosure, url=junk, type=maybe_junk,
                       length=st.none() | st.integers(-5, 10**12))


@st.composite
def item_lists(draw: st.DrawFn) -> list[Item]:
    ids = draw(st.lists(junk, min_size=0, max_size=6))
    return [
        Item(
            id=i,
            feed_url=draw(junk),
            title=draw(maybe_junk),
            link=draw(urls),
            published=draw(dates),
            updated=draw(dates),
            authors=tuple(draw(st.lists(authors, max_size=2))),
            summary=draw(maybe_junk),
            content_html=draw(maybe_junk),
            categories=tuple(draw(st.lists(junk, max_size=2))),
            enclosures=tuple(draw(st.lists(enclosures, max_size=2))),
            language=draw(maybe_junk),
            feed_title=draw(maybe_junk),
        )
        for i in ids
    ]


@dataclass
class Links:
    duplicates: list[Group] = field(default_factory=list)
    stories: list[Group] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


@st.composite
def link_results(draw: st.DrawFn, items: list[Item]) -> Links | None:
    if draw(st.booleans()):
        return None
    ids = [it.id for it in items] + [draw(junk)]
    groups = st.lists(st.builds(Group, id=junk, item_ids=st.lists(st.sampled_from(ids),
                                                                    max_size=4).map(tuple),
                                reason=junk), max_size=3)
    relations = st.lists(
        st.builds(Relation, kind=st.sampled_from(["duplicate", "same_story", "previous", "next",
                                                  "related", "odd"]),
                  source_id=st.sampled_from(ids), target=st.sampled_from(ids) | urls.filter(bool),
                  score=st.floats(allow_nan=True, allow_infinity=True), reason=junk),
        max_size=4,
    )
    return Links(draw(groups), draw(groups), draw(relations))


def expected_count(items: list[Item], links: Links | None, merge: bool) -> int:
    if not merge:
        return len(items)
    parent = {it.id: it.id for it in items}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for group in links.duplicates if links else []:
        present = [x for x in group.item_ids if x in parent]
        for other in present[1:]:
            a, b = find(present[0]), find(other)
            if a != b:
                parent[b] = a
    return len({find(x) for x in parent})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_input_emits_valid_feeds(data: st.DataObject) -> None:
    items = data.draw(item_lists())
    links = data.draw(link_results(items))
    merge = data.draw(st.booleans())
    title = data.draw(junk)
    count = expected_count(items, links, merge)
    for fmt in ("atom", "rss"):
        out = emit_feed(items, format=fmt, title=title, links=links, merge_duplicates=merge)
        etree.fromstring(out, PARSER)  # well-formed
        parsed = feedparser.parse(out)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert len(parsed.entries) == count
        kept = {original_id(e.id) for e in parsed.entries}
        assert kept <= {it.id for it in items}
    doc = json.loads(emit_feed(items, format="json", title=title, links=links,
                               merge_duplicates=merge))
    assert len(doc["items"]) == count
    assert all(isinstance(i["id"], str) and ("content_html" in i or "content_text" in i)
               for i in doc["items"])
    page = emit_feed(items, format="html", title=title, links=links, merge_duplicates=merge)
    assert len(lxml.html.document_fromstring(page).xpath("//article")) == count


@settings(max_examples=30, deadline=None)
@given(items=item_lists())
def test_same_input_same_bytes(items: list[Item]) -> None:
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for fmt in ("atom", "rss", "json", "html"):
        a = emit_feed(items, format=fmt, updated=when)  # type: ignore[arg-type]
        b = emit_feed(list(items), format=fmt, updated=when)  # type: ignore[arg-type]
        assert a == b
