"""The feedkit exception tree.

Every error feedkit raises on bad input is a :class:`FeedkitError` subclass,
so a caller can ``except FeedkitError`` and know nothing else escapes::

    FeedkitError
    ├── SourceError            a source string/path/OPML entry cannot be used
    ├── FetchError             anything that went wrong getting the bytes
    │   ├── FetchTimeout           connect/read timeout or total deadline exceeded
    │   ├── ConnectionFailed       DNS failure, refused, reset (after retries)
    │   ├── ResponseTooLarge       body (after decompression) over the cap
    │   ├── RedirectError          redirect loop, too many hops, or a non-http(s) target
    │   ├── BlockedAddressError    the network policy refused the resolved address
    │   ├── HTTPStatusError        an unexpected 4xx/5xx (``.status``)
    │   │   ├── GoneError              410 Gone: park the source
    │   │   └── RetryLater             429/503: ``.retry_after`` seconds
    ├── ParseError             the bytes are not a usable feed (``.warnings``)
    │   └── NotAFeedError          an HTML page: ``.feed_links`` found in it
    ├── CleanError             a cleaner plugin failed (wraps the cause)
    ├── LinkError              the linking step failed (wraps the cause)
    ├── EmitError              items cannot be serialised in the format asked
    └── StoreError             the store could not read or write
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BlockedAddressError",
    "CleanError",
    "ConnectionFailed",
    "EmitError",
    "FeedkitError",
    "FetchError",
    "FetchTimeout",
    "GoneError",
    "HTTPStatusError",
    "LinkError",
    "NotAFeedError",
    "ParseError",
    "RedirectError",
    "ResponseTooLarge",
    "RetryLater",
    "SourceError",
    "StoreError",
]


class FeedkitError(Exception):
    """Base class of every error feedkit raises on purpose."""


class SourceError(FeedkitError):
    """A source (URL, path, bytes, OPML entry) cannot be interpreted."""


class FetchError(FeedkitError):
    """Getting a resource failed. ``url`` is the URL asked for."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class FetchTimeout(FetchError):
    """A connect or read timeout, or the total per-request deadline, was hit."""


class ConnectionFailed(FetchError):
    """The connection could not be made or was broken (after retries)."""


class ResponseTooLarge(FetchError):
    """The (decompressed) body exceeded the configured cap; ``limit`` bytes."""

    def __init__(self, message: str, *, url: str | None = None, limit: int = 0) -> None:
        super().__init__(message, url=url)
        self.limit = limit


class RedirectError(FetchError):
    """A redirect loop, too many redirects, or a redirect to a forbidden scheme."""


class BlockedAddressError(FetchError):
    """The network policy refused the address a host name resolved to."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (``status``)."""

    def __init__(self, message: str, *, url: str | None = None, status: int = 0) -> None:
        super().__init__(message, url=url)
        self.status = status


class GoneError(HTTPStatusError):
    """410 Gone: the feed was removed on purpose; callers should park the source."""


class RetryLater(HTTPStatusError):
    """429 or 503: try again after ``retry_after`` seconds (``None`` if unknown)."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int = 503,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_after = retry_after


class ParseError(FeedkitError):
    """The document is not a feed feedkit can read; ``warnings`` has details."""

    def __init__(self, message: str, *, warnings: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.warnings = tuple(warnings)


class NotAFeedError(ParseError):
    """An HTML page was given where a feed was expected.

    ``feed_links`` lists the feed URLs advertised by the page (may be empty).
    """

    def __init__(
        self,
        message: str,
        *,
        feed_links: Sequence[str] = (),
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__(message, warnings=warnings)
        self.feed_links = tuple(feed_links)


class CleanError(FeedkitError):
    """A cleaner in the chain raised; ``cleaner`` names it, ``__cause__`` is the error."""

    def __init__(self, message: str, *, cleaner: str = "") -> None:
        super().__init__(message)
        self.cleaner = cleaner


class LinkError(FeedkitError):
    """The linking step failed; items already stored are kept, links are the previous ones."""


class EmitError(FeedkitError):
    """Items could not be serialised in the requested format."""


class StoreError(FeedkitError):
    """The store failed to read or write; nothing already committed is lost."""
