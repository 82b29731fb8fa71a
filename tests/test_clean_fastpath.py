"""The plain-paragraphs shortcuts give exactly what the parser paths give.

``feedkit.clean.dom.plain_paragraphs`` lets sanitizing, rule stripping and
learned-boilerplate stripping skip lxml and nh3 for ``<p>text</p><p>text</p>``
HTML.  These tests generate such HTML with awkward characters (every kind of
Unicode whitespace, controls, quotes, surrogates, noncharacters, emoji, rule
phrases, repeated footers) and check the shortcut against the real parsers,
and whole ``clean_batch`` reports with the shortcuts on and off.
"""

from __future__ import annotations

from collections.abc import Callable

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedkit.clean.boilerplate
import feedkit.clean.cleaners
import feedkit.clean.sanitize
from feedkit.clean import DEFAULT_RULES, clean_batch
from feedkit.clean.boilerplate import strip_boilerplate_html
from feedkit.clean.dom import (
    drop_empty,
    element_text,
    iter_units,
    parse_fragment,
    plain_paragraphs,
    serialize_fragment,
)
from feedkit.clean.sanitize import _sanitize, sanitize_html
from feedkit.clean.template import learnable
from feedkit.model import Item

# Characters parsers and serializers are known to treat specially, plus ordinary ones.
AWKWARD = ("\t\n\r\x0b\x0c\x1c\x1f\x7f\x80\x85\x9f\xa0\xad\u00e9\u0301\u1680\u2000\u200b"
           "\u2028\u2029\u202f\u3000\ufeff\ufffd\ufffe\uffff\ud800\U0001f600\x00\x01"
           "\"'=/;:!?.,»«→ ")
PHRASES = ["Read more", "Share this:", "Previous Article", "Next Article", "12 comments",
           "Advertisement", "Continue reading", "data-src feedburner", "The post appeared first",
           "Subscribe to our newsletter", "Posted in News | 3 comments", "Read more at site 7.",
           "Fish &amp; chips", "a&nbsp;b", "it&#39;s", "x &gt; y"]
WORDS = ["harbour", "quay", "winter", "divers", "survey", "stone", "council", "ferry"]

chars = st.one_of(st.sampled_from(AWKWARD), st.characters(blacklist_categories=("Cs",)))
texts = st.one_of(
    st.sampled_from(PHRASES),
    st.text(alphabet=chars, min_size=0, max_size=12),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join),
    st.builds(lambda a, b: f"{a}{b}", st.sampled_from(AWKWARD), st.sampled_from(PHRASES)),
)
paragraphs = st.lists(texts, min_size=1, max_size=5)


def join(parts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in parts)


def test_plain_paragraphs_accepts_and_rejects() -> None:
    assert plain_paragraphs("<p>one</p><p>two words</p>") == ["one", "two words"]
    for html in ("<p>a &amp; b</p>", "<p class=x>a</p>", "<p>a</p> <p>b</p>", "<p> </p>",
                 "<p></p>", "<p>a<b>b</b></p>", "text", "<p>a\xa0b</p>", "<p>a\rb</p>",
                 "<p>a\x01</p>", "<P>a</P>", "<p>a</p>tail"):
        assert plain_paragraphs(html) is None, html


@settings(max_examples=400, deadline=None)
@given(paragraphs)
def test_parser_reads_plain_paragraphs_as_the_shortcut_does(parts: list[str]) -> None:
    html = join(parts)
    plain = plain_paragraphs(html)
    if plain is None:
        return
    assert plain == parts
    reference = lxml.html.fragment_fromstring(html, create_parent="div")
    root = parse_fragment(html)
    for tree in (reference, root):
        assert tree.text is None
        assert [(c.tag, c.text, c.tail, len(c), dict(c.attrib)) for c in tree] == [
            ("p", t, None, 0, {}) for t in parts
        ]
    units = iter_units(root)
    assert [(u.element is not None, u.text, u.shape(), learnable(u)) for u in units] == [
        (True, t, None, len(t.split()) >= 4) for t in parts
    ]
    assert serialize_fragment(root) == html
    # removing any paragraphs and serializing gives the rest, as strings
    keep = [i % 2 == 0 for i in range(len(parts))]
    for keep_it, unit in reversed(list(zip(keep, units, strict=True))):
        if not keep_it:
            assert unit.element is not None
            unit.element.drop_tree()
    drop_empty(root)
    assert serialize_fragment(root) == join([t for t, k in zip(parts, keep, strict=True) if k])
    assert all(element_text(c).strip() for c in root)


