"""The simply-marked-up-paragraphs shortcut gives exactly what the parser path gives.

``feedkit.clean.dom.simple_paragraphs`` reads ``<p>`` paragraphs holding
links, emphasis, images and the four character references the sanitizer
writes without lxml, and ``strip_boilerplate_html`` then cuts whole matched
paragraphs out of the HTML string.  These tests generate such HTML (with
whitespace, references and nesting in awkward places) and check the reading
against ``parse_fragment``/``serialize_fragment``, and the cleaning results
with the shortcut on and off.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedkit.clean.boilerplate
from feedkit.clean import DEFAULT_RULES, clean_batch, strip_learned, strip_rules
from feedkit.clean.boilerplate import strip_boilerplate_html
from feedkit.clean.dom import (
    drop_empty,
    element_text,
    iter_units,
    parse_fragment,
    serialize_fragment,
    simple_paragraphs,
)
from feedkit.model import Item

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from test_clean_properties import fragments

TEXT = ["harbour", "Word", " ", "\n", "\t", "&amp;", "&lt;", "&gt;", "&nbsp;", "é", "日本",
        "\u2003", "\u200b", "'", '"', ".", "  ", "\ufeff", "x y", "\u0085", "\u00ad", "=",
        "Read more", "12 comments", "Share this:", "Previous Article", "Continue reading",
        "\xa0", "\r", "\x9f", "&copy;", "&#39;"]
LINK_ATTRS = [' href="https://x.example/a?b=1"', ' href=""', ' rel="noopener noreferrer"',
              ' title="A title"', ' href="/p"', ' target="_blank"', ' href="x"',
              ' href="a b"', ' href="x&amp;y"', ' href="/\u00e9"', ' href="/[x]"',
              ' title="a&amp;b"', ' title="\u00e9"', ' href=" /p"']
IMAGE_ATTRS = ['', ' alt="x"', ' alt=""', ' width="600" height="400"', ' loading="lazy"']
FOOTERS = ['<p>The post <a href="https://s.example/n/1">A title</a> appeared first on '
           '<a href="https://s.example/">Site</a>.</p>',
           '<p><a href="https://s.example/more">Read more</a></p>',
           "<p>Previous Article</p><p>The old quay reopens</p>",
           '<p>Posted in <a href="/c">News</a> | 3 comments</p>',
           "<p>Share this:</p>"]


@st.composite
def inline(draw: st.DrawFn, depth: int = 0, in_link: bool = False) -> str:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 9))
        if kind < 5 or depth > 2:
            out.append("".join(draw(st.lists(st.sampled_from(TEXT), min_size=1, max_size=3))))
        elif kind == 5:
            out.append(f'<img src="https://x.example/i.jpg"{draw(st.sampled_from(IMAGE_ATTRS))}>')
        else:
            tag = draw(st.sampled_from(["a", "em", "strong", "b", "i"]))
            attrs = ""
            if tag == "a":
                attrs = "".join(draw(st.lists(st.sampled_from(LINK_ATTRS), max_size=2)))
            inner = draw(inline(depth + 1, in_link or tag == "a"))
            out.append(f"<{tag}{attrs}>{inner}</{tag}>")
    return "".join(out)


paragraph = inline().map(lambda body: f"<p>{body}</p>")
documents = st.lists(st.one_of(paragraph, st.sampled_from(FOOTERS)), min_size=1, max_size=5).map(
    "".join)


def check_reading(html: str) -> bool:
    """Whether ``html`` is simple; when it is, the reading agrees with the parser."""
    blocks = simple_paragraphs(html)
    if blocks is None:
        return False
    root = parse_fragment(html)
    children = list(root)
    assert root.text is None
    assert [c.tag for c in children] == ["p"] * len(blocks)
    for child, block in zip(children, blocks, strict=True):
        assert child.tail is None
        assert element_text(child) == block.text
        assert [(a.get("href"), element_text(a)) for a in child.iter("a")] == block.anchors
        assert html[block.start:block.end] == serialize_fragment_of(child)
    assert serialize_fragment(root) == html
    assert [u.element for u in iter_units(root)] == children
    rng = random.Random(html)
    gone = {i for i in range(len(children)) if rng.random() < 0.5}
    for i in gone:
        children[i].drop_tree()
    assert drop_empty(root) == 0
    assert serialize_fragment(root) == "".join(
        html[b.start:b.end] for i, b in enumerate(blocks) if i not in gone)
    return True


def serialize_fragment_of(element: object) -> str:
    root = parse_fragment("<p>x</p>")
    root[0].getparent().replace(root[0], element.__copy__())  # type: ignore[attr-defined]
    return serialize_fragment(root)


def test_simple_paragraphs_accepts_and_rejects() -> None:
    blog = ('<p>A <a href="https://s.example/t?utm_source=rss" rel="nofollow">topic</a>.</p>'
            '<p><em>Fish</em> &amp; chips.</p><p><img src="https://s.example/1.jpg" alt="x"></p>')
    blocks = simple_paragraphs(blog)
    assert blocks is not None
    assert [b.text for b in blocks] == ["A topic.", "Fish & chips.", ""]
    assert blocks[0].anchors == [("https://s.example/t?utm_source=rss", "topic")]
    assert [b.media for b in blocks] == [False, False, True]
    assert "".join(blog[b.start:b.end] for b in blocks) == blog
    for html in ("<p class=\"x\">a</p>", '<p><a class="x">a</a></p>', "<p>a</p> <p>b</p>",
                 "<p> </p>", "<p></p>", "<p><em></em>a</p>", "<p>a <em> </em></p>",
                 "<p> <em>x</em></p>", "<p><span>a</span></p>", "<p><a><a>x</a></a></p>",
                 '<p><a href="a b">x</a></p>', '<p><a href="x&amp;y">x</a></p>',
                 '<p><a href="x" href="y">x</a></p>', '<p><img src="x" /></p>', "<P>a</P>",
                 "<p>a &copy; b</p>", "<p>a\xa0b</p>", "<p>a\rb</p>", "<p>a\x01</p>",
                 "<p>a > b</p>", "<p><em>a</strong></p>", "<p><em>a</p>", "<p>a</p>tail",
                 '<p><a href="x" name="y">x</a></p>', "<p>a<br>b</p>", "<div>a</div>",
                 "<p>" + "<em>" * 40 + "x" + "</em>" * 40 + "</p>"):
        assert simple_paragraphs(html) is None, html
    assert simple_paragraphs("<p>" + "<em>" * 20 + "x" + "</em>" * 20 + "</p>") is not None


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_parser_reads_simple_paragraphs_as_the_shortcut_does(html: str) -> None:
    check_reading(html)


def test_generated_documents_are_often_simple() -> None:
    # the property above must not pass only because nothing is accepted
    rng = random.Random(3)
    simple = 0
    for n in range(300):
        words = " ".join(rng.choice(["harbour", "quay", "ferry"]) for _ in range(8))
        html = (f'<p>{words} <a href="https://s.example/t/{n}">{words[:9]}</a>.</p>'
                f"<p><em>{words[:5]}</em> &amp; {words}.</p>" + rng.choice(FOOTERS))
        simple += check_reading(html)
    assert simple == 300


def _field(result: object) -> tuple[object, ...]:
    return tuple(getattr(result, name) for name in ("html", "changed", "hits", "navigation",
                                                    "blocks"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from([None, "A title", "Read more"]), st.booleans())
def test_rules_shortcut_matches_the_dom_path(html: str, title: str | None,
                                             keep_tree: bool) -> None:
    fast = strip_boilerplate_html(html, DEFAULT_RULES, title=title, keep_tree=keep_tree)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(feedkit.clean.boilerplate, "simple_paragraphs", lambda _html: None)
        slow = strip_boilerplate_html(html, DEFAULT_RULES, title=title, keep_tree=keep_tree)
    assert _field(fast) == _field(slow)
    if fast.fragment is not None:  # when the parser path ran, it kept what it parsed
        assert serialize_fragment(fast.fragment.root) == serialize_fragment(parse_fragment(html))


def _report(items: list[Item]) -> tuple[object, ...]:
    out: list[object] = []
    for cleaners in (None, (strip_rules, strip_learned)):
        report = clean_batch(items, cleaners=cleaners)
        again = clean_batch(items, learned=report.learned, learn=False)
        out += [report.items, report.dropped, report.removals, report.learned.to_dict(),
                again.items, again.removals]
    return tuple(out)


def _without_shortcut(run: Callable[[], tuple[object, ...]]) -> tuple[object, ...]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(feedkit.clean.boilerplate, "simple_paragraphs", lambda _html: None)
        return run()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=3, max_size=6), st.sampled_from([*FOOTERS, ""]))
def test_clean_batch_same_with_and_without_shortcut(bodies: list[str], footer: str) -> None:
    items = [
        Item(id=f"i{n}", feed_url="https://s.example/feed", title="A title" if n % 3 else None,
             link=f"https://s.example/{n}", summary=body + footer,
             content_html=body if n % 2 else None)
        for n, body in enumerate(bodies)
    ]
    assert _report(items) == _without_shortcut(lambda: _report(items))


def test_blog_item_is_cleaned_without_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    html = ('<p>The harbour master said the quay would take <a href="https://s.example/q">two '
            'winters</a>.</p><p><em>Ferries</em> &amp; buses keep running.</p>'
            '<p><img src="https://s.example/1.jpg" alt="quay" width="600" height="400"></p>'
            '<p>The post <a href="https://s.example/n/1">Quay works</a> appeared first on '
            '<a href="https://s.example/">Harbour News</a>.</p>')
    slow = strip_boilerplate_html(html, DEFAULT_RULES, title="Quay works")

    def no_parser(_html: str) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(feedkit.clean.boilerplate, "parse_fragment", no_parser)
    fast = strip_boilerplate_html(html, DEFAULT_RULES, title="Quay works")
    assert _field(fast) == _field(slow)
    assert fast.html == html[:html.index("<p>The post")]
    assert [h.rule for h in fast.hits] == ["appeared-first"]
    # a link the inline pass would take needs the tree: the parser is asked for
    with pytest.raises(AssertionError, match="parsed"):
        strip_boilerplate_html('<p>Some words here. <a href="/m">Read more</a></p>',
                               DEFAULT_RULES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(fragments(), documents), st.sampled_from([None, "A title"]))
def test_last_round_and_structure_skips_change_nothing(html: str, title: str | None) -> None:
    """The confirming round and the structural pass are only skipped when they find nothing."""
    fast = strip_boilerplate_html(html, DEFAULT_RULES, title=title)
    if not DEFAULT_RULES.may_match_structure(html):
        hits: list[object] = []
        feedkit.clean.boilerplate._structural_pass(parse_fragment(html), DEFAULT_RULES,
                                                   hits, [])  # type: ignore[arg-type]
        assert hits == []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(feedkit.clean.boilerplate, "simple_paragraphs", lambda _html: None)
        mp.setattr(feedkit.clean.boilerplate, "_top_blocks_only", lambda *_args: False)
        mp.setattr(type(DEFAULT_RULES), "may_match_structure", lambda _self, _html: True)
        slow = strip_boilerplate_html(html, DEFAULT_RULES, title=title)
    assert _field(fast) == _field(slow)


def test_a_round_of_top_level_removals_is_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = feedkit.clean.boilerplate.iter_units
    monkeypatch.setattr(feedkit.clean.boilerplate, "iter_units",
                        lambda root: calls.append(1) or real(root))
    html = ('<p>The harbour master said the quay would reopen.</p><div><p>Nested prose '
            'here.</p></div><p>Share this:</p>')
    result = strip_boilerplate_html(html, DEFAULT_RULES)
    assert result.html == '<p>The harbour master said the quay would reopen.</p><div><p>Nested ' \
        'prose here.</p></div>'
    assert len(calls) == 1  # no confirming round
    calls.clear()
    strip_boilerplate_html("<div><p>Words of the article.</p><p>Share this:</p></div>",
                           DEFAULT_RULES)
    assert len(calls) == 2  # the line was not a top-level block: the next round confirms
    # and the next round matters: without its last line, this box is no longer prose
    words = ["<p> " + " ".join(["harbour"] * n) + " </p>" for n in (6, 6, 6, 5)]
    boxed = ('<p>Article text here.</p><div class="related-posts">' + "".join(words)
             + "<p>Share this:</p></div>")
    result = strip_boilerplate_html(boxed, DEFAULT_RULES)
    assert result.html == "<p>Article text here.</p>"
    assert [hit.rule for hit in result.hits] == ["share-phrases", "related-posts"]
