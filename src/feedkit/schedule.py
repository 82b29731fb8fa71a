"""When to fetch a source next: pure decisions over a source's state.

Data in, data out: every function takes the current time (``now``) and, where
randomness is involved, a number in ``[0, 1)`` (``rand``; drawn from
:func:`random.random` when omitted), so the decisions are reproducible.

After a successful fetch (200 or 304) the next fetch is due after the
*freshness interval*: the longest of what the server and the feed ask for --
``Cache-Control: max-age`` (minus ``Age``), ``Expires`` (relative to ``Date``),
the feed's ``<ttl>`` -- clamped to ``[min_interval, max_interval]``;
``default_interval`` when none is given.

After a failure the source backs off exponentially:
``error_base * 2 ** (errors - 1)``, capped at ``error_cap``, with up to
``jitter`` of it added or removed at random so that sources failing together
do not retry together.  It never gives up for good: a source keeps being
retried at least every ``error_cap``.  A 429/503 with ``Retry-After`` is
retried exactly when the server asked (capped at ``max_retry_after``), for
that source only.  A 410 Gone *parks* the source (``gone=True``, kept,
never due) until someone un-parks it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from .errors import GoneError, HTTPStatusError, RetryLater
from .store.base import SourceState

__all__ = [
    "DEFAULT_POLICY",
    "SchedulePolicy",
    "after_error",
    "after_success",
    "backoff_delay",
    "describe_error",
    "due_sources",
    "freshness_interval",
    "http_freshness",
    "is_due",
    "parse_retry_after",
]

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,12})\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-cache|no-store)(?:$|[,\s=])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """The knobs of the scheduler (all intervals are :class:`~datetime.timedelta`).

    ``min_interval`` is the politeness floor between two fetches of one
    source; ``max_interval`` the ceiling (a feed asking for a week still gets
    looked at daily); ``default_interval`` applies when neither the server
    nor the feed says anything.  ``error_base`` / ``error_cap`` / ``jitter``
    shape the backoff; ``max_retry_after`` caps how long a Retry-After may
    delay a source.
    """

    min_interval: timedelta = timedelta(minutes=5)
    default_interval: timedelta = timedelta(hours=1)
    max_interval: timedelta = timedelta(days=1)
    error_base: timedelta = timedelta(minutes=5)
    error_cap: timedelta = timedelta(hours=12)
    jitter: float = 0.2
    max_retry_after: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        if self.min_interval > self.max_interval:
            raise ValueError("min_interval must not exceed max_interval")
        if self.error_base <= timedelta(0) or self.error_cap < self.error_base:
            raise ValueError("need 0 < error_base <= error_cap")


DEFAULT_POLICY = SchedulePolicy()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _utc(parsed) if parsed is not None else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def http_freshness(headers: Mapping[str, str], *, now: datetime) -> timedelta | None:
    """How long the server says the response stays fresh, or ``None`` if it does not say.

    ``Cache-Control: no-cache`` / ``no-store`` mean zero; ``max-age`` (minus
    ``Age``) wins over ``Expires`` (measured from ``Date`` when given, else
    from ``now``), as HTTP caching rules say.
    """
    cache_control = _header(headers, "cache-control") or ""
    match = _MAX_AGE.search(cache_control)
    if match:
        age = _header(headers, "age") or ""
        seconds = int(match.group(1)) - (int(age) if age.strip().isdigit() else 0)
        return timedelta(seconds=max(0, min(seconds, 10**9)))
    if _NO_CACHE.search(cache_control):
        return timedelta(0)
    expires_raw = _header(headers, "expires")
    if expires_raw is not None:
        expires = _http_date(expires_raw)
        if expires is None:  # "0", "-1", garbage: already expired
            return timedelta(0)
        date = _http_date(_header(headers, "date")) or _utc(now)
        return max(timedelta(0), expires - date)
    return None


def freshness_interval(
    headers: Mapping[str, str] | None = None,
    *,
    ttl_minutes: int | None = None,
    now: datetime,
    policy: SchedulePolicy = DEFAULT_POLICY,
) -> timedelta:
    """The wait before the next fetch after a success (see the module docstring)."""
    hints: list[timedelta] = []
    server = http_freshness(headers or {}, now=now)
    if server is not None:
        hints.append(server)
    if ttl_minutes is not None and ttl_minutes >= 0:
        hints.append(timedelta(minutes=min(ttl_minutes, 10**7)))
    interval = max(hints) if hints else policy.default_interval
    return min(max(interval, policy.min_interval), policy.max_interval)


def parse_retry_after(value: str | float | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return max(0.0, float(value))
    text = value.strip()
    if text.isdigit():
        return float(min(int(text), 10**9))
    when = _http_date(text)
    if when is None:
        return None
    return max(0.0, (when - _utc(now)).total_seconds())


def backoff_delay(
    error_count: int, *, policy: SchedulePolicy = DEFAULT_POLICY, rand: float | None = None
) -> timedelta:
    """The wait after the ``error_count``-th consecutive failure (1 for the first).

    ``error_base * 2 ** (error_count - 1)``, capped at ``error_cap``, times a
    factor in ``[1 - jitter, 1 + jitter)``, and never above ``error_cap``.
    """
    u = random.random() if rand is None else min(max(rand, 0.0), 1.0)  # noqa: S311 - jitter
    exponent = min(max(error_count, 1) - 1, 40)
    base: timedelta = min(policy.error_base * (2**exponent), policy.error_cap)
    factor = 1.0 + policy.jitter * (2.0 * u - 1.0)
    jittered: timedelta = base * factor
    return min(jittered, policy.error_cap)


def after_success(
    state: SourceState,
    *,
    now: datetime,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    ttl_minutes: int | None = None,
    title: str | None = None,
    policy: SchedulePolicy = DEFAULT_POLICY,
) -> SourceState:
    """The source's state after a 200 or 304.

    Errors are reset; the validators are replaced by the new ones when the
    server sent some (a 304 usually repeats them; kept otherwise).
    """
    now = _utc(now)
    interval = freshness_interval(headers, ttl_minutes=ttl_minutes, now=now, policy=policy)
    return replace(
        state,
        title=title if title is not None else state.title,
        etag=etag if etag is not None else state.etag,
        last_modified=last_modified if last_modified is not None else state.last_modified,
        last_fetched=now,
        last_status=status,
        last_error=None,
        error_count=0,
        next_due=now + interval,
        gone=False,
    )


def after_error(
    state: SourceState,
    error: BaseException,
    *,
    now: datetime,
    policy: SchedulePolicy = DEFAULT_POLICY,
    rand: float | None = None,
) -> SourceState:
    """The source's state after a failed update.

    :class:`~feedkit.errors.GoneError` parks the source;
    :class:`~feedkit.errors.RetryLater` with a ``retry_after`` is due exactly
    then; anything else backs off (:func:`backoff_delay`).  The error count
    grows in every case; validators are kept.
    """
    now = _utc(now)
    count = state.error_count + 1
    status = error.status if isinstance(error, HTTPStatusError) else None
    text = describe_error(error)[:2000]
    if isinstance(error, GoneError):
        return replace(
            state,
            last_fetched=now,
            last_status=status,
            last_error=text,
            error_count=count,
            next_due=None,
            gone=True,
        )
    retry_after = error.retry_after if isinstance(error, RetryLater) else None
    if retry_after is not None:
        delay = min(timedelta(seconds=max(0.0, retry_after)), policy.max_retry_after)
    else:
        delay = backoff_delay(count, policy=policy, rand=rand)
    return replace(
        state,
        last_fetched=now,
        last_status=status,
        last_error=text,
        error_count=count,
        next_due=now + delay,
    )


def is_due(state: SourceState, *, now: datetime) -> bool:
    """True when the source should be fetched at ``now`` (never when parked)."""
    if state.gone:
        return False
    return state.next_due is None or state.next_due <= _utc(now)


def due_sources(states: Iterable[SourceState], *, now: datetime) -> list[SourceState]:
    """The due sources, the most overdue first (never-fetched ones lead)."""
    due = [s for s in states if is_due(s, now=now)]
    floor = datetime.min.replace(tzinfo=timezone.utc)
    due.sort(key=lambda s: s.next_due or floor)
    return due


def describe_error(error: BaseException) -> str:
    """A one-line ``Type: message`` for reports and the store."""
    message = str(error).strip().replace("\n", " ")
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
