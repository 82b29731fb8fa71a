"""Plain-text cleaning and HTML-to-text rendering."""

from __future__ import annotations

from feedkit.clean.plaintext import clean_text, html_to_text, item_text
from feedkit.clean.rules import DEFAULT_RULES
from feedkit.model import Item, NavLink

PAGE = """No time to read?
Get a summary

The harbour reopened on Monday after three days of storms kept the ferries in port.
Crews cleared debris from the slipway overnight.

No time to read?
Get a summary
Previous Article

Fuel convoys resume toward the capital

Next Article

Grain corridor talks stall over inspection rules"""


def test_clean_text_removes_lines_and_captures_navigation() -> None:
    res = clean_text(PAGE)
    assert res.changed
    assert res.text == ("The harbour reopened on Monday after three days of storms kept the "
                        "ferries in port.\nCrews cleared debris from the slipway overnight.")
    assert res.navigation == (
        NavLink("previous", None, "Fuel convoys resume toward the capital"),
        NavLink("next", None, "Grain corridor talks stall over inspection rules"),
    )
    kinds = [h.kind for h in res.hits]
    assert kinds.count("call_to_action") == 4
    assert kinds.count("navigation") == 4


def test_clean_text_unchanged_when_nothing_matches() -> None:
    text = "Just a paragraph.\n\nAnd another one."
    res = clean_text(text)
    assert not res.changed
    assert res.text == text
    assert clean_text("").text == ""


def test_clean_text_with_custom_rules() -> None:
    res = clean_text("Body line of the article.\nRead more", DEFAULT_RULES.without("read-more-en"))
    assert "Read more" in res.text


def test_nav_label_followed_by_prose_captures_nothing() -> None:
    text = ("Next Article\nThe council met on Tuesday and decided, after a long debate about "
            "the budget and the harbour, to delay the vote until spring next year.")
    res = clean_text(text)
    assert res.navigation == ()
    assert "The council met on Tuesday" in res.text


def test_html_to_text_blocks_and_breaks() -> None:
    html = "<h2>Title</h2><p>One<br>two &amp; three</p><ul><li>a</li><li>b</li></ul>tail"
    assert html_to_text(html) == "Title\n\nOne\ntwo & three\n\na\n\nb\n\ntail"
    assert html_to_text(None) == ""
    assert html_to_text("plain &amp; simple") == "plain & simple"


def test_html_to_text_deep_markup() -> None:
    html = "<div>" * 3000 + "deep" + "</div>" * 3000
    assert html_to_text(html) == "deep"


def test_item_text_joins_summary_and_content() -> None:
    item = Item(id="1", feed_url="f", summary="<p>Sum</p>", content_html="<p>Body</p>")
    assert item_text(item) == "Sum\n\nBody"
