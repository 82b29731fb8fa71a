"""OPML import/export: parse, emit, round trip, hardening."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.errors import SourceError
from feedkit.fetch.opml import OpmlOutline, emit_opml, parse_opml

DATA = Path(__file__).resolve().parent / "data" / "fetch"


def test_parse_nested_folders_and_attributes() -> None:
    outlines = parse_opml((DATA / "subscriptions.opml").read_bytes())
    assert outlines[0] == OpmlOutline(
        url="https://planetpython.example/rss20.xml",
        title="Planet Python",
        html_url="https://planetpython.example/",
        category="Python",
    )
    assert outlines[1] == OpmlOutline(
        url="https://packaging.example/feed.atom",
        title="Packaging news",
        category="Python/Packaging",
    )
    assert outlines[2] == OpmlOutline(url="http://loose.example/index.xml", title="Loose feed")
    assert outlines[3].category == "News/World"  # from the category attribute
    # pure listing: odd schemes and duplicates are kept for the caller to judge
    assert [o.url for o in outlines[4:]] == [
        "file:///etc/passwd",
        "/etc/hosts",
        "https://planetpython.example/rss20.xml",
    ]


def test_round_trip_of_parsed_document() -> None:
    outlines = parse_opml((DATA / "subscriptions.opml").read_bytes())
    assert parse_opml(emit_opml(outlines)) == outlines


def test_emit_groups_folders_once_and_escapes() -> None:
    outlines = [
        OpmlOutline("https://a.example/feed", "A & <B>", None, "Tech/Py"),
        OpmlOutline("https://b.example/rss", None, None, None),
        OpmlOutline("https://c.example/x", 'say "hi"', "https://c.example/", "Tech"),
    ]
    data = emit_opml(outlines, title="Mine")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"<title>Mine</title>" in data
    assert data.count(b'text="Tech"') == 1
    assert b"A &amp; &lt;B&gt;" in data
    again = parse_opml(data)
    assert sorted(again, key=lambda o: o.url) == sorted(outlines, key=lambda o: o.url)
    assert [o.url for o in again] == [
        "https://a.example/feed",
        "https://c.example/x",
        "https://b.example/rss",
    ]


def test_emit_strips_control_characters() -> None:
    data = emit_opml([OpmlOutline("https://a.example/\x00feed", "bad\x07 title", None, None)])
    assert parse_opml(data) == [OpmlOutline("https://a.example/feed", "bad title")]


def test_emit_needs_urls() -> None:
    with pytest.raises(SourceError):
        emit_opml([OpmlOutline("  ")])


title_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            OpmlOutline,
            url=st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{0,10}", fullmatch=True),
            title=st.none() | title_text,
            html_url=st.none() | st.just("https://site.example/"),
            category=st.none() | st.sampled_from(["News", "News/World", "Tech", "Tech/Py"]),
        ),
        max_size=12,
    )
)
def test_round_trip_property(outlines: list[OpmlOutline]) -> None:
    emitted = parse_opml(emit_opml(outlines))
    assert sorted(emitted, key=repr) == sorted(outlines, key=repr)
    # and once grouped, the order is stable too
    assert parse_opml(emit_opml(emitted)) == emitted


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"<opml><body><outline",
        b"<rss version='2.0'><channel/></rss>",
        b"<opml version='2.0'><head/></opml>",
        b"not xml at all",
    ],
)
def test_malformed_is_source_error(data: bytes) -> None:
    with pytest.raises(SourceError):
        parse_opml(data)


def test_billion_laughs_refused_quickly() -> None:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{entities}]><opml><body>'
        f'<outline text="&l9;" xmlUrl="https://x.example/"/></body></opml>'
    )
    start = time.monotonic()
    with pytest.raises(SourceError, match="entity"):
        parse_opml(data.encode())
    assert time.monotonic() - start < 2


def test_external_entity_is_not_fetched_or_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        '<opml><body><outline text="&s;" xmlUrl="https://x.example/"/></body></opml>'
    ).encode()
    with pytest.raises(SourceError):
        parse_opml(data)
    # An external DTD reference (no entities declared inline) is not loaded either.
    dtd = tmp_path / "x.dtd"
    dtd.write_text('<!ENTITY s "TOP SECRET">')
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "{dtd.as_uri()}">'
        '<opml><body><outline text="t" xmlUrl="https://x.example/"/></body></opml>'
    ).encode()
    assert parse_opml(data) == [OpmlOutline("https://x.example/", "t")]


def test_deep_nesting_is_refused() -> None:
    data = "<opml><body>" + '<outline text="f">' * 200 + "</outline>" * 200 + "</body></opml>"
    with pytest.raises(SourceError):
        parse_opml(data.encode())


def test_str_input_and_case_insensitive_attributes() -> None:
    data = (
        '<opml version="1.0"><body><outline TEXT="x" XMLURL="https://u.example/f" '
        'HTMLURL="https://u.example/"/></body></opml>'
    )
    assert parse_opml(data) == [OpmlOutline("https://u.example/f", "x", "https://u.example/")]
