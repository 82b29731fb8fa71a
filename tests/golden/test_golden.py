"""The golden set: text that must survive and text that must be gone, per case."""

from __future__ import annotations

import golden_comments_ads
import golden_cta_share
import golden_footer_related
import golden_navigation
import pytest
from golden_common import Case

from feedkit.clean import RULE_KINDS, clean_batch
from feedkit.clean.plaintext import html_to_text
from feedkit.model import Item

CASES: list[Case] = [
    *golden_navigation.CASES,
    *golden_cta_share.CASES,
    *golden_footer_related.CASES,
    *golden_comments_ads.CASES,
]


def test_golden_set_size_and_coverage() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    kinds = {c.kind for c in CASES}
    assert set(RULE_KINDS) <= kinds
    assert {c.format for c in CASES} == {"html", "text"}
    langs = {c.lang for c in CASES}
    assert {"en", "fr", "de", "es", "pt", "ru"} <= langs
    for lang in ("en", "fr", "de", "es", "pt", "ru"):
        nav_langs = {c.lang for c in CASES if c.kind == "navigation"}
        more_langs = {c.lang for c in CASES if c.id.startswith("readmore-")}
        assert lang in nav_langs
        assert lang in more_langs


def _run(case: Case) -> tuple[str, Item, list[str]]:
    if case.format == "text":
        item = Item(id=case.id, feed_url="https://golden.example/feed", title=case.title,
                    summary=case.input)
    else:
        item = Item(id=case.id, feed_url="https://golden.example/feed", title=case.title,
                    content_html=case.input, link="https://golden.example/post")
    report = clean_batch([item])
    assert not report.dropped
    out = report.items[0]
    text = html_to_text(out.summary) + "\n" + html_to_text(out.content_html)
    return text, out, [r.kind for r in report.removals]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_case(case: Case) -> None:
    text, out, kinds = _run(case)
    if case.id.startswith("ads-tracking") or case.id.startswith("ads-feedburner"):
        html = out.content_html or ""
        assert "pixel.wp.com" not in html
        assert "google-analytics" not in html
        assert "feedburner" not in html
        assert "harbour.jpg" in html or "flare" in case.id
    for s in case.keep:
        assert s in text, f"{case.id}: lost {s!r}\n--- got:\n{text}"
    for s in case.gone:
        assert s not in text, f"{case.id}: kept {s!r}\n--- got:\n{text}"
    if case.kind == "none":
        assert kinds == [], f"{case.id}: unexpected removals {kinds}"
    else:
        assert case.kind in kinds, f"{case.id}: no {case.kind} removal in {kinds}"
    got_nav = {n.rel: (n.url, n.title) for n in out.navigation}
    for rel, want in case.nav.items():
        # HTML cases name the URL (or the title when the block has no link), text cases the title
        assert want in got_nav.get(rel, ()), f"{case.id}: navigation {out.navigation}"
