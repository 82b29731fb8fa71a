"""The scheduler's pure decisions: freshness, backoff with jitter, Retry-After, parking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedkit.errors import ConnectionFailed, GoneError, HTTPStatusError, RetryLater
from feedkit.schedule import (
    SchedulePolicy,
    after_error,
    after_success,
    backoff_delay,
    due_sources,
    freshness_interval,
    http_freshness,
    is_due,
    parse_retry_after,
)
from feedkit.store import SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
OPEN = SchedulePolicy(min_interval=timedelta(0), max_interval=timedelta(days=30))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Cache-Control": "public, max-age=600"}, timedelta(minutes=10)),
        ({"cache-control": "max-age=600", "age": "100"}, timedelta(seconds=500)),
        ({"Cache-Control": "no-cache"}, timedelta(0)),
        ({"Cache-Control": "max-age=60", "Expires": "Sun, 01 Mar 2026 13:00:00 GMT"},
         timedelta(minutes=1)),
        ({"Expires": "Sun, 01 Mar 2026 13:00:00 GMT"}, timedelta(hours=1)),
        ({"Expires": "Sun, 01 Mar 2026 13:00:00 GMT", "Date": "Sun, 01 Mar 2026 12:30:00 GMT"},
         timedelta(minutes=30)),
        ({"Expires": "0"}, timedelta(0)),
        ({"Content-Type": "text/xml"}, None),
    ],
)
def test_http_freshness(headers: dict[str, str], expected: timedelta | None) -> None:
    assert http_freshness(headers, now=NOW) == expected


def test_freshness_interval_takes_longest_hint_and_clamps() -> None:
    headers = {"Cache-Control": "max-age=600"}
    assert freshness_interval(headers, ttl_minutes=30, now=NOW, policy=OPEN) == timedelta(
        minutes=30
    )
    assert freshness_interval(headers, now=NOW, policy=OPEN) == timedelta(minutes=10)
    assert freshness_interval({}, now=NOW, policy=OPEN) == OPEN.default_interval
    default = SchedulePolicy()
    assert freshness_interval({"Cache-Control": "max-age=1"}, now=NOW) == default.min_interval
    assert freshness_interval({}, ttl_minutes=10**6, now=NOW) == default.max_interval


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (30, 30.0), ("Sun, 01 Mar 2026 12:05:00 GMT", 300.0),
     ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0), ("soon", None), (None, None)],
)
def test_parse_retry_after(value: str | int | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_backoff_grows_exponentially_with_jitter_up_to_cap() -> None:
    policy = SchedulePolicy(error_base=timedelta(minutes=1), error_cap=timedelta(hours=1),
                            jitter=0.2)
    mid = [backoff_delay(n, policy=policy, rand=0.5) for n in range(1, 9)]
    assert mid[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert mid[-1] == timedelta(hours=1)  # capped
    assert backoff_delay(2, policy=policy, rand=0.0) == timedelta(minutes=1.6)
    assert backoff_delay(2, policy=policy, rand=0.999) > timedelta(minutes=2.39)
    assert backoff_delay(50, policy=policy, rand=0.999) == timedelta(hours=1)  # never above cap
    spread = {backoff_delay(3, policy=policy) for _ in range(20)}
    assert len(spread) > 1  # real jitter when no rand is given
    assert all(timedelta(minutes=3.2) <= d <= timedelta(minutes=4.8) for d in spread)


def test_after_success_resets_errors_and_keeps_validators() -> None:
    failing = SourceState(url="u", etag='"e"', error_count=4, last_error="boom", next_due=NOW)
    ok = after_success(failing, now=NOW, status=304, headers={"Cache-Control": "max-age=900"},
                       policy=OPEN)
    assert ok.error_count == 0
    assert ok.last_error is None
    assert ok.etag == '"e"'  # a 304 without validators keeps the old ones
    assert ok.last_status == 304
    assert ok.next_due == NOW + timedelta(minutes=15)
    fresh = after_success(ok, now=NOW, etag='"f"', last_modified="x", ttl_minutes=60, policy=OPEN)
    assert (fresh.etag, fresh.last_modified) == ('"f"', "x")
    assert fresh.next_due == NOW + timedelta(hours=1)


def test_errors_back_off_and_never_give_up() -> None:
    policy = SchedulePolicy(error_base=timedelta(minutes=1), error_cap=timedelta(hours=2),
                            jitter=0.0)
    state = SourceState(url="u", etag='"e"')
    delays = []
    for _ in range(30):
        state = after_error(state, ConnectionFailed("refused"), now=NOW, policy=policy)
        assert state.next_due is not None
        delays.append(state.next_due - NOW)
    assert state.error_count == 30
    assert state.last_error == "ConnectionFailed: refused"
    assert state.etag == '"e"'
    assert not state.gone
    assert delays[0] == timedelta(minutes=1)
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(hours=2)  # still scheduled, at the cap
    assert is_due(state, now=NOW + timedelta(hours=2))


def test_retry_after_delays_exactly_and_gone_parks() -> None:
    state = SourceState(url="u")
    later = after_error(state, RetryLater("busy", status=429, retry_after=90), now=NOW)
    assert later.next_due == NOW + timedelta(seconds=90)
    assert later.last_status == 429
    huge = after_error(state, RetryLater("busy", retry_after=10**9), now=NOW)
    assert huge.next_due == NOW + SchedulePolicy().max_retry_after
    gone = after_error(state, GoneError("gone", status=410), now=NOW)
    assert gone.gone
    assert gone.last_status == 410
    assert not is_due(gone, now=NOW + timedelta(days=365))
    http = after_error(state, HTTPStatusError("nope", status=500), now=NOW, rand=0.5)
    assert http.last_status == 500
    assert http.next_due == NOW + SchedulePolicy().error_base


def test_due_sources_orders_most_overdue_first() -> None:
    states = [
        SourceState(url="later", next_due=NOW + timedelta(minutes=1)),
        SourceState(url="due", next_due=NOW - timedelta(minutes=1)),
        SourceState(url="new"),
        SourceState(url="parked", gone=True),
        SourceState(url="overdue", next_due=NOW - timedelta(days=1)),
    ]
    assert [s.url for s in due_sources(states, now=NOW)] == ["new", "overdue", "due"]


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="jitter"):
        SchedulePolicy(jitter=1.5)
    with pytest.raises(ValueError, match="min_interval"):
        SchedulePolicy(min_interval=timedelta(days=2), max_interval=timedelta(days=1))