@settings(max_examples=400, deadline=None)
@given(paragraphs, st.booleans(), st.sampled_from([None, "https://example.org/a/"]))
def test_sanitizer_gives_plain_paragraphs_back(
    parts: list[str], keep_structure: bool, base_url: str | None
) -> None:
    html = join(parts)
    if plain_paragraphs(html) is None:
        return
    removed: list[tuple[str, str]] = []
    slow = _sanitize(html, base_url=base_url, keep_structure=keep_structure,
                     drop_trackers=True, fix_lazy_images=True, drop_empty_wrappers=True,
                     removed=removed)
    assert slow == html
    assert removed == []
    assert sanitize_html(html, base_url=base_url, keep_structure=keep_structure) == html


@settings(max_examples=300, deadline=None)
@given(paragraphs, st.sampled_from([None, "Harbour news", "Read more"]))
def test_rules_shortcut_matches_the_dom_path(
    parts: list[str], title: str | None
) -> None:
    html = join(parts)
    fast = strip_boilerplate_html(html, DEFAULT_RULES, title=title)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(feedkit.clean.boilerplate, "plain_paragraphs", lambda _html: None)
        slow = strip_boilerplate_html(html, DEFAULT_RULES, title=title)
    assert (fast.html, fast.changed, fast.hits, fast.navigation, fast.blocks) == (
        slow.html, slow.changed, slow.hits, slow.navigation, slow.blocks)


def _report(items: list[Item]) -> tuple[object, ...]:
    report = clean_batch(items)
    again = clean_batch(items, learned=report.learned, learn=False)
    return (report.items, report.dropped, report.removals, report.learned.to_dict(),
            again.items, again.removals)


def _without_shortcuts(run: Callable[[], tuple[object, ...]]) -> tuple[object, ...]:
    none: Callable[[str], None] = lambda _html: None  # noqa: E731
    with pytest.MonkeyPatch.context() as mp:
        for module in (feedkit.clean.boilerplate, feedkit.clean.cleaners, feedkit.clean.sanitize):
            mp.setattr(module, "plain_paragraphs", none)
        return run()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraphs, min_size=3, max_size=7), st.lists(texts, min_size=1, max_size=2))
def test_clean_batch_same_with_and_without_shortcuts(
    bodies: list[list[str]], footer: list[str]
) -> None:
    # a footer shared by every item: per-feed learning finds it and removes it
    items = [
        Item(id=f"i{n}", feed_url="https://example.org/feed", title=f"Item {n}",
             link=f"https://example.org/{n}", summary=join(body + footer),
             content_html=join(body) if n % 2 else None)
        for n, body in enumerate(bodies)
    ]
    assert _report(items) == _without_shortcuts(lambda: _report(items))


def test_shortcut_is_taken_and_learned_footer_removed() -> None:
    bodies = [f"The {w} master said the new quay would take two more winters to finish."
              for w in ("harbour", "ferry", "rail", "bus")]
    items = [Item(id=f"i{n}", feed_url="f", title=f"T{n}",
                  summary=join([body, "Read more at site seven today."]))
             for n, body in enumerate(bodies)]
    assert plain_paragraphs(items[0].summary or "") is not None
    report = clean_batch(items)
    assert [i.summary for i in report.items] == [join([body]) for body in bodies]
    assert {r.kind for r in report.removals} == {"learned"}
    assert _report(items) == _without_shortcuts(lambda: _report(items))
