"""Differential tests: the lxml fast path and the feedparser path give equal items.

Compared per item, after normalization: id, link, title, published, updated,
authors (name, e-mail) and the text of summary and content.  Every intended
difference is one of the rules below, each listed and justified in
docs/parsing.md ("Differences between the two paths"); any other difference
fails the test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedkit.errors import ParseError
from feedkit.model import Item
from feedkit.parse import parse_feed

FIXTURES = Path(__file__).parent / "data" / "feeds"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds-dev"
URL = "https://feeds.example.com/feed"
FIELDS = ("link", "title", "published", "updated", "authors", "content", "summary")
_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str | None) -> str:
    if not fragment:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def view(item: Item) -> dict[str, Any]:
    """The compared projection of an item."""
    return {
        "id": item.id,
        "link": item.link,
        "title": item.title,
        "published": item.published,
        "updated": item.updated,
        "authors": tuple((a.name, a.email) for a in item.authors),
        "content": _text(item.content_html),
        "summary": _text(item.summary),
    }


# -- intended differences ------------------------------------------------------------
# Each rule: (name, predicate(field, fast_value, fp_value, document) -> bool).

def _fast_reads_more_dates(field: str, fast: Any, fp: Any, doc: bytes) -> bool:
    # RFC 822 dates with non-English weekday names ("mer, 16 nov 2022 ...") are read
    # by the fast path's date parser; feedparser gives up on them.
    return field in ("published", "updated") and fast is not None and fp is None


def _empty_href_is_no_link(field: str, fast: Any, fp: Any, doc: bytes) -> bool:
    # <link href=""/>: feedparser resolves the empty reference to the xml:base (the
    # feed document itself); the fast path treats it as "no link".
    return field == "link" and fast is None and fp is not None and b'href=""' in doc


RULES: list[tuple[str, Callable[[str, Any, Any, bytes], bool]]] = [
    ("fast path reads more dates", _fast_reads_more_dates),
    ("empty href is no link", _empty_href_is_no_link),
]

# Differences confined to one corpus file, with the reason.
FILE_EXCEPTIONS: dict[str, dict[str, str]] = {
    "rsparser__cloudblog.rss": {
        "content": "feedparser takes a <description> nested in an unknown <og> element "
                   "as the item's content; the fast path reads only the item's own children",
    },
}


def documents() -> list[Any]:
    paths = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xml", ".rdf"))
    if CORPUS.is_dir():
        paths += sorted(p for p in CORPUS.iterdir()
                        if p.is_file() and p.suffix in (".xml", ".rss", ".atom", ".rdf"))
    return [pytest.param(p, id=p.name) for p in paths]


def differences(doc: bytes, name: str) -> list[str]:
    """Unexplained differences between the two paths for one document."""
    try:
        fast = parse_feed(doc, url=URL, parser="fast")
    except ParseError:
        return []  # the fast path declines: only feedparser reads this document
    slow = parse_feed(doc, url=URL, parser="feedparser")
    if len(fast.items) != len(slow.items):
        return [f"{len(fast.items)} items on the fast path, {len(slow.items)} on feedparser"]
    problems = []
    allowed_here = FILE_EXCEPTIONS.get(name, {})
    for index, (a, b) in enumerate(zip(fast.items, slow.items, strict=True)):
        va, vb = view(a), view(b)
        explained: set[str] = set()
        for field in FIELDS:
            if va[field] == vb[field]:
                continue
            if field in allowed_here or any(
                rule(field, va[field], vb[field], doc) for _, rule in RULES
            ):
                explained.add(field)
                continue
            problems.append(f"item {index} {field}: fast={va[field]!r:.120} fp={vb[field]!r:.120}")
        # ids follow from link/guid/title/date; they may differ only when one of
        # those differed for an explained reason
        if va["id"] != vb["id"] and not explained & {"link", "published", "title"}:
            problems.append(f"item {index} id: fast={va['id']} fp={vb['id']}")
    return problems


@pytest.mark.corpus
@pytest.mark.parametrize("path", documents())
def test_paths_agree(path: Path) -> None:
    assert differences(path.read_bytes(), path.name) == []


def test_fixtures_take_the_fast_path() -> None:
    """The project's own well-formed fixtures are all compared, not skipped."""
    for path in FIXTURES.iterdir():
        if path.suffix in (".xml", ".rdf") and path.name != "broken-rss.xml":
            assert parse_feed(path.read_bytes(), url=URL).parser == "fast", path.name


