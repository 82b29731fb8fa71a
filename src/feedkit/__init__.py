"""feedkit: fetch, clean, link and re-emit RSS, Atom and JSON feeds."""


from .aggregator import Aggregator as Aggregator
from .aggregator import SourceResult as SourceResult
from .clean import CleanReport as CleanReport
from .clean import DropItem as DropItem
from .clean import LearnedBoilerplate as LearnedBoilerplate
from .clean import Rule as Rule
from .clean import RuleSet as RuleSet
from .clean import clean_item as clean_item
from .clean import clean_items as clean_items
from .clean import explain_item as explain_item
from .clean.fulltext import Article as Article
from .clean.fulltext import extract_article as extract_article
from .clean.fulltext import upgrade_item as upgrade_item
from .emit import emit_feed as emit_feed
from .errors import BlockedAddressError as BlockedAddressError
from .errors import CleanError as CleanError
from .errors import ConnectionFailed as ConnectionFailed
from .errors import EmitError as EmitError
from .errors import FeedkitError as FeedkitError
from .errors import FetchError as FetchError
from .errors import FetchTimeout as FetchTimeout
from .errors import GoneError as GoneError
from .errors import HTTPStatusError as HTTPStatusError
from .errors import LinkError as LinkError
from .errors import NotAFeedError as NotAFeedError
from .errors import ParseError as ParseError
from .errors import RedirectError as RedirectError
from .errors import ResponseTooLarge as ResponseTooLarge
from .errors import RetryLater as RetryLater
from .errors import SourceError as SourceError
from .errors import StoreError as StoreError
from .fetch import Fetcher as Fetcher
from .fetch import NetworkPolicy as NetworkPolicy
from .fetch import discover_feeds as discover_feeds
from .link import LinkIndex as LinkIndex
from .link import LinkResult as LinkResult
from .link import link_items as link_items
from .model import Author as Author
from .model import Enclosure as Enclosure
from .model import Feed as Feed
from .model import FetchResult as FetchResult
from .model import Group as Group
from .model import Item as Item
from .model import NavLink as NavLink
from .model import ParseResult as ParseResult
from .model import Relation as Relation
from .parse import parse_feed as parse_feed
from .schedule import SchedulePolicy as SchedulePolicy
from .store import MemoryStore as MemoryStore
from .store import RetentionPolicy as RetentionPolicy
from .store import SQLiteStore as SQLiteStore

__version__ = "0.1.0"

__all__ = [
    "Aggregator",
    "Article",
    "Author",
    "BlockedAddressError",
    "CleanError",
    "CleanReport",
    "ConnectionFailed",
    "DropItem",
    "EmitError",
    "Enclosure",
    "Feed",
    "FeedkitError",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "Fetcher",
    "GoneError",
    "Group",
    "HTTPStatusError",
    "Item",
    "LearnedBoilerplate",
    "LinkError",
    "LinkIndex",
    "LinkResult",
    "MemoryStore",
    "NavLink",
    "NetworkPolicy",
    "NotAFeedError",
    "ParseError",
    "ParseResult",
    "RedirectError",
    "Relation",
    "ResponseTooLarge",
    "RetentionPolicy",
    "RetryLater",
    "Rule",
    "RuleSet",
    "SQLiteStore",
    "SchedulePolicy",
    "SourceError",
    "SourceResult",
    "StoreError",
    "clean_item",
    "clean_items",
    "discover_feeds",
    "emit_feed",
    "explain_item",
    "extract_article",
    "link_items",
    "parse_feed",
    "upgrade_item",
]
