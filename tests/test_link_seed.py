"""The seed case of ../shared/data/seed/expected.json, linked end to end.

Skipped when ../shared/data is absent.  Two ways in: items built by hand from
what the seed feeds contain (always the linking step alone), and the real
pipeline (parse_feed + clean_items + link_items) over the seed feed files.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedkit.link import LinkResult, link_items
from feedkit.model import Item, NavLink
from feedkit.normalize import canonical_url

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SEED = SHARED / "seed"

pytestmark = pytest.mark.skipif(not SEED.is_dir(), reason="../shared/data/seed not present")

NEWS = "https://news.example.org/feed"
WIRE = "https://wire.example.com/feed/atom"


def _expected() -> dict[str, dict[str, object]]:
    data = json.loads((SEED / "expected.json").read_text(encoding="utf-8"))
    items: dict[str, dict[str, object]] = data["items"]
    return items


def _hand_built() -> list[Item]:
    """The five seed items as cleaning leaves them (abridged bodies)."""
    jnim_body = (
        "<p>Clad in a pale blue robe and a black turban, Iyad Ag Ghaly appears beside leaders "
        "from the eastern region. JNIM, the Islamic and Muslim Support Front, operates across "
        "the Sahel and the Gulf of Guinea under the flag of al Qaeda, with apparent support "
        "from Tuareg factions in the Menaka region.</p>"
        "<p>JNIM formed in 2017 uniting Ansar Dine, Al Qaeda in the Islamic Maghreb, Katiba "
        "Macina and Katiba Al Murabitun. It dominates sizable parts of northern Mali.</p>"
        "<h2>Extension of JNIM</h2><p>Borders linking Mali with Niger and Burkina Faso have "
        "facilitated its expansion toward the Gulf of Guinea, with Benin experiencing "
        "incidents.</p><h2>Dispute with the Islamic State</h2><p>In Burkina Faso as many as 20 "
        "militants were reported dead in clashes with the Islamic State.</p>"
    )
    wire_body = (
        "<p>Iyad Ag Ghaly, the leader of the al Qaeda-aligned JNIM coalition, was seen in a "
        "recent propaganda video near the border between Mali and Niger, apparently alongside "
        "Tuareg figures from the Menaka region.</p><p>JNIM was created in 2017 by merging Ansar "
        "Dine, Katiba Macina, Al Murabitun and the Sahel branch of Al Qaeda in the Islamic "
        "Maghreb.</p><p>The group is locked in a rivalry with the Islamic State in the Greater "
        "Sahara; one confrontation in Burkina Faso reportedly left about 20 fighters dead.</p>"
        "<p>Analysts warn the coalition is pushing toward the Gulf of Guinea, including "
        "Benin.</p>"
    )
    jnim_title = "JNIM and Iyad Ag Ghaly in the Sahel: Threats, Alliances, and Regional Impact"
    rustore = "https://news.example.org/tech/rustore-foreign-apps"
    zaluzhny = "https://news.example.org/world/zaluzhny-injury-claims"
    jnim = "https://news.example.org/world/jnim-iyad-ag-ghaly-sahel"
    when = datetime(2026, 11, 23, 8, 15, tzinfo=timezone.utc)
    return [
        Item(
            id="jnim",
            feed_url=NEWS,
            title=jnim_title,
            link=jnim,
            published=when,
            content_html=jnim_body,
            navigation=(
                NavLink("previous", rustore, "Foreign apps surface on RuStore"),
                NavLink("next", zaluzhny, "Zaluzhny Injury Claims Light Up Confusion"),
            ),
        ),
        Item(
            id="rustore",
            feed_url=NEWS,
            title="Foreign apps surface on RuStore through third-party sources",
            link=rustore,
            published=when.replace(hour=7),
            content_html="<p>Several foreign apps reappeared on RuStore, the Russian app "
            "store, distributed through third-party developer accounts.</p>",
            navigation=(
                NavLink("previous", "https://news.example.org/world/bamako-fuel-blockade", None),
                NavLink("next", jnim, jnim_title),
            ),
        ),
        Item(
            id="zaluzhny",
            feed_url=NEWS,
            title="Zaluzhny Injury Claims Light Up Confusion Amid Missile Attacks",
            link=zaluzhny,
            published=when.replace(hour=10),
            content_html="<p>Claims that Valerii Zaluzhny was injured spread online after "
            "missile attacks on Kyiv; officials denied them.</p>",
            navigation=(
                NavLink("previous", jnim, jnim_title),
                NavLink("next", "https://news.example.org/world/grain-corridor-talks", None),
            ),
        ),
        Item(
            id="wire-jnim",
            feed_url=WIRE,
            title="Sahel: JNIM leader reappears in video as rivalry with Islamic State grows",
            link="https://wire.example.com/2026/11/23/sahel-jnim-leader-video/?fbclid=IwAR0abc",
            published=when.replace(hour=11, minute=30),
            content_html=wire_body,
        ),
        Item(
            id="wire-rates",
            feed_url=WIRE,
            title="Central bank holds rates as inflation cools",
            link="https://wire.example.com/2026/11/23/rates-unchanged/",
            published=when.replace(hour=7),
            content_html="<p>The central bank held its benchmark rate unchanged on Monday, "
            "citing slower inflation and weaker credit growth.</p>",
        ),
    ]


def _check(items: list[Item], result: LinkResult) -> None:
    """Assert expected.json's navigation and same-story claims on a linked aggregate."""
    by_link = {canonical_url(it.link): it.id for it in items if it.link}
    story = result.story_of()
    nav = {(r.source_id, r.kind): r for r in result.relations if r.kind in ("previous", "next")}
    for link, exp in _expected().items():
        iid = by_link[link]
        nav_exp = exp.get("navigation") or {}
        assert isinstance(nav_exp, dict)
        for kind, target in nav_exp.items():
            rel = nav[(iid, kind)]
            assert rel.target == by_link[target], (link, kind)
            assert rel.reason == "navigation link resolved by canonical URL"
        same_exp = exp["same_story_as"]
        assert isinstance(same_exp, list)
        same = {by_link[x] for x in same_exp}
        for other in by_link.values():
            if other == iid:
                continue
            if other in same:
                assert story[other] == story[iid], (link, other)
            else:
                assert story[other] != story[iid], (link, other)
    # unresolved navigation targets stay external links
    externals = {r.target for r in result.relations if r.score == 0.0}
    assert "https://news.example.org/world/bamako-fuel-blockade" in externals
    assert "https://news.example.org/world/grain-corridor-talks" in externals


def test_seed_hand_built_items() -> None:
    items = _hand_built()
    res = link_items(items)
    _check(items, res)
    same = [r for r in res.relations if r.kind == "same_story"]
    assert len(same) == 1
    assert "JNIM" in same[0].reason
    assert len(res.duplicates) == 5


def test_seed_through_parse_and_clean() -> None:
    parse = pytest.importorskip("feedkit.parse")
    clean = pytest.importorskip("feedkit.clean")
    items: list[Item] = []
    for name, url in (("news-example.rss.xml", NEWS), ("wire-example.atom.xml", WIRE)):
        items.extend(parse.parse_feed((SEED / name).read_bytes(), url=url).items)
    items = list(clean.clean_items(items))
    if not any(it.navigation for it in items):
        pytest.skip("cleaning does not capture navigation links yet")
    _check(items, link_items(items))
