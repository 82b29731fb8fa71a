"""Linking: duplicate keys, near duplicates, stories, navigation, index."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone

import pytest

from feedkit.errors import StoreError
from feedkit.link import LinkIndex, LinkResult, link_items
from feedkit.link.dedupe import near_duplicate
from feedkit.link.text import (
    guid_key,
    html_to_text,
    sample_shingles,
    title_key,
    tokenize,
    url_key,
    words,
)
from feedkit.model import Item, NavLink

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

ARTICLE = (
    "<p>The port of Mombasa was closed on Monday after dockworkers walked out over unpaid "
    "wages, the Kenya Ports Authority said.</p>"
    "<p>Union leader Simon Sang told reporters the strike would continue until the "
    "authority paid three months of arrears to about 4,000 workers.</p>"
    "<p>Shipping lines diverted at least twelve vessels to Dar es Salaam, and importers warned "
    "of shortages of fuel and cooking oil within a week.</p>"
    "<p>The transport ministry called the strike illegal and said talks would resume on "
    "Wednesday in Nairobi.</p>"
)
OTHER_OUTLET = (
    "<p>Kenya's main seaport at Mombasa stood idle as the dockworkers' union led by Simon Sang "
    "pressed its demand for wage arrears from the Kenya Ports Authority.</p>"
    "<p>Ships were rerouted to Dar es Salaam in Tanzania.</p>"
)
UNRELATED = (
    "<p>The central bank kept its benchmark interest rate unchanged at 4.5 percent, citing "
    "slowing inflation and weak credit growth in the first quarter.</p>"
)


def item(iid: str, feed: str = "https://a.example/feed", **kw: object) -> Item:
    """Build an Item with a default date."""
    kw.setdefault("published", T0)
    return Item(id=iid, feed_url=feed, **kw)  # type: ignore[arg-type]


def groups_of(result: LinkResult) -> tuple[dict[str, str], dict[str, str]]:
    """(duplicate representative per item, story id per item)."""
    return result.duplicate_of(), result.story_of()


def relations(result: LinkResult, kind: str) -> list[tuple[str, str]]:
    """(source, target) pairs of one relation kind."""
    return [(r.source_id, r.target) for r in result.relations if r.kind == kind]


# --------------------------------------------------------------------- text
@pytest.mark.parametrize(
    "variant",
    [
        "https://news.example.com/world/story-1",
        "http://news.example.com/world/story-1",
        "https://www.news.example.com/world/story-1/",
        "https://news.example.com/world/story-1?utm_source=rss&utm_medium=feed",
        "https://news.example.com/world/story-1#comments",
        "https://news.example.com/world/story-1/amp",
        "https://news.example.com/world/story-1/amp/",
        "https://news.example.com/world/story-1?amp",
        "https://news.example.com/world/story-1?amp=1",
        "https://news.example.com/world/story-1?outputType=amp",
        "https://amp.news.example.com/world/story-1",
        "https://news.example.com/amp/world/story-1",
    ],
)
def test_url_key_folds_variants(variant: str) -> None:
    assert url_key(variant) == "news.example.com/world/story-1"


def test_url_key_amp_html_and_distinct_urls() -> None:
    assert url_key("https://x.example.org/a/b.amp.html") == url_key(
        "https://x.example.org/a/b.html"
    )
    assert url_key("https://x.example.org/a?id=1") != url_key("https://x.example.org/a?id=2")
    assert url_key("https://x.example.org/a?b=2&a=1") == url_key("https://x.example.org/a?a=1&b=2")
    # a home page identifies no article
    assert url_key("https://x.example.org/") is None
    assert url_key(None) is None
    assert url_key("") is None


def test_guid_key_scopes_short_guids_to_their_feed() -> None:
    assert guid_key("1234", "https://a/feed") != guid_key("1234", "https://b/feed")
    assert guid_key("tag:x.example,2026:post-1", "https://a/feed") == guid_key(
        "tag:x.example,2026:post-1", "https://b/feed"
    )
    assert guid_key("http://x.example/p/1/", "f") == guid_key("https://www.x.example/p/1", "g")
    assert guid_key("  ", "f") is None


def test_html_to_text_blocks_and_entities() -> None:
    text = html_to_text("<p>One &amp; two</p><script>x()</script><p>Three<br>four</p>")
    assert text == "One & two\nThree\nfour"
    assert html_to_text(None) == ""


def test_tokenize_entities_phrases_and_title_case() -> None:
    toks = tokenize("Clad in a robe, Iyad Ag Ghaly appears with JNIM fighters in 2017.")
    kinds = {t: k for t, k, _ in toks}
    assert kinds["iyad ag ghaly"] == 1  # phrase = entity
    assert kinds["jnim"] == 1
    assert kinds["2017"] == 1
    assert kinds["ghaly"] == 1
    assert kinds["robe"] == 0
    assert kinds["clad"] == 2  # sentence start: undecided
    assert "the" not in kinds
    assert "in" not in kinds
    # title case: capitals say nothing, no phrases
    head = {t: k for t, k, _ in tokenize("Lena Dunham Apologizes For Joke", title=True)}
    assert head == {"lena": 2, "dunham": 2, "apologizes": 2, "joke": 2}


def test_sample_shingles_containment_of_a_cut() -> None:
    full = words(html_to_text(ARTICLE))
    half = full[: len(full) // 2]
    a, b = set(sample_shingles(full)), set(sample_shingles(half))
    assert b
    assert b <= a
    verdict = near_duplicate(a, b)
    assert verdict is not None
    assert "containment" in verdict.reason
    assert near_duplicate(a, set(sample_shingles(words(UNRELATED)))) is None


def test_title_key() -> None:
    assert title_key("  JNIM &amp; the Sahel:  Threats! ") == "jnim the sahel threats"
    assert title_key(None) is None


# --------------------------------------------------------------- duplicates
def test_same_url_across_feeds_and_schemes_is_a_duplicate() -> None:
    items = [
        item("a", link="https://www.wire.example/2026/03/port-strike/?utm_source=x"),
        item("b", "https://b.example/feed", link="http://wire.example/2026/03/port-strike"),
        item("c", "https://c.example/feed", link="https://wire.example/2026/03/port-strike/amp"),
        item("d", link="https://wire.example/2026/03/other"),
    ]
    res = link_items(items)
    dup, _ = groups_of(res)
    assert dup["a"] == dup["b"] == dup["c"] == "a"
    assert dup["d"] == "d"
    rels = [r for r in res.relations if r.kind == "duplicate"]
    assert {(r.source_id, r.target) for r in rels} == {("b", "a"), ("c", "a")}
    assert all(r.reason == "same canonical URL" and r.score == 1.0 for r in rels)


def test_same_guid_and_same_content_are_duplicates() -> None:
    items = [
        item("a", guid="tag:wire.example,2026:9911", link="https://wire.example/p/1"),
        item(
            "b",
            "https://b.example/feed",
            guid="tag:wire.example,2026:9911",
            link="https://mirror.example/p/1",
        ),
        item("c", "https://c.example/feed", content_html=ARTICLE, link="https://c.example/x"),
        item(
            "d",
            "https://d.example/feed",
            content_html=ARTICLE,
            link="https://d.example/y",
            published=T0 + timedelta(days=30),
        ),
        # short GUIDs from different feeds are not global identities
        item("e", "https://e.example/feed", guid="17", title="Alpha"),
        item("f", "https://f.example/feed", guid="17", title="Beta"),
    ]
    res = link_items(items)
    dup, _ = groups_of(res)
    assert dup["b"] == "a"
    assert dup["d"] == "c"  # exact content: no time limit
    assert dup["e"] != dup["f"]
    reasons = {r.source_id: r.reason for r in res.relations if r.kind == "duplicate"}
    assert reasons == {"b": "same GUID", "d": "same normalized content"}


def test_near_duplicate_syndicated_copy_and_teaser() -> None:
    paras = ARTICLE.split("</p>")
    credit = "<p>By Wire Partner staff</p>" + ARTICLE.replace("week", "week.") + "<p>Read more.</p>"
    teaser = "</p>".join(paras[:2]) + "</p>"
    items = [
        item(
            "orig",
            title="Mombasa port shut by strike",
            link="https://wire.example/mombasa",
            content_html=ARTICLE,
        ),
        item(
            "copy",
            "https://partner.example/feed",
            title="Kenya: dockworkers strike",
            link="https://partner.example/news/mombasa-123",
            content_html=credit,
            published=T0 + timedelta(hours=3),
        ),
        item(
            "teaser",
            "https://digest.example/feed",
            title="Mombasa strike",
            link="https://digest.example/mombasa",
            summary=teaser,
            published=T0 + timedelta(hours=5),
        ),
        item(
            "other",
            "https://other.example/feed",
            title="Mombasa port idle",
            link="https://other.example/m",
            content_html=OTHER_OUTLET,
        ),
    ]
    res = link_items(items)
    dup, story = groups_of(res)
    assert dup["copy"] == dup["teaser"] == "orig"
    assert dup["other"] == "other"  # same event, different article
    reasons = {r.source_id: r.reason for r in res.relations if r.kind == "duplicate"}
    assert reasons["copy"].startswith("shingle Jaccard")
    assert reasons["teaser"].startswith("shingle containment")
    # duplicates always share a story
    assert story["orig"] == story["copy"] == story["teaser"]


def test_near_duplicates_only_within_the_window() -> None:
    edited = ARTICLE.replace("Monday", "Tuesday")
    items = [
        item("a", content_html=ARTICLE, link="https://a.example/1"),
        item(
            "b",
            "https://b.example/feed",
            content_html=edited,
            link="https://b.example/2",
            published=T0 + timedelta(days=10),
        ),
    ]
    dup, story = groups_of(link_items(items))
    assert dup["a"] != dup["b"]
    assert story["a"] != story["b"]
    dup, _ = groups_of(link_items(items, window=timedelta(days=30)))
    assert dup["b"] == "a"


def test_headline_only_duplicates_need_a_long_headline_and_another_feed() -> None:
    head = "ECB unlikely to end sterilisation of SMP purchases"
    items = [
        item("a", title=head, link="https://one.example/1"),
        item("b", "https://b.example/feed", title=head + " ", link="https://two.example/2"),
        item("c", title=head, link="https://one.example/3"),  # same feed: not merged by title
        item("d", "https://d.example/feed", title="Live updates", link="https://d.example/4"),
        item("e", "https://e.example/feed", title="Live updates", link="https://e.example/5"),
        # both have bodies that differ: the bodies decide
        item(
            "f",
            "https://f.example/feed",
            title=head,
            content_html=UNRELATED,
            link="https://f.example/6",
        ),
    ]
    res = link_items(items)
    dup, _ = groups_of(res)
    assert dup["b"] == dup["a"]
    assert dup["d"] != dup["e"]
    reasons = {r.source_id: r.reason for r in res.relations if r.kind == "duplicate"}
    assert reasons["b"] == "same headline (no body to compare)"


def test_every_item_in_exactly_one_group_even_minimal_items() -> None:
    items = [Item(id=f"i{n}", feed_url="f") for n in range(5)] + [Item(id="i0", feed_url="g")]
    res = link_items(items)
    for groups in (res.duplicates, res.stories):
        ids = [m for g in groups for m in g.item_ids]
        assert sorted(ids) == [f"i{n}" for n in range(5)]


# ------------------------------------------------------------------ stories
def port_story_items(c_at: datetime | None = None) -> list[Item]:
    """Two outlets on the Mombasa port strike ("a", "b") and an unrelated item ("c")."""
    return [
        item("a", title="Mombasa port shut as dockworkers strike", content_html=ARTICLE,
             link="https://a.example/1"),
        item("b", "https://b.example/feed", title="Kenya's Mombasa port idle over wage row",
             content_html=OTHER_OUTLET, link="https://b.example/2",
             published=T0 + timedelta(hours=6)),
        item("c", "https://c.example/feed", title="Central bank holds rates",
             content_html=UNRELATED, link="https://c.example/3",
             **({} if c_at is None else {"published": c_at})),
    ]


def test_two_outlets_on_one_event_share_a_story_unrelated_do_not() -> None:
    items = port_story_items()
    res = link_items(items)
    _, story = groups_of(res)
    assert story["a"] == story["b"] != story["c"]
    rel = [r for r in res.relations if r.kind == "same_story"]
    assert len(rel) == 1
    assert (rel[0].source_id, rel[0].target) == ("b", "a")
    assert rel[0].reason.startswith("shared terms: ")
    assert "Mombasa" in rel[0].reason
    assert 0.0 < rel[0].score <= 1.0


def _topic_items(prefix: str, words_: list[str], feed: str, n: int) -> list[Item]:
    """``n`` items on one topic: each uses four of the topic's six words."""
    out = []
    k = len(words_)
    for i in range(n):
        ws = [words_[(i + j) % k] for j in range(4)]
        out.append(
            item(
                f"{prefix}{i}",
                f"https://{feed}{i}.example/feed",
                title=f"{ws[0]} {ws[1]} {ws[2]}",
                summary=f"<p>{' '.join(ws)}.</p>",
                link=f"https://{feed}{i}.example/{prefix}{i}",
                published=T0 + timedelta(hours=i),
            )
        )
    return out


