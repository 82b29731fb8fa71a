"""What the chain reuses between steps changes no result.

* ``parse_fragment`` builds the same tree as ``lxml.html.fragment_fromstring``;
* ``has_text`` on a (pruned) tree agrees with rendering it and reading it back;
* ``strip_learned`` taking over the tree ``strip_rules`` parsed gives the same
  report as parsing again; the per-batch cache is bounded;
* ``normalize_text`` and the template keys equal their plain formulations.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement

import feedkit.clean.chain
from feedkit.clean import DEFAULT_RULES, LearnedBoilerplate, clean_batch
from feedkit.clean.chain import CleanContext
from feedkit.clean.dom import (
    XML_INVALID,
    Fragment,
    flatten_deep,
    has_text,
    iter_units,
    parse_fragment,
    remove_unit,
    serialize_fragment,
)
from feedkit.clean.plaintext import html_to_text
from feedkit.clean.rules import normalize_text
from feedkit.clean.template import LINK_MARK, block_keys, memo_block_keys, template_key
from feedkit.model import Item

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from xss_vectors import XSS_VECTORS

from test_clean_properties import fragments

REFERENCE_PARSER = lxml.html.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=True
)
SHAPES = ["", "  lead text <p>a</p> tail", "<html><body><p>whole</p></body></html>",
          "<!DOCTYPE html><p>x</p>", "<body class='b'><p>in body</p></body>", "<head><title>t"
          "</title></head><p>after head</p>", "<p>a</p><body><p>b</p></body>", "text only",
          "<form><input name=q><label>l</label><select><option>o</select></form>",
          "<table><tr><td>c</td></tr></table>trailing", "\n  <p>x</p>\n  "]


def shape(el: HtmlElement) -> object:
    return (el.tag, el.text, el.tail, dict(el.attrib), [shape(c) for c in el])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(fragments(), st.sampled_from(XSS_VECTORS), st.sampled_from(SHAPES)))
def test_parse_fragment_builds_lxml_tree(html: str) -> None:
    try:  # (parse_fragment first flattens deep nesting and drops what XML cannot hold)
        reference = lxml.html.fragment_fromstring(XML_INVALID.sub("", flatten_deep(html)),
                                                  create_parent="div", parser=REFERENCE_PARSER)
    except Exception as exc:  # the same error, then
        with pytest.raises(type(exc)):
            parse_fragment(html)
        return
    root = parse_fragment(html)
    assert shape(root) == shape(reference)
    assert serialize_fragment(root) == serialize_fragment(reference)
    assert root.getparent() is None
    assert all(isinstance(el, HtmlElement) for el in root.iter())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragments(), st.lists(st.booleans(), max_size=12))
def test_has_text_agrees_with_rendered_text(html: str, drop: list[bool]) -> None:
    root = parse_fragment(html)
    if "<" in html:  # (markup-less text is read as plain text, not parsed)
        assert has_text(root) == bool(html_to_text(html))
    units = iter_units(root)
    for unit, gone in reversed(list(zip(units, drop, strict=False))):
        if gone:
            remove_unit(unit)
    assert has_text(root) == bool(html_to_text(serialize_fragment(root)))


FOOTERS = ["<p>The post appeared first on Harbour News today.</p>",
           "<p>Filed under <a href='/t/1'>harbour</a> by <a href='/a/2'>Ann Smith</a> today</p>",
           "<div><p>Posted on 2026-11-2 by the harbour desk team</p></div>"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragments(hostile=False), min_size=3, max_size=6), st.sampled_from(FOOTERS))
def test_taking_over_the_tree_changes_nothing(bodies: list[str], footer: str) -> None:
    items = [Item(id=f"i{n}", feed_url="https://e.example/feed", title=f"Story {n}",
                  summary=f"<div>{body}</div>{footer}", content_html=footer if n % 2 else None)
             for n, body in enumerate(bodies)]
    shared = clean_batch(items)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(CleanContext, "keep_fragment", lambda self, html, fragment: None)
        alone = clean_batch(items)
    assert (shared.items, shared.removals, shared.learned) == (
        alone.items, alone.removals, alone.learned)


def test_learned_footer_removed_from_the_kept_tree() -> None:
    items = [Item(id=f"i{n}", feed_url="f", title=f"T{n}",
                  summary=f'<div><p>Story {w} about the harbour.</p><p class="x">'
                          f'Filed under <a href="/t/{n}">tag{n}</a> by the desk</p></div>')
             for n, w in enumerate(["one", "two", "three", "four"])]
    report = clean_batch(items)
    assert [i.summary for i in report.items] == [
        f"<div><p>Story {w} about the harbour.</p></div>" for w in ["one", "two", "three", "four"]]
    assert {r.kind for r in report.removals} == {"learned"}


def test_fragment_cache_is_bounded_and_owned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedkit.clean.chain, "MAX_FRAGMENT_CHARS", 10)
    ctx = CleanContext(rules=DEFAULT_RULES, learned=LearnedBoilerplate())
    one = Fragment(parse_fragment("<p>a</p>"), [])
    ctx.keep_fragment("<p>a</p>", one)
    ctx.keep_fragment("<p>bbbb</p>", Fragment(parse_fragment("<p>bbbb</p>"), []))  # over budget
    assert ctx.take_fragment("<p>bbbb</p>") is None
    assert ctx.take_fragment("<p>a</p>") is one
    assert ctx.take_fragment("<p>a</p>") is None  # taken: the caller owns it now
    assert ctx.fragment_chars == 0
    off = CleanContext(rules=DEFAULT_RULES, learned=LearnedBoilerplate(), share_fragments=False)
    off.keep_fragment("<p>a</p>", one)
    assert off.take_fragment("<p>a</p>") is None


_WS = re.compile(r"\s+")
_EDGE = " \t\r\n\u00a0\u200b:;.,…!?¡¿»«→←›‹|/\\-–—>[](){}*•·\"'“”‘’„⟶⇒➔➜▶◀"
words = st.lists(st.sampled_from([*"aZ90٣ ſK\t\u3000\u2028»-.:/wWhtpsİ", "http://x.io/a", "HTTPS://Y",
                                  "www.", "\u00ad", "ﬁ", "①", LINK_MARK, "Harbour news "]),
                 max_size=30).map("".join)


def normalize_plain(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return _WS.sub(" ", text).casefold().strip(_EDGE)


def template_key_plain(text: str, title: str | None) -> str:
    norm = normalize_plain(text)
    if title:
        nt = normalize_plain(title)
        if len(nt) >= 8 and nt in norm:
            norm = norm.replace(nt, "{title}")
    norm = re.sub(r"(?:https?://|www\.)\S+", "{url}", norm, flags=re.IGNORECASE)
    return re.sub(r"\d+", "0", norm).replace(LINK_MARK, "{link}")


@settings(max_examples=400, deadline=None)
@given(st.one_of(words, st.text(max_size=40)), st.one_of(st.none(), words))
def test_normalize_and_keys_equal_their_plain_form(text: str, title: str | None) -> None:
    assert normalize_text(text) == normalize_plain(text)
    assert template_key(text, title=title) == template_key_plain(text, title)
    memo: dict[tuple[str, str | None, str | None], tuple[str, ...]] = {}
    assert memo_block_keys(memo, text, text, title) == tuple(block_keys(text, text, title))
    assert memo[(text, text, title)] == tuple(block_keys(text, text, title))
