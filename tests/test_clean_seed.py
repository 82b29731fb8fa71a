"""Evaluation over the seed case (../shared/data/seed): parse, clean, check expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedkit.clean import clean_batch
from feedkit.clean.plaintext import item_text
from feedkit.model import Item
from feedkit.parse import parse_feed

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "seed"
FEEDS = {
    "news-example.rss.xml": "https://news.example.org/feed",
    "wire-example.atom.xml": "https://wire.example.com/feed/atom",
}


@pytest.fixture(scope="module")
def cleaned() -> dict[str, Item]:
    if not SEED.is_dir():
        pytest.skip("../shared/data/seed is not available")
    items: list[Item] = []
    for name, url in FEEDS.items():
        items.extend(parse_feed((SEED / name).read_bytes(), url=url).items)
    report = clean_batch(items)
    assert not report.dropped
    return {item.link or item.id: item for item in report.items}


def expected() -> dict[str, dict[str, object]]:
    if not SEED.is_dir():
        return {}
    data = json.loads((SEED / "expected.json").read_text(encoding="utf-8"))
    return dict(data["items"])


@pytest.mark.corpus
@pytest.mark.parametrize("link", list(expected()) or ["(seed absent)"])
def test_seed_item_text_and_navigation(cleaned: dict[str, Item], link: str) -> None:
    want = expected()[link]
    item = cleaned[link]
    text = item_text(item)
    for s in want["must_contain"]:  # type: ignore[attr-defined]
        assert s in text, f"{link}: lost {s!r}"
    for s in want["must_not_contain"]:  # type: ignore[attr-defined]
        assert s not in text, f"{link}: kept {s!r}"
    navs = {n.rel: n.url for n in item.navigation}
    for rel, url in dict(want.get("navigation", {})).items():  # type: ignore[call-overload]
        assert navs.get(rel) == url, f"{link}: {rel} is {navs.get(rel)!r}"


@pytest.mark.corpus
def test_seed_plain_text_description_is_cleaned_too(cleaned: dict[str, Item]) -> None:
    jnim = cleaned["https://news.example.org/world/jnim-iyad-ag-ghaly-sahel"]
    assert jnim.summary is not None
    assert "Clad in a pale blue robe" in jnim.summary
    for gone in ("No time to read?", "Previous Article", "Foreign apps surface", "Zaluzhny"):
        assert gone not in jnim.summary
    # content (with URLs) and description (titles only) agree: one link per rel, with both
    assert [n.rel for n in jnim.navigation] == ["previous", "next"]
    assert all(n.url and n.title for n in jnim.navigation)