def test_no_single_link_chaining_through_a_bridge_item() -> None:
    x = ["Zanzibar", "Mombasa", "dockworkers", "strike", "harbour", "union"]
    y = ["Intel", "Arizona", "foundry", "wafer", "chipmaking", "subsidy"]
    xs = _topic_items("x", x, "fx", 4)
    ys = _topic_items("y", y, "fy", 4)
    bridge = item(
        "bridge",
        "https://bridge.example/feed",
        title="Mombasa dockworkers and Intel foundry",
        summary="<p>Zanzibar Mombasa dockworkers strike; Intel Arizona foundry wafer plans.</p>",
        link="https://bridge.example/b",
        published=T0 + timedelta(hours=10),
    )
    # single link would join everything through the bridge (it resembles both sides)
    res = link_items([*xs, *ys, bridge])
    _, story = groups_of(res)
    assert len({story[i.id] for i in xs}) == 1
    assert len({story[i.id] for i in ys}) == 1
    assert story["x0"] != story["y0"]
    # bridge first (the hardest order for a centroid method): still no chain
    early = item(
        "bridge",
        "https://bridge.example/feed",
        title=bridge.title,
        summary=bridge.summary,
        link=bridge.link,
        published=T0 - timedelta(hours=1),
    )
    _, story = groups_of(link_items([*xs, *ys, early]))
    assert story["x0"] != story["y0"]


