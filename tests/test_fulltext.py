"""Main-content extraction: body found, furniture gone, metadata, encodings, hostile input."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedkit.clean.fulltext import (
    Article,
    decode_html,
    extract_article,
    parse_date,
    repair_mojibake,
)

DATA = Path(__file__).parent / "data" / "fulltext"
URL = "https://courier.example/news/2024/03/mill"


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def news() -> Article:
    return extract_article(page("news_article.html"), URL)


# ------------------------------------------------------------------ main content

@pytest.mark.parametrize(
    "kept",
    [
        "Residents of Saltmarsh voted by a wide margin on Tuesday",
        "community share offer that opened the same evening",
        "Two centuries of milling",  # a heading inside the article
        "we nearly lost it twice",  # blockquote
        "repairing the wheel and the two pairs of millstones",  # list item
        "Not everyone is convinced.",
        "public consultation on the museum's opening hours",  # last paragraph
    ],
)
def test_article_body_is_found(news: Article, kept: str) -> None:
    assert kept in news.text


@pytest.mark.parametrize(
    "gone",
    [
        "We use cookies",  # cookie banner
        "Sport",  # site navigation
        "Home",  # breadcrumbs
        "Share on Facebook",  # share widget
        "Advertisement",  # ad slot
        "Photo: Courier archive",  # caption / credit
        "Read more",  # inline cross-link
        "Survey finds sluice gate",
        "Tags:",
        "covers local government",  # author bio
        "Sign up for our free daily newsletter",
        "Ferry timetable changes",  # related stories
        "My grandfather worked at that mill",  # comments
        "Most read",  # sidebar
        "independent newspaper published in Saltmarsh",  # sidebar prose
        "All rights reserved",  # site footer
        "By Maren Holt",  # byline
    ],
)
def test_boilerplate_is_absent(news: Article, gone: str) -> None:
    assert gone not in news.text
    assert gone not in news.html


def test_text_has_no_title_and_blank_line_paragraphs(news: Article) -> None:
    assert not news.text.startswith("Harbour town votes")
    assert news.text.startswith("Residents of Saltmarsh")
    paragraphs = news.text.split("\n\n")
    assert "Two centuries of milling" in paragraphs  # heading on its own line
    assert all(p == p.strip() for p in paragraphs)
    assert all(paragraphs)


def test_html_is_sanitized_main_content(news: Article) -> None:
    assert "<p>" in news.html
    assert "<blockquote>" in news.html
    assert "<li>" in news.html
    assert "Two centuries of milling</h2>" in news.html
    assert "<script" not in news.html
    assert "<form" not in news.html


def test_html_links_are_absolute_and_scripts_gone() -> None:
    prose = "The river rose again overnight and the town braced for another flood. " * 3
    html = (
        f"<html><body><article><p>{prose}<a href='/maps/river'>river map</a>.</p>"
        f"<p onclick='steal()'>{prose}<img src='../img/levels.png' alt='levels'></p>"
        "<script>alert(1)</script></article></body></html>"
    )
    art = extract_article(html, "https://town.example/news/flood")
    assert 'href="https://town.example/maps/river"' in art.html
    assert 'src="https://town.example/img/levels.png"' in art.html
    assert "onclick" not in art.html
    assert "alert" not in art.html


def test_article_is_frozen(news: Article) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        news.text = "x"  # type: ignore[misc]


def test_body_split_around_a_promo_stays_whole() -> None:
    art = extract_article(page("split_body.html"))
    assert "approved its annual budget" in art.text
    assert "pothole repairs" in art.text
    assert "Subscribe for unlimited access" not in art.text
    assert "Five things to know" not in art.text


def test_teaser_cards_and_headline_inside_the_container_are_dropped() -> None:
    story = "".join(
        f"<p>Paragraph {i} says the ferry will run twice a day from May, weather permitting, "
        "and that tickets can be bought on board or at the harbour office.</p>"
        for i in range(6)
    )
    cards = "".join(
        f"<div class='c{i % 2}'><a href='/s/{i}'>Another story number {i} with a headline</a>"
        "<span>A short blurb about that other story.</span></div>"
        for i in range(4)
    )
    html = (
        "<html><head><title>Site</title></head><body><div class='wrap'>"
        f"<h1>Ferry returns to the island</h1>{story}<div class='grid'>{cards}</div>"
        "</div></body></html>"
    )
    art = extract_article(html)
    assert art.text.startswith("Paragraph 0 says")
    assert "Paragraph 5 says" in art.text
    assert "Another story" not in art.text
    assert "Ferry returns" not in art.text


def test_self_linked_headings_stay_and_furniture_headings_go() -> None:
    para = "<p>" + "Each stage of the restoration is explained here in some detail. " * 3 + "</p>"
    html = (
        "<html><body><article>"
        f"{para}<h2 id='sluice'><a href='#sluice'>Rebuilding the sluice gate</a></h2>{para}"
        f"<h3>Related stories</h3>{para}"
        "</article></body></html>"
    )
    text = extract_article(html).text
    assert "Rebuilding the sluice gate" in text.split("\n\n")
    assert "Related stories" not in text


def test_byline_goes_but_a_sentence_starting_with_by_stays() -> None:
    para = "<div>" + "The mill will grind flour for the bakery on the quay again. " * 3 + "</div>"
    html = (
        "<html><body><article><div>By Jo Marsh and Ann Lee | Reuters</div>"
        "<div>By the end of the year, the mill will be open.</div>"
        f"{para}{para}</article></body></html>"
    )
    text = extract_article(html).text
    assert "Jo Marsh" not in text
    assert text.startswith("By the end of the year, the mill will be open.")


def test_text_with_br_paragraphs_and_no_p_tags() -> None:
    art = extract_article(page("blog_meta_only.html"), "https://bread.example/posts/hydration")
    paragraphs = art.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Hydration is the ratio")
    assert "Recipes" not in art.text
    assert "Powered by" not in art.text


# ---------------------------------------------------------------------- metadata

def test_metadata_from_json_ld_and_open_graph(news: Article) -> None:
    assert news.title == "Harbour town votes to rebuild its tidal mill"
    assert news.author == "Maren Holt, Idris Vale"
    assert news.published == datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert news.image == "https://courier.example/media/2024/mill-wheel.jpg"


def test_metadata_from_meta_tags_only() -> None:
    art = extract_article(page("blog_meta_only.html"), "https://bread.example/posts/hydration")
    assert art.title == "Notes on sourdough hydration"  # site suffix dropped
    assert art.author == "Tove Lind"
    assert art.published == datetime(2023, 11, 2, 23, 45, tzinfo=timezone.utc)
    assert art.published is not None
    assert art.published.tzinfo is timezone.utc
    assert art.image == "https://bread.example/posts/images/loaf.jpg"


@pytest.mark.parametrize(
    ("og_title", "expected"),
    [
        ("Mill vote passes | The Courier", "Mill vote passes"),
        ("Mill vote passes - The Courier", "Mill vote passes"),
        ("Why I read The Courier", "Why I read The Courier"),
        ("The Courier", "The Courier"),
    ],
)
def test_site_name_suffix_is_dropped_from_the_title(og_title: str, expected: str) -> None:
    html = (
        f'<meta property="og:title" content="{og_title}">'
        '<meta property="og:site_name" content="The Courier"><p>Text.</p>'
    )
    assert extract_article(html).title == expected


def test_metadata_from_visible_byline_and_date() -> None:
    html = (
        "<html><head><meta name='twitter:creator' content='@courier'></head><body>"
        "<div class='post-header'><span class='byline'>By Jo Marsh</span>"
        "<span>Posted on March 7, 2024</span></div><article><p>"
        + "The tide mill reopened to visitors on Saturday morning. " * 4
        + "</p></article></body></html>"
    )
    art = extract_article(html)
    assert art.author == "Jo Marsh"
    assert art.published == datetime(2024, 3, 7, tzinfo=timezone.utc)
    assert "Jo Marsh" not in art.text


def test_date_from_script_json_and_microdata() -> None:
    body = "<p>" + "A paragraph of the story that is long enough to count. " * 3 + "</p>"
    script = '<script>window.__DATA__={"publishedDate":"2019-08-16T10:00:00.000Z"}</script>'
    art = extract_article(f"<html><head>{script}</head><body>{body}</body></html>")
    assert art.published == datetime(2019, 8, 16, 10, tzinfo=timezone.utc)
    micro = '<span itemprop="datePublished" content="2021-01-02">2 Jan</span>'
    art = extract_article(f"<html><body>{micro}{body}</body></html>")
    assert art.published == datetime(2021, 1, 2, tzinfo=timezone.utc)


def test_metadata_absent_gives_none() -> None:
    art = extract_article("<html><body><p>" + "Plain words here. " * 10 + "</p></body></html>")
    assert (art.title, art.author, art.published, art.image) == (None, None, None, None)
    assert art.text.startswith("Plain words here.")


def test_json_ld_article_body_used_when_markup_is_empty() -> None:
    body = "First paragraph of the story, told at some length to pass the bar. " * 9
    html = (
        '<html><head><script type="application/ld+json">'
        '{"@type": "NewsArticle", "headline": "H", "articleBody": "'
        + body + "\\n\\nSecond paragraph, also long enough to count as real text here."
        + '"}</script></head><body><div id="app">Loading…</div></body></html>'
    )
    art = extract_article(html)
    assert art.text.startswith("First paragraph of the story")
    assert "Second paragraph" in art.text
    assert "<p>Second paragraph" in art.html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05T09:30:00+01:00", datetime(2024, 3, 5, 8, 30, tzinfo=timezone.utc)),
        ("2024-03-05T09:30:00Z", datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)),
        ("2024-03-05 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=timezone.utc)),
        ("2024-03-05T09:30:00.123-0500", datetime(2024, 3, 5, 14, 30, tzinfo=timezone.utc)),
        ("Tue, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)),
        ("yesterday", None),
        ("2024-13-45", None),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


# ---------------------------------------------------------------------- encoding

ARTICLE_TEXT = (
    "Le café de la gare a rouvert ses portes après des travaux qui ont duré un été entier."
)


def _page_bytes(head: str, encoding: str) -> bytes:
    html = f"<html><head>{head}</head><body><article><p>{ARTICLE_TEXT}</p>" \
           f"<p>{ARTICLE_TEXT}</p></article></body></html>"
    return html.encode(encoding)


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (_page_bytes('<meta charset="windows-1252">', "cp1252"), "meta charset"),
        (_page_bytes('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
                     "cp1252"), "http-equiv latin-1"),
        (_page_bytes("", "utf-8"), "no declaration, utf-8"),
        (b"\xef\xbb\xbf" + _page_bytes("", "utf-8"), "utf-8 BOM"),
        (b"\xff\xfe" + _page_bytes("", "utf-16-le"), "utf-16 BOM"),
        (b'<?xml version="1.0" encoding="iso-8859-15"?>'
         + _page_bytes("", "iso-8859-15"), "xml declaration"),
    ],
)
def test_bytes_encoding_is_detected(data: bytes, label: str) -> None:
    art = extract_article(data)
    assert ARTICLE_TEXT in art.text, label


def test_wrong_bytes_fall_back_to_utf8_with_replacement() -> None:
    data = _page_bytes('<meta charset="no-such-charset">', "cp1252")
    text = decode_html(data)
    assert "\ufffd" in text
    assert "Le caf" in text
    assert "rouvert ses portes" in extract_article(data).text


@pytest.mark.parametrize(
    ("mangled", "fixed"),
    [
        ("Itâ€™s the millâ€™s â€œlast chanceâ€\x9d", "It’s the mill’s “last chance”"),
        ("Ã‰tÃ© Ã\xa0 la cafÃ©", "Été à la café"),
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€", "Привет мир"),
    ],
)
def test_double_encoded_utf8_is_repaired(mangled: str, fixed: str) -> None:
    assert repair_mojibake(mangled) == fixed
    page = f"<html><body><article><p>{mangled} {ARTICLE_TEXT}</p></article></body></html>"
    assert extract_article(page).text.startswith(fixed)


@pytest.mark.parametrize(
    "genuine",
    [
        "Le café crème à la française. Ça va ? Ö« ß» É\xa0 Ö« ß» É\xa0",
        "One â€™ alone is left as it is.",
        "Straße, Ærø, Ðorðe, Ñandú, Ãgua, Âge, Åland.",
    ],
)
def test_genuine_latin1_text_is_left_alone(genuine: str) -> None:
    assert repair_mojibake(genuine) == genuine


def test_str_with_xml_declaration_is_accepted() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>' + ARTICLE_TEXT
    html += "</p></body></html>"
    assert extract_article(html).text == ARTICLE_TEXT


# ------------------------------------------------------------------ hostile input

@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        "   ",
        "<html><head><title>x</title></head></html>",
        "<frameset><frame src='a'></frameset>",
        "\x00\x01\x02 binary \x00",
        bytes(range(256)) * 50,
        "<p>unclosed <b><i><div>",
        '<script type="application/ld+json">' + "[" * 50_000 + "</script><p>x</p>",
        '<script type="application/ld+json">{"@type": "Article", "author": '
        + "[" * 900 + "]" * 900 + "}</script>",
    ],
)
def test_degenerate_pages_give_an_article(html: str | bytes) -> None:
    art = extract_article(html)
    assert isinstance(art, Article)
    assert isinstance(art.text, str)
    assert isinstance(art.html, str)


def test_huge_nesting_is_bounded() -> None:
    html = "<html><body>" + "<div>" * 100_000 + "deep text " * 20 + "</div>" * 100_000
    start = time.perf_counter()
    art = extract_article(html)
    assert isinstance(art, Article)
    assert time.perf_counter() - start < 30  # generous: it takes milliseconds


def test_ten_megabyte_page_is_bounded() -> None:
    para = "<p>" + "A sentence that goes on for a while, as sentences do. " * 8 + "</p>"
    html = "<html><body><nav><a href='/'>Home</a></nav><article>"
    html += para * 23_000 + "</article>"
    assert len(html) > 10_000_000
    start = time.perf_counter()
    art = extract_article(html.encode())
    assert time.perf_counter() - start < 60  # generous: a few seconds at most
    assert art.text.startswith("A sentence that goes on")
    assert "Home" not in art.text[:100]
