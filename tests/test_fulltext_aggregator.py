"""Teaser upgrade wired through the Aggregator and `feedkit aggregate --fulltext`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedkit import Aggregator
from feedkit.cli import main

PARAS = [
    "The harbor authority opened the new north quay on Monday after three years of works, "
    "adding four berths for container ships and a rail siding that runs to the freight yard.",
    "Pilots will guide the first vessels in on Wednesday. The authority expects traffic to grow "
    "by a fifth next year, mostly from feeder services to the Baltic ports.",
    "Residents of the Skerry district had opposed night work on the quay; the authority agreed "
    "to stop loading between midnight and five in the morning for the first six months.",
    "The quay cost 140 million euros, a third of it paid by a European infrastructure fund, "
    "and was finished two months ahead of schedule despite the winter storms.",
]
ARTICLE = (
    "<html><head><title>North quay opens | Port News</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/ports'>Ports</a> <a href='/about'>About</a></nav>"
    "<article><h1>North quay opens</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"
    "<aside class='related'><h3>Related</h3><ul><li><a href='/x'>Ferry fares rise</a></li></ul>"
    "</aside><footer>© Port News</footer></body></html>"
)
TEASER = PARAS[0][:120] + "…"


def _feed(base: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Port News</title>'
        f"<link>{base}/</link><description>d</description>"
        f"<item><title>North quay opens</title><link>{base}/quay</link>"
        f"<guid>{base}/quay</guid><description>{TEASER}</description></item>"
        f"<item><title>Missing page</title><link>{base}/missing</link>"
        f"<guid>{base}/missing</guid><description>A short teaser that stays.</description></item>"
        "</channel></rss>"
    )


@pytest.fixture
def port_news(httpserver: HTTPServer) -> str:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        _feed(base), content_type="application/rss+xml")
    httpserver.expect_request("/quay").respond_with_data(ARTICLE, content_type="text/html")
    httpserver.expect_request("/missing").respond_with_data(
        "<html><body><h1>404 Page not found</h1></body></html>", status=404)
    return base


def test_aggregator_upgrades_teasers_and_keeps_the_rest(port_news: str) -> None:
    agg = Aggregator([f"{port_news}/feed.xml"], fulltext=True, link=False)
    assert all(r.ok for r in agg.update())
    by_title = {it.title: it for it in agg.items()}
    quay = by_title["North quay opens"].content_html or ""
    for para in PARAS:
        assert para in quay
    assert "Ferry fares rise" not in quay
    assert "Home" not in quay
    missing = by_title["Missing page"]
    assert "404" not in (missing.content_html or "") + (missing.summary or "")
    assert "A short teaser that stays." in (missing.content_html or "") + (missing.summary or "")


def test_fulltext_is_off_by_default(port_news: str) -> None:
    agg = Aggregator([f"{port_news}/feed.xml"], link=False)
    list(agg.update())
    quay = next(it for it in agg.items() if it.title == "North quay opens")
    assert PARAS[3] not in (quay.content_html or "") + (quay.summary or "")


def test_cli_fulltext_flag(port_news: str, tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    assert main(["aggregate", f"{port_news}/feed.xml", "-o", str(out), "--format", "json",
                 "--fulltext"]) == 0
    items = {it["title"]: it for it in json.loads(out.read_text())["items"]}
    assert PARAS[3] in items["North quay opens"]["content_html"]