def test_stories_respect_the_time_window() -> None:
    items = [
        item("a", title="Mombasa port strike", content_html=ARTICLE, link="https://a.example/1"),
        item(
            "b",
            "https://b.example/feed",
            title="Mombasa port strike again",
            content_html=OTHER_OUTLET,
            link="https://b.example/2",
            published=T0 + timedelta(days=9),
        ),
    ]
    _, story = groups_of(link_items(items))
    assert story["a"] != story["b"]
    _, story = groups_of(link_items(items, window=timedelta(days=14)))
    assert story["a"] == story["b"]


def test_story_threshold_validated() -> None:
    with pytest.raises(ValueError, match="story_threshold"):
        link_items([], story_threshold=0.0)
    with pytest.raises(ValueError, match="chunk_size"):
        link_items([], chunk_size=0)


# --------------------------------------------------------------- navigation
def test_navigation_resolves_by_url_then_title_else_external() -> None:
    items = [
        item("prev", title="Fuel convoys resume toward Bamako", link="https://n.example/bamako"),
        item("next", title="Grain corridor talks stall", link="https://n.example/grain"),
        item(
            "cur",
            title="Sahel security",
            link="https://n.example/sahel",
            navigation=(
                NavLink("previous", "https://www.n.example/bamako/?utm_source=nav", "Fuel"),
                NavLink("next", None, "Grain corridor talks stall"),
                NavLink("related", "https://elsewhere.example/piece", "Elsewhere"),
                NavLink("related", None, "A title nobody has"),
                NavLink("related", "https://n.example/sahel", "itself"),  # self: dropped
            ),
        ),
    ]
    res = link_items(items)
    got = {(r.kind, r.target): (r.score, r.reason) for r in res.relations if r.source_id == "cur"}
    assert got[("previous", "prev")] == (1.0, "navigation link resolved by canonical URL")
    assert got[("next", "next")] == (0.9, "navigation link resolved by title")
    assert got[("related", "https://elsewhere.example/piece")] == (
        0.0,
        "unresolved navigation link (external URL)",
    )
    assert got[("related", "A title nobody has")][1] == "unresolved navigation link (title only)"
    assert len(got) == 4


