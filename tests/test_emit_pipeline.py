"""parse_feed → emit_feed → parse_feed: what feedkit writes, feedkit (and feedparser) read back."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from feedkit.clean.sanitize import sanitize_html
from feedkit.emit import emit_feed, original_id
from feedkit.model import Item
from feedkit.parse import parse_feed

SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "feeds"
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def sample_items() -> list[Item]:
    files = sorted(SAMPLES.glob("*")) if SAMPLES.is_dir() else []
    if not files:
        pytest.skip("examples/feeds is not available")
    items: list[Item] = []
    for path in files:
        url = f"https://{path.stem.replace('.', '-')}.example/feed"
        items.extend(parse_feed(path.read_bytes(), url=url, now=NOW).items)
    assert items
    return items


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_feedkit_reads_back_what_it_writes(fmt: str) -> None:
    items = sample_items()
    out = emit_feed(items, format=fmt, merge_duplicates=False,  # type: ignore[arg-type]
                    updated=NOW, link="https://agg.example/")
    back = parse_feed(out, url="https://agg.example/feed", now=NOW).items
    assert len(back) == len(items)
    for before, after in zip(items, back, strict=True):
        assert after.title == before.title
        assert after.link == before.link
        expected_date = before.published
        if expected_date is not None and fmt == "rss":  # RFC 822 dates have whole seconds
            expected_date = expected_date.replace(microsecond=0)
        assert after.published == expected_date
        body = before.content_html or before.summary
        if body:
            expected = sanitize_html(body, keep_structure=False)
            assert expected in (after.content_html, after.summary)
        assert [a.name for a in after.authors] == [a.name for a in before.authors]
        assert after.categories == before.categories
        n_enclosures = 1 if fmt == "rss" else len(before.enclosures)  # RSS carries one
        assert [e.url for e in after.enclosures] == [
            e.url for e in before.enclosures][:n_enclosures]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feedparser_reads_ids_back(fmt: str) -> None:
    items = sample_items()
    out = emit_feed(items, format=fmt, merge_duplicates=False, updated=NOW)  # type: ignore[arg-type]
    parsed = feedparser.parse(out)
    assert parsed.bozo == 0
    assert [original_id(e.id) for e in parsed.entries] == [it.id for it in items]
