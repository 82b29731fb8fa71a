"""The public API: what `import feedkit` promises."""

from __future__ import annotations

import dataclasses

import pytest

import feedkit


def test_all_matches_exports() -> None:
    public = {name for name in dir(feedkit) if not name.startswith("_")}
    modules = {"aggregator", "clean", "emit", "errors", "fetch", "link", "model",
               "normalize", "parse", "store", "schedule", "cli", "selfcheck"}
    assert sorted(feedkit.__all__) == feedkit.__all__
    assert set(feedkit.__all__) == public - modules


@pytest.mark.parametrize(
    "name",
    ["parse_feed", "emit_feed", "clean_items", "clean_item", "extract_article",
     "link_items", "Aggregator", "Item", "Feed", "FeedkitError", "ParseError",
     "NotAFeedError"],
)
def test_contract_names_are_exported(name: str) -> None:
    assert name in feedkit.__all__
    assert getattr(feedkit, name).__doc__


def test_every_error_is_a_feedkit_error() -> None:
    errors = [getattr(feedkit, n) for n in feedkit.__all__
              if isinstance(getattr(feedkit, n), type)
              and issubclass(getattr(feedkit, n), BaseException)]
    assert len(errors) >= 10
    # DropItem is the cleaner chain's control-flow signal, not an error.
    signals = {feedkit.DropItem}
    assert all(issubclass(e, feedkit.FeedkitError) for e in errors if e not in signals)


def test_item_is_frozen_and_needs_only_id_and_feed_url() -> None:
    item = feedkit.Item(id="x", feed_url="https://a.example/feed")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "changed"  # type: ignore[misc]
    assert dataclasses.replace(item, title="t").title == "t"