def test_unresolved_navigation_resolves_when_the_target_arrives_later() -> None:
    idx = LinkIndex()
    first = link_items(
        [
            item(
                "a",
                link="https://n.example/a",
                navigation=(NavLink("next", "https://n.example/b", "B"),),
            )
        ],
        index=idx,
    )
    assert relations(first, "next") == [("a", "https://n.example/b")]
    second = link_items(
        [item("b", link="https://n.example/b", published=T0 + timedelta(hours=1))], index=idx
    )
    assert relations(second, "next") == [("a", "b")]


# -------------------------------------------------------------- incremental
def test_incremental_batches_link_against_the_index() -> None:
    idx = LinkIndex()
    first = item(
        "a",
        title="Mombasa port shut as dockworkers strike",
        content_html=ARTICLE,
        link="https://a.example/1",
    )
    r1 = link_items([first], index=idx)
    assert r1.index is idx
    assert len(idx) == 1
    r2 = link_items(
        [
            item(
                "b",
                "https://b.example/feed",
                title="Kenya's Mombasa port idle over wage row",
                content_html=OTHER_OUTLET,
                link="https://b.example/2",
                published=T0 + timedelta(hours=6),
            ),
            item("a2", "https://c.example/feed", link="http://www.a.example/1/"),
        ],
        index=idx,
    )
    dup, story = groups_of(r2)
    assert dup["a2"] == "a"  # the old item is in the returned group
    assert story["b"] == story["a"] == story["a2"]
    assert {m for g in r2.stories for m in g.item_ids} == {"a", "a2", "b"}
    # an item already linked and re-sent unchanged is not linked again
    r3 = link_items([first], index=idx)
    assert r3.relations == []
    assert r3.relinked == ()
    assert len(idx) == 3


def test_index_round_trips_through_json() -> None:
    idx = LinkIndex(window=timedelta(days=2))
    link_items(
        [
            item(
                "a",
                title="Mombasa port shut as dockworkers strike",
                content_html=ARTICLE,
                link="https://a.example/1",
                navigation=(NavLink("next", "https://a.example/later", None),),
            ),
            item(
                "c",
                "https://c.example/feed",
                title="Central bank holds rates",
                content_html=UNRELATED,
                link="https://c.example/3",
            ),
        ],
        index=idx,
    )
    data = json.loads(json.dumps(idx.to_dict()))
    again = LinkIndex.from_dict(data)
    assert again.window == timedelta(days=2)
    assert json.loads(json.dumps(again.to_dict())) == data
    batch = [
        item(
            "b",
            "https://b.example/feed",
            title="Kenya's Mombasa port idle over wage row",
            content_html=OTHER_OUTLET,
            link="https://b.example/2",
            published=T0 + timedelta(hours=6),
        ),
        item("copy", "https://d.example/feed", content_html=ARTICLE, link="https://d.example/9"),
        item(
            "later",
            "https://a.example/feed",
            link="https://a.example/later",
            published=T0 + timedelta(hours=7),
        ),
    ]
    r_loaded = link_items(batch, index=again)
    r_live = link_items(batch, index=idx)
    assert r_loaded.duplicates == r_live.duplicates
    assert r_loaded.stories == r_live.stories
    assert r_loaded.relations == r_live.relations
    assert ("a", "later") in relations(r_loaded, "next")
    assert r_loaded.duplicate_of()["copy"] == "a"


