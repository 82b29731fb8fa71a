"""Property tests: generated markup never crashes cleaning, never leaks script, never eats prose."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedkit.clean import clean_batch, clean_item
from feedkit.clean.plaintext import html_to_text
from feedkit.clean.sanitize import sanitize_html
from feedkit.model import Item

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from xss_vectors import XSS_VECTORS, find_script

PROSE = ("The harbour master said on Thursday that the new quay would take two more winters "
         "to finish because the old stone foundations had to be surveyed by divers first.")
PHRASES = ["Read more", "Share this:", "Previous Article", "Next Article", "No time to read?",
           "Get a summary", "12 comments", "Advertisement", "Lire la suite", "Weiterlesen",
           "Читать далее", "Subscribe to our newsletter", "The post X appeared first on Y."]
TAGS = ["p", "div", "span", "a", "nav", "li", "ul", "h3", "b", "section", "aside", "img", "br"]
CLASSES = ["", "share", "sharedaddy", "post-navigation", "nav-previous", "related-posts",
           "newsletter", "ad-slot", "comments-link", "entry-content", "more-link"]

texts = st.one_of(st.sampled_from(PHRASES), st.text(max_size=30), st.sampled_from(XSS_VECTORS))
# Before the prose, no XSS vectors: an unclosed <script> or <textarea> swallows
# what follows in a browser too, so "the prose survives" would not hold there.
plain_texts = st.one_of(st.sampled_from(PHRASES),
                        st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=30))


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0, hostile: bool = True) -> str:
    """Random markup built from feed furniture, junk text and XSS vectors."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            cls = draw(st.sampled_from(CLASSES))
            attrs = f' class="{cls}"' if cls else ""
            if tag == "a":
                attrs += ' href="' + draw(st.sampled_from(["/x", "javascript:alert(1)",
                                                          "https://e.example/p"])) + '"'
            if tag in ("img", "br"):
                parts.append(f"<{tag}{attrs} src='/i.png'>")
            else:
                inner = draw(fragments(depth + 1, hostile))
                close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", ""]))
                parts.append(f"<{tag}{attrs}>{inner}{close}")
        else:
            parts.append(draw(texts if hostile else plain_texts))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=fragments(hostile=False), after=fragments(), summary=fragments())
# found by the random search: the rule step's tree keeps <li> inside <span>
# inside <li> (libxml2 builds it so), which an HTML5 parser (the sanitizer,
# on a second pass) splits into two list items, one of them then empty
@example(before="Read more<li><span>Read more<h3><li></span>", after="", summary="")
def test_generated_markup(before: str, after: str, summary: str) -> None:
    html = f"{before}<p>{PROSE}</p>{after}"
    item = Item(id="p", feed_url="https://e.example/feed", title="Quay",
                link="https://e.example/post", content_html=html, summary=summary)
    out = clean_item(item)
    for value in (out.content_html, out.summary):
        assert find_script(value or "") == []
    assert PROSE in html_to_text(out.content_html)
    again = clean_item(out)
    # a second pass never changes the text; the markup too stays the same
    # unless the first pass left nesting an HTML5 parser rebuilds otherwise
    assert html_to_text(again.content_html) == html_to_text(out.content_html)
    if sanitize_html(out.content_html or "", base_url=out.link) == out.content_html:
        assert again.content_html == out.content_html
    if out.summary is None or "<" in out.summary:
        # (a field left without any markup is plain text the next time: its
        # lines are then matched one by one, by design)
        assert again.summary == out.summary


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(junk: str) -> None:
    item = Item(id="j", feed_url="f", summary=junk, content_html=junk)
    report = clean_batch([item, item, item])
    assert len(report.items) == 3
    sanitize_html(junk, base_url="https://e.example/")
