"""The cleaning API: chain, DropItem, reports, explain, rules as data, navigation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from feedkit.clean import (
    DEFAULT_RULES,
    RULE_KINDS,
    CleanContext,
    DropItem,
    LearnedBoilerplate,
    Removal,
    Rule,
    RuleSet,
    clean_batch,
    clean_item,
    clean_items,
    default_cleaners,
    drop_empty_items,
    explain_item,
    explain_items,
    format_removals,
)
from feedkit.clean.plaintext import html_to_text
from feedkit.errors import CleanError
from feedkit.model import Item, NavLink

DATA = Path(__file__).resolve().parent / "data" / "clean"
BODY = (
    "<p>The regional ferry operator confirmed on Monday that the winter timetable keeps the "
    "early sailing to the islands.</p>"
)


def make(id: str = "1", **kw: object) -> Item:
    base: dict[str, object] = {"feed_url": "https://coast.example/feed", "title": "Ferry"}
    base.update(kw)
    return Item(id=id, **base)  # type: ignore[arg-type]


# --------------------------------------------------------------------- API


def test_clean_items_keeps_order_and_returns_items() -> None:
    items = [make(str(i), content_html=BODY + "<p>Read more</p>") for i in range(4)]
    out = clean_items(items)
    assert [i.id for i in out] == ["0", "1", "2", "3"]
    assert all("Read more" not in (i.content_html or "") for i in out)
    assert all("ferry operator" in (i.content_html or "") for i in out)


def test_clean_item_on_wordpress_fixture() -> None:
    html = (DATA / "wordpress-item.html").read_text(encoding="utf-8")
    item = make(content_html=html, link="https://coast.example/2026/11/ferry-timetable/",
                title="Ferry keeps early sailing")
    out = clean_item(item)
    text = html_to_text(out.content_html)
    assert "winter timetable will keep the early sailing" in text
    assert "hospital staff" in text
    for gone in ("Share this", "Click to share", "Related", "Bridge toll frozen",
                 "appeared first on", "Continue reading"):
        assert gone not in text
    assert 'src="https://coast.example/wp-content/uploads/2026/11/ferry.jpg"' in (
        out.content_html or "")
    assert "pixel.wp.com" not in (out.content_html or "")
    kinds = {r.kind for r in explain_item(item)}
    assert {"share_social", "related_read_more", "syndication_footer"} <= kinds


def test_dropitem_is_reported_not_lost() -> None:
    def drop_short(item: Item, ctx: CleanContext) -> Item:
        if len(html_to_text(item.content_html)) < 10:
            raise DropItem("too short")
        return item

    items = [make("a", content_html=BODY), make("b", content_html="<p>hi</p>")]
    report = clean_batch(items, extra_cleaners=[drop_short])
    assert [i.id for i in report.items] == ["a"]
    assert len(report.dropped) == 1
    assert report.dropped[0].item.id == "b"
    assert report.dropped[0].reason == "too short"
    assert [i.id for i in clean_items(items, extra_cleaners=[drop_short])] == ["a"]
    with pytest.raises(DropItem, match="too short"):
        clean_item(items[1], extra_cleaners=[drop_short])


def test_drop_empty_items_cleaner() -> None:
    empty = make("e", title=None, content_html="<p>Read more</p>")
    report = clean_batch([empty, make("k", content_html=BODY)],
                         extra_cleaners=[drop_empty_items])
    assert [d.item.id for d in report.dropped] == ["e"]
    assert [i.id for i in report.items] == ["k"]


def test_custom_chain_replaces_default_and_gets_options() -> None:
    seen: list[object] = []

    def shout(item: Item, ctx: CleanContext) -> Item:
        seen.append(ctx.options.get("suffix"))
        return replace(item, title=(item.title or "") + str(ctx.options["suffix"]))

    item = make(content_html=BODY + "<p>Read more</p>")
    out = clean_item(item, cleaners=[shout], suffix="!")
    assert out.title == "Ferry!"
    assert "Read more" in (out.content_html or "")  # default chain not run
    assert seen == ["!"]
    out2 = clean_item(item, cleaners=[*default_cleaners(), shout], suffix="?")
    assert out2.title == "Ferry?"
    assert "Read more" not in (out2.content_html or "")


def test_failing_cleaner_raises_clean_error_naming_it() -> None:
    def broken(item: Item, ctx: CleanContext) -> Item:
        raise RuntimeError("boom")

    with pytest.raises(CleanError) as info:
        clean_items([make(content_html=BODY)], extra_cleaners=[broken])
    assert info.value.cleaner.endswith("broken")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_failing_cleaner_with_errors_keep_is_reported() -> None:
    def broken(item: Item, ctx: CleanContext) -> Item:
        raise ValueError("bad")

    items = [make("1", content_html=BODY + "<p>Share this:</p>"), make("2", content_html=BODY)]
    report = clean_batch(items, cleaners=[broken, *default_cleaners()], errors="keep")
    assert len(report.items) == 2
    assert len(report.errors) == 2
    assert "Share this" not in (report.items[0].content_html or "")  # later cleaners ran


def test_cleaner_returning_non_item_is_an_error() -> None:
    def wrong(item: Item, ctx: CleanContext) -> Item:
        return "nope"  # type: ignore[return-value]

    with pytest.raises(CleanError, match="returned str"):
        clean_item(make(content_html=BODY), cleaners=[wrong])


def test_bad_options_raise_clean_error() -> None:
    with pytest.raises(CleanError):
        clean_items([make()], errors="ignore")
    with pytest.raises(CleanError):
        clean_items([make()], learned=42)  # type: ignore[arg-type]
    with pytest.raises(CleanError):
        clean_items([make()], learned={"version": 99})


def test_item_without_html_fields_passes_through() -> None:
    item = make(summary=None, content_html=None)
    assert clean_item(item) == item
    assert explain_item(item) == []


# ------------------------------------------------------------------ explain


def test_explain_lists_every_removal_with_rule_and_text() -> None:
    item = make(content_html=BODY + "<div class='sharedaddy'><h3>Share this:</h3></div>"
                "<p>Subscribe to our newsletter</p>")
    removals = explain_item(item)
    assert [(r.kind, r.rule) for r in removals] == [
        ("share_social", "share-widgets"),
        ("call_to_action", "newsletter"),
    ]
    assert removals[0].text == "Share this:"
    assert removals[0].field == "content_html"
    line = str(removals[1])
    assert "call_to_action/newsletter" in line
    assert "Subscribe to our newsletter" in line
    report = format_removals(removals)
    assert report.splitlines()[0] == "* Ferry"
    assert len(report.splitlines()) == 3


def test_explain_items_matches_clean_batch_removals() -> None:
    items = [make(str(i), content_html=BODY + "<p>Read more</p>") for i in range(3)]
    assert explain_items(items) == list(clean_batch(items).removals)
    assert all(isinstance(r, Removal) for r in explain_items(items))


# ------------------------------------------------------------------- rules


def test_default_rules_cover_every_kind() -> None:
    grouped = DEFAULT_RULES.by_kind()
    assert list(grouped) == list(RULE_KINDS)
    assert all(grouped[k] for k in RULE_KINDS)
    langs = {r.lang for r in DEFAULT_RULES if r.kind == "navigation" and r.rel}
    assert {"en", "fr", "de", "es", "pt", "ru"} <= langs
    langs = {r.lang for r in DEFAULT_RULES if r.name.startswith("read-more-")}
    assert {"en", "fr", "de", "es", "pt", "ru"} <= langs


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="unknown rule kind"):
        Rule(kind="misc", name="x")
    with pytest.raises(ValueError, match="needs a name"):
        Rule(kind="call_to_action", name="")
    with pytest.raises(ValueError, match="duplicate"):
        RuleSet((Rule(kind="call_to_action", name="a"), Rule(kind="ads_trackers", name="a")))
    assert DEFAULT_RULES["appeared-first"].kind == "syndication_footer"
    with pytest.raises(KeyError):
        DEFAULT_RULES["no-such-rule"]


def test_custom_rule_extends_the_set() -> None:
    plug = Rule(kind="call_to_action", name="podcast-plug",
                phrases=("Listen on Spotify",), tokens=("pod-plug",))
    rules = DEFAULT_RULES.extend(plug)
    assert len(rules) == len(DEFAULT_RULES) + 1
    item = make(content_html=BODY + "<p>Listen on Spotify</p><aside class='pod-plug'>"
                "<a href='/p'>Our show</a></aside>")
    out = clean_item(item, rules=rules)
    assert "Listen on Spotify" not in (out.content_html or "")
    assert "Our show" not in (out.content_html or "")
    assert "Listen on Spotify" in (clean_item(item).content_html or "")
    # same name replaces
    assert len(rules.extend(replace(plug, phrases=("x",)))) == len(rules)


def test_without_and_only() -> None:
    item = make(content_html=BODY + "<div class='sharedaddy'><h3>Share this:</h3></div>")
    out = clean_item(item, rules=DEFAULT_RULES.without("share_social"))
    assert "Share this" in (out.content_html or "")
    only = DEFAULT_RULES.only("navigation")
    assert {r.kind for r in only} == {"navigation"}


def test_long_block_with_structural_class_is_kept() -> None:
    long_text = " ".join(["The harbour authority published its annual report today."] * 12)
    item = make(content_html=f"<div class='share'><p>{long_text}</p></div>")
    assert "annual report" in (clean_item(item).content_html or "")


def test_related_list_long_but_mostly_links_is_removed() -> None:
    links = "".join(f"<li><a href='/r{i}'>Another related headline, number {i}</a></li>"
                    for i in range(20))
    item = make(content_html=BODY + f"<div class='related-posts'><ul>{links}</ul></div>")
    out = clean_item(item)
    assert "related headline" not in (out.content_html or "")
    assert "ferry operator" in (out.content_html or "")


# -------------------------------------------------------------- navigation


def test_html_navigation_with_url_wins_over_plain_text_title() -> None:
    summary = ("<p>Body of the story in plain text form, long enough to be prose here.</p>"
               "<p>Previous Article</p><p>Old title from text</p>"
               "<p>Next Article</p><p>Next title from text</p>")
    content = (BODY + "<nav class='post-navigation'><div class='nav-previous'>"
               "<a href='https://coast.example/old'>Old title</a></div></nav>")
    out = clean_item(make(summary=summary, content_html=content))
    navs = {n.rel: n for n in out.navigation}
    assert navs["previous"].url == "https://coast.example/old"
    assert navs["previous"].title == "Old title"
    assert navs["next"] == NavLink(rel="next", url=None, title="Next title from text")


def test_existing_navigation_is_kept_and_merged() -> None:
    item = make(content_html=BODY + "<p>Next: <a href='https://coast.example/n'>Tides</a></p>",
                navigation=(NavLink("previous", "https://coast.example/p", "Earlier"),))
    out = clean_item(item)
    assert out.navigation == (
        NavLink("previous", "https://coast.example/p", "Earlier"),
        NavLink("next", "https://coast.example/n", "Tides"),
    )


def test_plain_text_field_without_markup_is_cleaned_as_lines() -> None:
    item = make(summary="Tides & storms: a < b\nShare this:\nRead more »", content_html=None)
    out = clean_item(item)
    assert out.summary == "Tides &amp; storms: a &lt; b"


def test_cleaning_is_idempotent() -> None:
    html = (DATA / "wordpress-item.html").read_text(encoding="utf-8")
    once = clean_item(make(content_html=html, title="Ferry keeps early sailing"))
    assert explain_item(once) == []
    assert clean_item(once) == once


def test_learned_accepts_plain_data_and_reports_it() -> None:
    learned = {"version": 1, "feeds": {"https://coast.example/feed": [
        {"key": "brought to you by the coast example desk", "support": 5, "total": 6}]}}
    item = make(content_html=BODY + "<p>Brought to you by the Coast Example desk.</p>")
    report = clean_batch([item], learned=learned)
    assert "Brought to you" not in (report.items[0].content_html or "")
    assert isinstance(report.learned, LearnedBoilerplate)
    assert report.removals[0].kind == "learned"


def test_inline_words_inside_sentences_are_kept() -> None:
    html = ("<p>The <b>Comments</b> section of the bylaw and the <em>Advertisement</em> "
            "clause were debated for hours by the council.</p>")
    assert clean_item(make(content_html=html)).content_html == html


def test_bare_single_word_label_does_not_take_a_plain_line() -> None:
    html = (BODY + "<p>Next</p><p>The second phase of the works</p>"
            "<p>Previous</p><p><a href='https://coast.example/p'>Quay works begin</a></p>")
    out = clean_item(make(content_html=html))
    text = html_to_text(out.content_html)
    assert "The second phase of the works" in text
    assert "Quay works begin" not in text
    assert out.navigation == (NavLink("previous", "https://coast.example/p", "Quay works begin"),)


def test_open_ended_read_more_link_inside_a_sentence_is_kept() -> None:
    html = ("<p>You can <a href='/git'>read more about how git works under the hood</a> in "
            "the second part of this series, published next week.</p>"
            "<p>The harbour reopened. <a href='/more'>Continue reading the harbour story</a></p>")
    out = html_to_text(clean_item(make(content_html=html)).content_html)
    assert "read more about how git works under the hood" in out
    assert "Continue reading" not in out


def test_tracking_pixels_dropped_by_the_chain_are_explained() -> None:
    html = (DATA / "feedburner-item.html").read_text(encoding="utf-8")
    removals = explain_item(make(content_html=html, link="https://sealwatch.example/p/"))
    rules = [(r.kind, r.rule) for r in removals]
    assert ("ads_trackers", "tracking-pixel") in rules
    assert ("ads_trackers", "feedflare") in rules
    assert ("comment_count", "comment-phrases") in rules
    assert any("google-analytics" in r.text for r in removals)


def test_wordpress_entry_meta_footer() -> None:
    html = BODY + ("<p>This entry was posted in Harbour News and tagged ferries. "
                   "Bookmark the permalink.</p><p><a href='/p'>∞ Permalink</a></p>")
    out = html_to_text(clean_item(make(content_html=html)).content_html)
    assert "Bookmark the permalink" not in out
    assert "Permalink" not in out
    assert "ferry operator" in out


def test_navigation_to_the_item_itself_keeps_no_url() -> None:
    html = BODY + ("<nav class='post-navigation'><a class='prev' href='#top'>Back to top</a>"
                   "<a class='next' href='https://coast.example/next'>Next story</a></nav>")
    out = clean_item(make(content_html=html, link="https://coast.example/ferry/"))
    navs = {n.rel: n for n in out.navigation}
    assert navs["previous"] == NavLink("previous", None, "Back to top")
    assert navs["next"].url == "https://coast.example/next"