# ------------------------------------------------ fast paths equal the plain ones
def test_single_pass_term_counting_and_sorted_tfidf_match_the_plain_functions() -> None:
    from feedkit.link import stories

    texts = [
        ("Mombasa Port Shut As Dockworkers Strike", ARTICLE),
        ("Kenya's Mombasa port idle over wage row", OTHER_OUTLET),
        ("central bank holds rates", UNRELATED),
        ("", "<p>NASA and the ESA said 42 probes; Iyad Ag Ghaly was seen. Ghaly left.</p>"),
    ]
    caps_a: dict[str, int] = {}
    caps_b: dict[str, int] = {}
    raws = []
    for title, body in texts:
        t_toks = tokenize(title, title=True)
        b_toks = tokenize(html_to_text(body))
        stories.count_capitals(t_toks, caps_a)
        stories.count_capitals(b_toks, caps_a)
        plain = stories.raw_terms(t_toks, b_toks)
        assert stories.count_terms(t_toks, b_toks, caps_b) == plain
        raws.append(plain[0])
    assert caps_a == caps_b
    assert list(caps_a) == list(caps_b)
    df: dict[str, int] = {}
    for raw in raws:
        for t in raw:
            df[t] = df.get(t, 0) + 1
    idf = stories.idf_table(df, df, len(raws))
    shared: dict[str, str] = {}
    for raw in raws:
        weights, undecided = stories.split_weights(raw)
        assert stories.split_weights(raw, shared=shared) == (weights, undecided)
        decided = stories.decide_weights(weights, undecided, caps_a)
        plain_w = stories.weigh_terms(raw, caps_a)
        assert decided == plain_w
        for top in (3, 32):
            fast = stories.tfidf_sorted(decided, idf, top=top)
            slow = stories.tfidf_vector(plain_w, df, len(raws), top=top, idf=idf)
            assert list(fast.items()) == list(slow.items())


def test_a_featurized_chunk_holds_each_term_once() -> None:
    # equal terms of different items are one object, so a chunk sent back
    # from a worker process pickles each term once
    import pickle

    from feedkit.link.linker import featurize_chunk

    batch = port_story_items()
    (_, _, _, weights, _, _), _, df, _ = featurize_chunk(batch, [0.0] * len(batch))
    common = set(weights[0]) & set(weights[1])
    assert "mombasa" in common
    for t in common:
        assert next(k for k in weights[0] if k == t) is next(k for k in weights[1] if k == t)
        assert next(k for k in df if k == t) is next(k for k in weights[0] if k == t)
    copied = [{"".join(k): v for k, v in w.items()} for w in weights]  # equal, not shared
    assert copied == weights
    assert len(pickle.dumps(weights)) < len(pickle.dumps(copied))


def test_stories_that_leave_the_window_mid_batch_keep_explained_links() -> None:
    # one batch spanning more than the window: the port story expires before
    # the batch ends, yet its relation and group still say why
    batch = port_story_items(c_at=T0 + timedelta(days=10))
    result = link_items(batch, window=timedelta(days=1))
    (rel,) = [r for r in result.relations if r.kind == "same_story"]
    assert (rel.source_id, rel.target) == ("b", "a")
    assert rel.score > 0.2
    assert rel.reason.startswith("shared terms: ")
    assert "Mombasa" in rel.reason
    (story,) = [g for g in result.stories if len(g.item_ids) > 1]
    assert story.reason.startswith("top terms: ")
    assert "Mombasa" in story.reason
    data = json.loads(json.dumps(result.index.to_dict()))
    again = LinkIndex.from_dict(data)
    assert again.stories[story.id].reason == story.reason
    assert not again.stories[story.id].centroid  # expired: only the reason is kept


# ----------------------------------------------------- updates and pruning
def test_an_updated_item_is_linked_again_and_its_links_replaced() -> None:
    idx = LinkIndex()
    first = port_story_items(c_at=T0 - timedelta(hours=1))
    r1 = link_items(first, index=idx)
    assert r1.story_of()["a"] == r1.story_of()["b"] != r1.story_of()["c"]
    # "a" is corrected: it now carries the central-bank text
    updated = item(
        "a",
        title="Central bank holds rates",
        content_html=UNRELATED,
        link="https://a.example/1",
        updated=T0 + timedelta(hours=8),
    )
    r2 = link_items([updated], index=idx)
    assert r2.relinked == ("a",)
    assert len(idx) == 3
    dup, story = groups_of(r2)
    assert dup["a"] == "c"  # same normalized content as "c" now
    assert story["a"] == story["c"]
    assert ("a", "c") in relations(r2, "duplicate")
    # "b" no longer shares a story with "a"
    assert idx.story_of["b"] != idx.story_of["a"]
    assert "a" not in idx.stories[idx.story_of["b"]].members
    # sending the updated version again changes nothing
    r3 = link_items([updated], index=idx)
    assert r3.relinked == ()
    assert r3.relations == []


def test_forget_hands_a_group_and_its_keys_to_the_earliest_member() -> None:
    idx = LinkIndex()
    link_items(
        [
            item("a", title="Mombasa port shut", content_html=ARTICLE, link="https://a.example/1"),
            item(
                "a2",
                "https://c.example/feed",
                link="http://www.a.example/1/",
                published=T0 + timedelta(hours=1),
            ),
            item(
                "a3",
                "https://d.example/feed",
                link="https://a.example/1?utm_source=x",
                published=T0 + timedelta(hours=2),
            ),
        ],
        index=idx,
    )
    assert idx.group_of("a3") == ["a", "a2", "a3"]
    assert idx.forget(["a", "nope"]) == 1
    assert "a" not in idx
    assert len(idx) == 2
    assert idx.group_of("a3") == ["a2", "a3"]
    assert idx.root("a3") == "a2"
    r = link_items(
        [
            item(
                "a4",
                "https://e.example/feed",
                link="https://a.example/1",
                published=T0 + timedelta(hours=3),
            )
        ],
        index=idx,
    )
    assert r.duplicate_of()["a4"] == "a2"
    # the story lost "a" but kept its other members
    story = idx.stories[idx.story_of["a2"]]
    assert "a" not in story.members
    assert {"a2", "a3", "a4"} <= set(story.members)


