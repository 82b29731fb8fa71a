"""Table tests for every normalization rule in feedkit.normalize."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedkit.normalize import (
    IdParts,
    assign_item_ids,
    canonical_url,
    clean_title,
    fix_text,
    normalize_datetime,
    parse_date,
    stable_item_id,
)

UTC = timezone.utc
FEED = "https://feeds.example.com/feed.xml"


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        # host lower-cased, scheme lower-cased
        ("HTTPS://News.Example.ORG/a", None, "https://news.example.org/a"),
        # default ports dropped, other ports kept
        ("https://example.org:443/a", None, "https://example.org/a"),
        ("http://example.org:80/a", None, "http://example.org/a"),
        ("http://example.org:8080/a", None, "http://example.org:8080/a"),
        # fragment dropped
        ("https://example.org/a#comments", None, "https://example.org/a"),
        # tracking parameters removed, others kept in order
        ("https://example.org/a?utm_source=rss&id=7&utm_medium=x", None,
         "https://example.org/a?id=7"),
        ("https://example.org/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4", None,
         "https://example.org/a"),
        ("https://example.org/a?UTM_Campaign=x&q=1", None, "https://example.org/a?q=1"),
        ("https://example.org/a?q=utm_source", None, "https://example.org/a?q=utm_source"),
        # empty path becomes "/"
        ("https://example.org", None, "https://example.org/"),
        # relative URLs resolved against the base
        ("/news/1", "https://site.example.com/feed.xml", "https://site.example.com/news/1"),
        ("../b", "https://example.com/x/y/", "https://example.com/x/b"),
        ("//cdn.example.com/i.png", "https://example.com/", "https://cdn.example.com/i.png"),
        # relative without a base cannot be made absolute
        ("/news/1", None, None),
        # other schemes untouched, junk gives None
        ("mailto:a@example.org", None, "mailto:a@example.org"),
        ("tag:example.org,2026:1", None, "tag:example.org,2026:1"),
        ("", None, None),
        (None, None, None),
        ("http://[::1", None, None),
        ("https://example.org:99999/", None, None),
        # IPv6 host with port
        ("http://[2001:db8::1]:8080/a", None, "http://[2001:db8::1]:8080/a"),
    ],
)
def test_canonical_url(url: str | None, base: str | None, expected: str | None) -> None:
    assert canonical_url(url, base) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 23 Nov 2026 09:15:00 +0100", datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("Mon, 23 Nov 2026 09:15:00 GMT", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("Mon, 23 Nov 2026 09:15:00 EST", datetime(2026, 11, 23, 14, 15, tzinfo=UTC)),
        ("23 Nov 2026 09:15 -0000", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("Monday, 23 November 2026 09:15:00 +0000", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("Mon, 23 Nov 26 09:15:00 GMT", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("mer, 16 nov 2022 00:38:15 +0100", datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)),
        ("2026-11-23T08:15:00Z", datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("2026-11-23T08:15:00.123456+02:00", datetime(2026, 11, 23, 6, 15, 0, 123456, tzinfo=UTC)),
        ("2026-11-23T08:15:00-0530", datetime(2026, 11, 23, 13, 45, tzinfo=UTC)),
        ("2026-11-23 08:15:00", datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("2026-11-23T08:15", datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
        ("20261123T081500Z", datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("2026-03", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("03 Mar 2026", datetime(2026, 3, 3, tzinfo=UTC)),
        ("Tue, 03-Mar-2026 10:00:00 GMT", datetime(2026, 3, 3, 10, tzinfo=UTC)),
        ("Tue,03 Mar 2026 10:00:00 GMT", datetime(2026, 3, 3, 10, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 1:02:03 -0800", datetime(2026, 3, 3, 9, 2, 3, tzinfo=UTC)),
        ("Mon, 01 Jan 0001 00:00:00 +0000", datetime(1, 1, 1, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("2026-13-45T99:00:00Z", None),
        ("Mon, 32 Foo 2026", None),
        ("9" * 500, None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "now", "expected"),
    [
        (None, NOW, None),
        # naive means UTC
        (datetime(2026, 1, 1, 10), None, datetime(2026, 1, 1, 10, tzinfo=UTC)),
        # other zones converted
        (datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=2))), None,
         datetime(2026, 1, 1, 8, tzinfo=UTC)),
        # fractions of a second dropped
        (datetime(2026, 1, 1, 10, 0, 0, 999999, tzinfo=UTC), None,
         datetime(2026, 1, 1, 10, tzinfo=UTC)),
        # future beyond one day clamped to now; within a day kept
        (datetime(2027, 1, 1, tzinfo=UTC), NOW, NOW),
        (NOW + timedelta(hours=23), NOW, NOW + timedelta(hours=23)),
        # without now: no clamping (pure: the clock is never read)
        (datetime(2099, 1, 1, tzinfo=UTC), None, datetime(2099, 1, 1, tzinfo=UTC)),
        # placeholder dates (Go zero time) are no date
        (datetime(1, 1, 1, tzinfo=UTC), None, None),
        (datetime(1899, 12, 31, tzinfo=UTC), None, None),
    ],
)
def test_normalize_datetime(
    value: datetime | None, now: datetime | None, expected: datetime | None
) -> None:
    result = normalize_datetime(value, now=now)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC or result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("title", "markup", "expected"),
    [
        ("Tom &amp; Jerry", True, "Tom & Jerry"),
        ("Tom &amp;amp; Jerry", True, "Tom &amp; Jerry"),
        ("  Breaking:\n\t<b>news</b>  today ", True, "Breaking: news today"),
        ("a < b and c > d", True, "a < b and c > d"),
        ("&lt;script&gt; is text", True, "<script> is text"),
        ("Literal &amp; <tags>", False, "Literal &amp; <tags>"),
        ("   ", True, None),
        (None, True, None),
        ("x" * 5000, True, "x" * 1999 + "…"),
    ],
)
def test_clean_title(title: str | None, markup: bool, expected: str | None) -> None:
    assert clean_title(title, markup=markup) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain ascii", "plain ascii"),
        ("caf\u00c3\u00a9", "café"),  # UTF-8 read as Latin-1
        ("\x93quoted\x94", "“quoted”"),  # windows-1252 in C1 range
        ("already café — fine", "already café — fine"),
        ("naïve", "naïve"),
    ],
)
def test_fix_text(text: str, expected: str) -> None:
    assert fix_text(text) == expected


def test_stable_id_prefers_link_over_guid() -> None:
    a = stable_item_id(FEED, guid="old-scheme-1", link="https://ex.org/post?utm_source=x")
    b = stable_item_id(FEED, guid="https://ex.org/?p=1", link="https://EX.org/post#c")
    assert a == b  # a changed GUID scheme keeps the id
    assert a.startswith("fk1:")
    assert len(a) == 24


def test_stable_id_scoped_by_feed_and_falls_back() -> None:
    assert stable_item_id(FEED, link="https://ex.org/p") != stable_item_id(
        "https://other.example/feed", link="https://ex.org/p"
    )
    assert stable_item_id(FEED, guid="g1") == stable_item_id(FEED, guid=" g1 ")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert stable_item_id(FEED, title="T", published=when) != stable_item_id(FEED, title="T")


def test_assign_ids_reused_link_keeps_oldest_stable() -> None:
    old = IdParts("g1", "https://ex.org/live", "Old", datetime(2026, 1, 1, tzinfo=UTC))
    new = IdParts("g2", "https://ex.org/live", "New", datetime(2026, 2, 1, tzinfo=UTC))
    alone = assign_item_ids(FEED, [old])
    both = assign_item_ids(FEED, [new, old])  # newest first, as feeds list them
    assert both[1] == alone[0]  # the old item's id did not change
    assert both[0] != both[1]


def test_assign_ids_reused_guid_and_full_duplicates() -> None:
    parts = [
        IdParts("same", None, "A", None),
        IdParts("same", None, "B", None),
        IdParts("same", None, "B", None),
    ]
    ids = assign_item_ids(FEED, parts)
    assert len(set(ids)) == 3
    # deterministic
    assert ids == assign_item_ids(FEED, parts)


def test_assign_ids_without_collisions_equal_stable_item_id() -> None:
    parts = [IdParts("g", "https://ex.org/1", "T", None), IdParts(None, None, "T2", None)]
    ids = assign_item_ids(FEED, parts)
    assert ids[0] == stable_item_id(FEED, guid="g", link="https://ex.org/1")
    assert ids[1] == stable_item_id(FEED, title="T2")