def test_the_comparison_can_fail() -> None:
    """A real difference (a changed title) is reported."""
    doc = (FIXTURES / "rss20.xml").read_bytes()
    fast = parse_feed(doc, url=URL, parser="fast").items[0]
    slow = parse_feed(doc.replace(b"Ferry timetable", b"Ferry schedule"), url=URL,
                      parser="feedparser").items[0]
    assert view(fast)["title"] != view(slow)["title"]
    assert not any(rule("title", fast.title, slow.title, doc) for _, rule in RULES)


ATOM_NS = 'xmlns="http://www.w3.org/2005/Atom"'
RSS_ATOM = '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>'


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        # two RSS links: the first in document order
        (RSS_ATOM + "<item><title>a</title><link>https://x.example/1</link>"
         "<link>https://x.example/2</link></item></channel></rss>", "https://x.example/1"),
        # atom:link before <link>: still document order
        (RSS_ATOM + '<item><title>a</title><atom:link rel="alternate" href="https://x.example/a"/>'
         "<link>https://x.example/r</link></item></channel></rss>", "https://x.example/a"),
        # a non-HTML alternate beats a permalink GUID
        (RSS_ATOM + '<item><title>a</title><atom:link rel="alternate" type="application/json" '
         'href="https://x.example/j"/><guid>https://x.example/g</guid></item></channel></rss>',
         "https://x.example/j"),
        # Atom: first HTML alternate; an untyped link is HTML; else any alternate
        (f'<feed {ATOM_NS}><title>T</title><entry><title>a</title><id>i</id>'
         '<link rel="alternate" type="text/html" href="https://x.example/en"/>'
         '<link rel="alternate" type="text/html" href="https://x.example/fr"/></entry></feed>',
         "https://x.example/en"),
        (f'<feed {ATOM_NS}><title>T</title><entry><title>a</title><id>i</id>'
         '<link rel="alternate" type="application/pdf" href="https://x.example/p.pdf"/>'
         '<link href="https://x.example/h"/></entry></feed>', "https://x.example/h"),
        (f'<feed {ATOM_NS}><title>T</title><entry><title>a</title><id>https://x.example/id</id>'
         '<link rel="alternate" type="application/pdf" href="https://x.example/p.pdf"/>'
         "</entry></feed>", "https://x.example/p.pdf"),
        # an Atom id is never a link
        (f"<feed {ATOM_NS}><title>T</title><entry><title>a</title><id>https://x.example/id</id>"
         "</entry></feed>", None),
    ],
)
def test_link_choice_agrees(doc: str, expected: str | None) -> None:
    for parser in ("fast", "feedparser"):
        assert parse_feed(doc.encode(), parser=parser).items[0].link == expected, parser


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("john@example.online (John Roe)", ("John Roe", "john@example.online")),
        ("Jane Poe <jane@example.org>", ("Jane Poe", "jane@example.org")),
        ("only@example.org", (None, "only@example.org")),
        ("Plain Name", ("Plain Name", None)),
    ],
)
def test_rss_author_split_agrees(author: str, expected: tuple[str | None, str | None]) -> None:
    doc = (f'{RSS_ATOM}<item><title>a</title><link>https://x.example/1</link>'
           f"<author>{author.replace('<', '&lt;').replace('>', '&gt;')}</author>"
           "</item></channel></rss>").encode()
    for parser in ("fast", "feedparser"):
        (got,) = parse_feed(doc, parser=parser).items[0].authors
        assert (got.name, got.email) == expected, parser