def test_retention_prunes_old_stories_and_keeps_the_index_bounded() -> None:
    idx = LinkIndex(window=timedelta(days=1), retention=timedelta(days=2))
    for day in range(10):
        link_items(
            [
                item(
                    f"d{day}",
                    title=f"Report {day}: " + " ".join(f"alpha{day}x{k}" for k in range(4)),
                    content_html="<p>" + " ".join(f"alpha{day}x{k}" for k in range(30)) + "</p>",
                    link=f"https://a.example/{day}",
                    published=T0 + timedelta(days=day),
                ),
                item(
                    f"u{day}",
                    "https://c.example/feed",
                    title=f"Notes {day}: " + " ".join(f"beta{day}x{k}" for k in range(4)),
                    content_html="<p>" + " ".join(f"beta{day}x{k}" for k in range(30)) + "</p>",
                    link=f"https://c.example/{day}",
                    published=T0 + timedelta(days=day, hours=1),
                ),
            ],
            index=idx,
        )
        assert len(idx) <= 8  # at most the last ~3 days of two items
        # the term statistics are bounded too: halved once the documents
        # counted reach twice the items kept (terms seen once drop out)
        assert idx.n_docs <= 2 * len(idx) + 2
    # about 62 new terms a day: ten days' worth would be over 600
    assert len(idx.df) < 5 * 62
    assert "alpha0x1" not in idx.df
    assert "alpha0x1" not in idx.caps
    assert "alpha9x1" in idx.df
    assert "d9" in idx
    assert "d0" not in idx
    assert "u0" not in idx
    assert all(m in idx.records for s in idx.stories.values() for m in s.members)
    assert not any(o not in idx.records for p in idx.postings.values() for o in p)
    assert set(idx.url_keys.values()) <= set(idx.records)
    data = json.loads(json.dumps(idx.to_dict()))
    again = LinkIndex.from_dict(data)
    assert again.retention == timedelta(days=2)
    assert json.loads(json.dumps(again.to_dict())) == data
    # an explicit prune
    assert idx.prune(float("inf")) == len(data["records"])
    assert len(idx) == 0
    assert not idx.stories
    assert not idx.postings


def test_version_1_index_data_still_loads() -> None:
    idx = LinkIndex()
    first = item(
        "a",
        title="Mombasa port shut as dockworkers strike",
        content_html=ARTICLE,
        link="https://a.example/1",
    )
    link_items([first], index=idx)
    data = json.loads(json.dumps(idx.to_dict()))
    assert data["version"] == 2
    data["version"] = 1
    del data["retention"]
    data["records"] = [row[:9] for row in data["records"]]
    data["stories"] = [row[:8] for row in data["stories"]]
    old = LinkIndex.from_dict(data)
    assert "a" in old
    assert old.retention is None
    # without a stored fingerprint a re-sent item counts as unchanged
    r = link_items([item("a", title="Something else", link="https://a.example/1")], index=old)
    assert r.relinked == ()
    assert r.relations == []
    bad = json.loads(json.dumps(idx.to_dict()))
    bad["records"][0].append("extra")
    with pytest.raises(StoreError):
        LinkIndex.from_dict(bad)


@pytest.mark.parametrize(
    "bad",
    [None, [], {"version": 99}, {"version": 1}, {"version": 1, "window": "x", "records": []}],
)
def test_from_dict_rejects_malformed_data(bad: object) -> None:
    with pytest.raises(StoreError):
        LinkIndex.from_dict(bad)


def test_window_and_story_span_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        LinkIndex(window=timedelta(0))
    with pytest.raises(ValueError, match="story_span"):
        LinkIndex(story_span=timedelta(0))


def test_chunked_batch_covers_every_item() -> None:
    items = [
        item(
            f"i{n}",
            f"https://f{n % 7}.example/feed",
            title=f"Story {n % 5} about Kenya port",
            link=f"https://f{n % 7}.example/{n}",
            published=T0 + timedelta(minutes=n),
        )
        for n in range(40)
    ]
    res = link_items(items, chunk_size=7)
    assert sorted(m for g in res.stories for m in g.item_ids) == sorted(i.id for i in items)
    assert sorted(m for g in res.duplicates for m in g.item_ids) == sorted(i.id for i in items)


