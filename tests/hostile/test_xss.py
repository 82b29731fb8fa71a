"""No XSS vector survives the sanitizer or the cleaning chain."""

from __future__ import annotations

import pytest
from xss_vectors import XSS_CASES, XSS_VECTORS, find_script

from feedkit.clean import clean_batch, clean_item
from feedkit.clean.sanitize import sanitize_html
from feedkit.model import Item

IDS = [name for name, _ in XSS_CASES]


def test_there_are_at_least_fifty_vectors() -> None:
    assert len(XSS_VECTORS) >= 50
    assert len(set(IDS)) == len(IDS)


def test_checker_flags_raw_vectors() -> None:
    # The checker is not vacuous: the raw payloads are caught (a few, such as
    # tab-split URLs that lxml itself does not read as javascript:, may not be).
    flagged = [v for v in XSS_VECTORS if find_script(v)]
    assert len(flagged) >= 0.85 * len(XSS_VECTORS)


@pytest.mark.parametrize("payload", XSS_VECTORS, ids=IDS)
def test_sanitize_html_neutralizes(payload: str) -> None:
    for out in (
        sanitize_html(payload),
        sanitize_html(payload, base_url="https://example.org/post/1"),
        sanitize_html(payload, keep_structure=False),
        sanitize_html(f"<p>before</p>{payload}<p>after</p>", base_url="https://example.org/"),
    ):
        assert find_script(out) == [], out


@pytest.mark.parametrize("payload", XSS_VECTORS, ids=IDS)
def test_clean_item_neutralizes(payload: str) -> None:
    wrapped = (
        f"<div class='entry'><p>Lead paragraph of the article.</p>{payload}"
        "<nav class='post-navigation'><a href='/prev'>Previous Article</a></nav>"
        f"<p>Continue reading</p></div>{payload}"
    )
    item = Item(
        id="x",
        feed_url="https://example.org/feed",
        link="https://example.org/post",
        title="A title",
        summary=payload,
        content_html=wrapped,
    )
    cleaned = clean_item(item)
    for value in (cleaned.summary, cleaned.content_html):
        assert find_script(value or "") == [], value
    for nav in cleaned.navigation:
        assert nav.url is None or not nav.url.lower().startswith(("javascript", "data"))


def test_learned_pass_keeps_output_safe() -> None:
    items = [
        Item(
            id=str(i),
            feed_url="https://example.org/feed",
            title=f"Story number {i}",
            content_html=f"<p>Unique body {i} {'word ' * i}</p>{XSS_VECTORS[i]}"
            "<p>Brought to you by the Example Desk team</p>",
        )
        for i in range(len(XSS_VECTORS))
    ]
    report = clean_batch(items)
    assert any(r.kind == "learned" for r in report.removals)
    for item in report.items:
        assert find_script(item.content_html or "") == []
        assert "Brought to you" not in (item.content_html or "")
