"""feedkit: fetch, clean, link and re-emit RSS, Atom and JSON feeds."""

from __future__ import annotations

from .errors import BlockedAddressError as BlockedAddressError
from .errors import CleanError as CleanError
from .errors import ConnectionFailed as ConnectionFailed
from .errors import EmitError as EmitError
from .errors import FeedkitError as FeedkitError
from .errors import FetchError as FetchError
from .errors import FetchTimeout as FetchTimeout
from .errors import GoneError as GoneError
from .errors import HTTPStatusError as HTTPStatusError
from .errors import NotAFeedError as NotAFeedError
from .errors import ParseError as ParseError
from .errors import RedirectError as RedirectError
from .errors import ResponseTooLarge as ResponseTooLarge
from .errors import RetryLater as RetryLater
from .errors import SourceError as SourceError
from .errors import StoreError as StoreError
from .model import Author as Author
from .model import Enclosure as Enclosure
from .model import Feed as Feed
from .model import FetchResult as FetchResult
from .model import Group as Group
from .model import Item as Item
from .model import NavLink as NavLink
from .model import ParseResult as ParseResult
from .model import Relation as Relation

__version__ = "0.1.0"

__all__ = [
    "Author",
    "BlockedAddressError",
    "CleanError",
    "ConnectionFailed",
    "EmitError",
    "Enclosure",
    "Feed",
    "FeedkitError",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "GoneError",
    "Group",
    "HTTPStatusError",
    "Item",
    "NavLink",
    "NotAFeedError",
    "ParseError",
    "ParseResult",
    "RedirectError",
    "Relation",
    "ResponseTooLarge",
    "RetryLater",
    "SourceError",
    "StoreError",
]
