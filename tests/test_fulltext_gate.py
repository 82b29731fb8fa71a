"""The teaser upgrade quality gate: upgrade only to a real, longer article."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedkit.clean.fulltext import upgrade_item
from feedkit.model import Item

DATA = Path(__file__).parent / "data" / "fulltext"
LINK = "https://courier.example/news/2024/03/mill"
TEASER = (
    "<p>Residents of Saltmarsh voted by a wide margin on Tuesday to restore the town’s "
    "tidal mill, a timber building that has stood derelict … "
    '<a href="https://courier.example/news/2024/03/mill">Continue reading</a></p>'
)


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def teaser_item(content: str | None = TEASER, summary: str | None = None) -> Item:
    return Item(
        id="urn:x:1", feed_url="https://courier.example/feed", title="Mill vote",
        link=LINK, content_html=content, summary=summary,
    )


def test_teaser_is_upgraded_to_the_full_article() -> None:
    item = teaser_item()
    new, reason = upgrade_item(item, page("news_article.html"))
    assert reason.startswith("upgraded"), reason
    assert new.content_html is not None
    assert "public consultation on the museum" in new.content_html
    assert "My grandfather worked" not in new.content_html
    assert (new.title, new.link, new.id) == (item.title, item.link, item.id)
    assert new.summary == TEASER  # the teaser is not lost


def test_teaser_in_summary_only_is_upgraded() -> None:
    new, reason = upgrade_item(teaser_item(content=None, summary=TEASER), page("news_article.html"))
    assert reason.startswith("upgraded"), reason
    assert new.summary == TEASER


def test_feed_content_longer_than_extraction_is_kept() -> None:
    long_content = "<p>" + "Residents of Saltmarsh voted by a wide margin. " * 200 + "</p>"
    item = teaser_item(content=long_content)
    new, reason = upgrade_item(item, page("news_article.html"))
    assert new is item
    assert reason.startswith("kept: extraction not longer"), reason


def test_page_about_something_else_is_kept() -> None:
    item = teaser_item(
        content="<p>The county council approved its annual budget on Thursday after "
                "a debate that lasted hours …</p>"
    )
    new, reason = upgrade_item(item, page("news_article.html"))
    assert new is item
    assert reason.startswith("kept: teaser not found"), reason


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("not_found.html", "kept: looks like an error"),
        ("paywall.html", "kept: looks like a paywall"),
        ("section_front.html", "kept: nothing extracted"),
    ],
)
def test_error_paywall_and_navigation_pages_are_rejected(name: str, why: str) -> None:
    item = teaser_item()
    new, reason = upgrade_item(item, page(name))
    assert new is item
    assert reason.startswith(why), reason


def test_real_story_mentioning_not_found_is_upgraded() -> None:
    story = (
        "<p>Residents of Saltmarsh voted by a wide margin on Tuesday to restore the town's "
        "tidal mill, a timber building that has stood derelict for almost a century.</p>"
        "<p>Engineers who surveyed the site last year said the original wheel shaft was not "
        "found during the dig, but that a copy could be made from the surviving drawings.</p>"
        "<p>The council will apply for a heritage grant covering two thirds of the cost.</p>"
    )
    page_html = f"<html><body><article>{story}</article></body></html>"
    new, reason = upgrade_item(teaser_item(), page_html)
    assert reason.startswith("upgraded"), reason
    assert new.content_html is not None
    assert "wheel shaft" in new.content_html


def test_link_heavy_page_is_rejected_as_navigation() -> None:
    links = "".join(
        f"<p><a href='/n/{i}'>Story number {i} about the harbour and its mill, "
        "with a long title</a> and a few words</p>"
        for i in range(40)
    )
    _, reason = upgrade_item(teaser_item(content=None), f"<html><body>{links}</body></html>")
    assert reason.startswith("kept:"), reason


def test_short_extraction_is_rejected() -> None:
    html = "<html><body><article><p>Residents of Saltmarsh voted by a wide margin on Tuesday."
    html += "</p></article></body></html>"
    _, reason = upgrade_item(teaser_item(content="<p>Residents of Saltmarsh voted</p>"), html)
    assert reason.startswith("kept: extraction too short"), reason


def test_min_ratio_is_respected() -> None:
    item = teaser_item()
    _, reason = upgrade_item(item, page("news_article.html"), min_ratio=50.0)
    assert reason.startswith("kept: extraction not longer"), reason