def chunked_items(count: int) -> list[Item]:
    """Port-strike and foundry items a minute apart, some with a body, over five feeds."""
    return [
        item(
            f"i{n}",
            f"https://f{n % 5}.example/feed",
            title=f"Mombasa port strike day {n % 3}" if n % 2 else f"Intel foundry {n % 4}",
            content_html=ARTICLE if n % 7 == 0 else None,
            link=f"https://f{n % 5}.example/{n}",
            published=T0 + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def assert_same_links(one: LinkResult, two: LinkResult) -> None:
    """The two results group and relate the items identically."""
    assert one.duplicates == two.duplicates
    assert one.stories == two.stories
    assert one.relations == two.relations


@pytest.mark.parametrize("steal", [True, False])
def test_worker_processes_give_the_same_result(
    steal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # steal: the linking process featurizes later chunks whenever the next is
    # not ready; else it always waits for the workers.  Same result either way.
    from feedkit.link import linker

    monkeypatch.setattr(linker, "_wait_budget", lambda *a: 0.0 if steal else math.inf)
    items = chunked_items(30)
    one = link_items(items, chunk_size=8)
    two = link_items(items, chunk_size=8, workers=2)
    assert_same_links(one, two)
    with pytest.raises(ValueError, match="workers"):
        link_items(items, workers=0)


class _KillsItsWorker(Item):
    """An item whose unpickling ends the process that unpickles it (a worker)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[object, tuple[int]]:
        import os

        return os._exit, (3,)


def test_a_dead_worker_leaves_its_chunks_to_the_linking_process() -> None:
    items = chunked_items(40)
    one = link_items(items, chunk_size=8)
    # the second chunk (items 8 to 15) always goes to the worker
    victim = items[8]
    items[8] = _KillsItsWorker(
        id=victim.id, feed_url=victim.feed_url, title=victim.title, link=victim.link,
        published=victim.published,
    )
    two = link_items(items, chunk_size=8, workers=2)
    assert_same_links(one, two)


def test_linking_without_a_worker_that_can_start_links_in_this_process() -> None:
    from multiprocessing.context import SpawnContext, SpawnProcess

    class NoStart(SpawnProcess):
        def start(self) -> None:
            raise OSError(11, "Resource temporarily unavailable")

    class NoProcesses(SpawnContext):
        Process = NoStart  # type: ignore[assignment]

    items = chunked_items(30)
    one = link_items(items, chunk_size=8)
    two = link_items(items, chunk_size=8, workers=2, mp_context=NoProcesses())
    assert_same_links(one, two)


def test_linking_process_waits_for_the_workers_as_long_as_featurizing_costs() -> None:
    from feedkit.link.linker import _wait_budget

    assert _wait_budget(1.0, 0.0) == 1.0  # nothing waited yet: wait up to a chunk's cost
    assert _wait_budget(1.0, 0.75) == 0.25  # the rest of it
    assert _wait_budget(1.0, 1.5) == 0.0  # waited enough: featurize here now


def test_docs_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "linking.md"
    if not doc.is_file():
        pytest.skip("docs/linking.md not present")
    text = doc.read_text(encoding="utf-8")
    ns: dict[str, object] = {}
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        exec(block, ns)  # noqa: S102 - our own documentation examples
    out = capsys.readouterr().out
    expected = re.search(r"prints\n\n```text\n(.*?)```", text, re.S)
    assert expected is not None
    assert out.startswith(expected.group(1))


def test_by_weight_orders_heaviest_first_then_by_term() -> None:
    import random

    from feedkit.link.stories import by_weight

    rng = random.Random(3)
    for _ in range(200):
        pairs = {f"t{rng.randrange(50)}": float(rng.randrange(5)) for _ in range(rng.randrange(30))}
        expected = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        assert by_weight(pairs.items()) == expected


def test_story_core_follows_the_units_that_carry_each_term() -> None:
    idx = LinkIndex()
    idx.records.update({m: (m, "f", 0.0, None, None, 0, False, (), "") for m in "abc"})
    story = idx.new_story(["a"], {"port": 0.8, "strike": 0.6}, 0.0)
    assert story.core_terms() == {"port": 0.8, "strike": 0.6}  # one unit: all of it
    idx.add_to_story(story, ["b"], {"port": 0.6, "wages": 0.8}, 1.0)
    # two units: a core term must be carried by both
    assert story.core_terms() == {"port": pytest.approx(1.4)}
    assert story.core_norm() == pytest.approx(1.4)
    idx.add_to_story(story, ["c"], {"wages": 1.0}, 2.0)
    # three units: port (2 of 3) and wages (2 of 3) are core, strike (1 of 3) is not
    assert set(story.core_terms()) == {"port", "wages"}
    assert story.core_norm() == pytest.approx((1.4**2 + 1.8**2) ** 0.5)


def test_shared_terms_ranks_keys_by_their_best_contribution() -> None:
    import random

    from feedkit.link.stories import shared_terms

    def plain(a: dict[str, float], b: dict[str, float], limit: int) -> list[str]:
        # the definition: a phrase stands for its words; short words drop out
        contrib = {t: w * b[t] for t, w in a.items() if t in b}
        cover: dict[str, str] = {}
        for p in (t for t in contrib if " " in t):
            for w in p.split(" "):
                cover.setdefault(w, p)
        best: dict[str, float] = {}
        for t, c in contrib.items():
            key = cover.get(t, t)
            if key == t and " " not in t and len(t) < 3 and not t.isdigit():
                continue
            best[key] = max(best.get(key, 0.0), c)
        return [k for k, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    assert shared_terms(
        {"iyad ag ghaly": 0.5, "ghaly": 0.9, "menaka": 0.3, "ab": 0.9},
        {"iyad ag ghaly": 0.5, "ghaly": 0.9, "menaka": 0.5, "ab": 0.9},
        {"iyad ag ghaly": "Iyad Ag Ghaly", "menaka": "Menaka"},
    ) == ["Iyad Ag Ghaly", "Menaka"]  # "ghaly" counts for its phrase; "ab" is too short
    rng = random.Random(5)
    pool = ["ab", "x", "12", "iyad", "ag", "ghaly", "iyad ag ghaly", "port", "port strike", "7"]
    for _ in range(3000):
        a = {t: rng.randrange(1, 5) / 2 for t in rng.sample(pool, rng.randrange(len(pool)))}
        b = {t: float(rng.randrange(1, 5)) for t in rng.sample(pool, rng.randrange(len(pool)))}
        limit = rng.randrange(1, 6)
        assert shared_terms(a, b, {}, limit=limit) == plain(a, b, limit)
        assert shared_terms(a, a, {}, limit=limit) == plain(a, a, limit)


def test_halving_the_statistics_keeps_both_capitalization_counts_apart() -> None:
    from feedkit.link.stories import CAPS_SHIFT

    idx = LinkIndex()
    idx.n_docs = 9
    idx.df = {"port": 6, "menaka": 1, "strike": 3}
    idx.caps = {"menaka": 3 << CAPS_SHIFT | 1, "port": 5, "ghaly": 1 << CAPS_SHIFT}
    idx.halve_statistics()
    assert idx.n_docs == 4
    assert idx.df == {"port": 3, "strike": 1}  # seen once: dropped
    assert idx.caps == {"menaka": 1 << CAPS_SHIFT, "port": 2}


def daily_forecasts(days: int) -> list[Item]:
    """A look-alike item a day: the same town's weather, day after day."""
    sky = ["sunny", "cloudy", "rainy", "foggy", "windy"]
    return [
        item(
            f"wx{d}",
            "https://springfield.example/feed",
            title=f"Springfield weather: {sky[d % 5]} today, high {10 + d % 7}C",
            summary=f"<p>The Springfield forecast for today: {sky[d % 5]}, with a high of "
            f"{10 + d % 7} degrees and a low of {d % 4}. Wind from the west at {5 + d} km/h. "
            "Springfield weather service.</p>",
            link=f"https://springfield.example/weather/{d}",
            published=T0 + timedelta(days=d),
        )
        for d in range(days)
    ]


def story_days(result: LinkResult, items: list[Item]) -> list[list[int]]:
    """The days (from the wx ids) of each story, per story."""
    days: dict[str, list[int]] = {}
    for i in items:
        days.setdefault(result.story_of()[i.id], []).append(int(i.id[2:]))
    return list(days.values())


def test_a_look_alike_daily_series_does_not_chain_into_one_story() -> None:
    items = daily_forecasts(30)
    unbounded = story_days(link_items(items, index=LinkIndex(story_span=None)), items)
    assert max(max(d) - min(d) for d in unbounded) > 20  # chained day after day
    bounded = story_days(link_items(items), items)  # default: at most 7 days
    assert all(max(d) - min(d) <= 7 for d in bounded)
    assert max(len(d) for d in bounded) >= 5  # days close together still link
    # a span shorter than the window counts as the window (3 days)
    short = story_days(link_items(items, index=LinkIndex(story_span=timedelta(hours=1))), items)
    assert all(max(d) - min(d) <= 3 for d in short)
    assert max(len(d) for d in short) > 1


def test_the_story_span_is_kept_with_the_index() -> None:
    for span in (timedelta(days=2), None):
        idx = LinkIndex(story_span=span)
        link_items(daily_forecasts(3), index=idx)
        data = json.loads(json.dumps(idx.to_dict()))
        assert LinkIndex.from_dict(data).story_span == span
    del data["story_span"]  # written before the option existed
    assert LinkIndex.from_dict(data).story_span == timedelta(days=7)


def test_near_duplicates_of_a_daily_template_do_not_chain_for_ever() -> None:
    # the same template filled in day after day: near duplicates of the day
    # before (shared passages), linked pair by pair within the window
    items = [
        item(
            f"wx{d}",
            "https://town.example/feed",
            title=f"Town weather: {'sunny' if d % 2 else 'rain'} today, high {10 + d % 7}C",
            summary=f"<p>The town forecast for today: high of {10 + d % 7} degrees, "
            f"wind from the west at {5 + d} km/h. Town weather service.</p>",
            published=T0 + timedelta(days=d),
        )
        for d in range(30)
    ]
    unbounded = link_items(items, index=LinkIndex(story_span=None))
    assert max(len(g.item_ids) for g in unbounded.duplicates) == 30
    bounded = link_items(items)
    groups = [sorted(int(i[2:]) for i in g.item_ids) for g in bounded.duplicates]
    assert all(g[-1] - g[0] <= 7 for g in groups)
    assert max(len(g) for g in groups) >= 5  # neighbours are still near duplicates
    assert all(r.kind != "duplicate" or "shingle" in r.reason for r in bounded.relations)


def test_lower_case_letters_with_diacritics_start_no_name() -> None:
    # "č" lies in the Latin Extended-A block next to its capital: "V čínskej"
    # and "Slovensko čaká" are not names, "Ľudovít Štúr" and "Ján Žiak" are
    text = "V čínskej vláde hovoril Ján Žiak, že Slovensko čaká na Ľudovít Štúr."
    phrases = [surface for term, _, surface in tokenize(text) if " " in term]
    assert phrases == ["Ján Žiak", "Ľudovít Štúr"]


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_the_linked_items_chunk_by_chunk(workers: int) -> None:
    items = chunked_items(30)
    calls: list[tuple[int, int]] = []
    link_items(items, chunk_size=8, workers=workers, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(8, 30), (16, 30), (24, 30), (30, 30)]
