"""Per-feed learned boilerplate: blocks that recur across a feed's items.

No rule knows every site's footer.  But a footer repeats: across a batch of
items from one feed, the same block (after normalizing digits, URLs and the
item's own title out of it) shows up in most items, while the article text
does not.  :meth:`LearnedBoilerplate.learn` finds those blocks; the
``learned`` cleaner (:func:`feedkit.clean.cleaners.strip_learned`) removes
them.

Template keys: the block's normalized text with the item's title replaced by
``{title}``, URLs by ``{url}`` and digit runs by ``0``.  So "The post *X*
appeared first on Y" with *X* the item title gives one key for every item,
and "Posted on 2026-11-23 | 3 comments" gives one key for every date.  A line
with links also has a *shape* key, its text with every link's text replaced
by ``{link}``: "Filed by <a>Ann</a> under <a>Harbour</a>" and "Filed by
<a>Bob</a> under <a>Rail</a>" are the same structure with varying slugs.

Safeguards:

* a key is learned only when at least ``min_items`` items (default 3) and at
  least ``min_share`` (default 50 %) of the feed's items in the batch carry it;
* a block that is only the item's title, or longer than ``max_chars``, or whose
  fixed (non-placeholder) text is too short to be distinctive, is never learned;
  nor is a block that is the whole (learnable) content of most items carrying it
  (a feed of one-line items has no footer, only content);
* when applying, a removal that would leave the item with no text is skipped,
  and a block that carries more than the template (unique content) never
  matches, since keys are compared whole.

Learned data is plain data: :meth:`LearnedBoilerplate.to_dict` /
:meth:`LearnedBoilerplate.from_dict` (and ``to_json`` / ``from_json``)
round-trip through JSON so a store can persist it and apply it to later
batches (``clean_items(items, learned=...)``).  Per feed, for a store's
``set_boilerplate(feed_url, blob)``::

    report = clean_batch(items, learned=LearnedBoilerplate.from_json(blob) if blob else None)
    blob = report.learned.subset(feed_url).to_json()
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from ..errors import CleanError
from ..model import Item
from .dom import LINK_MARK, Unit, iter_units, parse_fragment
from .rules import normalize_text

__all__ = [
    "Block",
    "LearnedBoilerplate",
    "Template",
    "block_key",
    "block_keys",
    "item_blocks",
    "learnable",
    "learnable_text",
    "memo_block_keys",
    "template_key",
]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# the same on ASCII text (where \d can only be 0-9), five times faster than \d
_ASCII_DIGITS = re.compile(r"[0-9]+")
_PLACEHOLDER = re.compile(r"\{title\}|\{url\}|\{link\}|0")
FORMAT_VERSION = 1


def template_key(text: str, *, title: str | None = None) -> str:
    """The template key of a block: normalized, with title/URLs/digits generalized."""
    return _key_of(normalize_text(text), _title_norm(title))


def _title_norm(title: str | None) -> str:
    return normalize_text(title) if title else ""


def _key_of(norm: str, title_norm: str) -> str:
    """:func:`template_key` of normalized text, given the normalized title."""
    if len(title_norm) >= 8 and title_norm in norm:
        norm = norm.replace(title_norm, "{title}")
    # normalized text is case-folded: a URL shows "://" or "www." as such
    if "://" in norm or "www." in norm:
        norm = _URL.sub("{url}", norm)
    if norm.isascii():
        return _ASCII_DIGITS.sub("0", norm)  # (LINK_MARK is not ASCII)
    return _DIGITS.sub("0", norm).replace(LINK_MARK, "{link}")


MAX_CHARS = 400


def block_key(flat: str, title: str | None, max_chars: int = MAX_CHARS) -> str | None:
    """The template key of a (whitespace-flattened) line, or ``None`` if it is not learnable."""
    if not flat or len(flat) > max_chars:
        return None
    return _block_key(flat, _title_norm(title))


def _block_key(flat: str, title_norm: str) -> str | None:
    key = _key_of(normalize_text(flat), title_norm)
    if key == "{title}" or not _distinctive(key):
        return None
    return key


def _distinctive(key: str) -> bool:
    fixed = _PLACEHOLDER.sub("", key[:120])
    return sum(map(str.isalpha, fixed)) >= 6


_NOT_LEARNABLE = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "table", "td",
                            "th", "dt", "caption", "figcaption"})
MIN_WORDS = 4


def learnable(unit: Unit, *, links: list[tuple[str, str]] | None = None) -> bool:
    """Whether a line may be learned (and removed) as boilerplate.

    Headings, code, tables and captions are structure of the article, even
    when they recur ("Ingredients", "Conclusion"); lines of fewer than
    :data:`MIN_WORDS` words are kept too unless they are mostly a link ("Read
    full topic").  ``links``: :meth:`Unit.links <feedkit.clean.dom.Unit.links>`, when already read.
    """
    el: HtmlElement | None = unit.element if unit.element is not None else unit.parent
    depth = 0
    while el is not None and depth < 6:
        if el.tag in _NOT_LEARNABLE:
            return False
        el = el.getparent()
        depth += 1
    words = unit.text.split()
    if len(words) >= MIN_WORDS:
        return True
    return _mostly_linked(words, unit.links() if links is None else links)


def learnable_text(text: str, links: list[tuple[str, str]]) -> bool:
    """:func:`learnable` of a line of ``text`` with these links, in no heading, code or table."""
    words = text.split()
    return len(words) >= MIN_WORDS or _mostly_linked(words, links)


def _mostly_linked(words: list[str], links: list[tuple[str, str]]) -> bool:
    linked = sum(len(t) for _h, t in links)
    return linked >= 0.6 * len(" ".join(words)) > 0


Block = tuple[str, str, "str | None"]
"""``(field, text, shape)`` of one learnable line (``shape``: see :meth:`Unit.shape`)."""


def item_blocks(item: Item) -> list[Block]:
    """``(field, text, shape)`` of every learnable line of the item's fields, in order."""
    out: list[Block] = []
    for name in ("summary", "content_html"):
        html = getattr(item, name)
        if not html or not html.strip():
            continue
        if "<" not in html:
            out.extend(
                (name, line, None)
                for line in html.splitlines() if len(line.split()) >= MIN_WORDS
            )
            continue
        out.extend(
            (name, unit.text, unit.shape())
            for unit in iter_units(parse_fragment(html)) if learnable(unit)
        )
    return out


def block_keys(text: str, shape: str | None, title: str | None,
               max_chars: int = MAX_CHARS) -> list[str]:
    """The template keys of a line: by its text, and by its shape when it has links."""
    keys: list[str] = []
    flat = " ".join(text.split())
    flat_shape = " ".join(shape.split()) if shape is not None else ""
    if len(flat) > max_chars and len(flat_shape) > max_chars:
        return keys  # too long to be learned (the usual case of a paragraph of prose)
    title_norm = _title_norm(title)
    key = _block_key(flat, title_norm) if flat and len(flat) <= max_chars else None
    if key is not None:
        keys.append(key)
    if shape is not None and flat_shape and len(flat_shape) <= max_chars:
        skey = _block_key(flat_shape, title_norm)
        if skey is not None and skey != key and "{link}" in skey:
            keys.append(skey)
    return keys


def memo_block_keys(
    memo: dict[tuple[str, str | None, str | None], tuple[str, ...]],
    text: str,
    shape: str | None,
    title: str | None,
) -> tuple[str, ...]:
    """:func:`block_keys` (default ``max_chars``) through ``memo``, a per-batch cache."""
    cache_key = (text, shape, title)
    keys = memo.get(cache_key)
    if keys is None:
        keys = memo[cache_key] = tuple(block_keys(text, shape, title))
    return keys


@dataclass(frozen=True, slots=True)
class Template:
    """One learned block: its key, how many items carried it out of how many, an example."""

    key: str
    support: int
    total: int
    example: str = ""


@dataclass(frozen=True)
class LearnedBoilerplate:
    """Learned boilerplate templates per feed URL (immutable, plain data).

    ``feeds`` maps a feed URL to ``{key: Template}``.  Build one with
    :meth:`learn`, combine with :meth:`merge`, persist with :meth:`to_dict` /
    :meth:`from_dict`.
    """

    feeds: Mapping[str, Mapping[str, Template]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(t) for t in self.feeds.values())

    def __bool__(self) -> bool:
        return any(self.feeds.values())

    def for_feed(self, feed_url: str) -> Mapping[str, Template]:
        """The templates learned for one feed (empty mapping when none)."""
        return self.feeds.get(feed_url, {})

    @classmethod
    def learn(
        cls,
        items: Iterable[Item],
        *,
        min_items: int = 3,
        min_share: float = 0.5,
        max_chars: int = MAX_CHARS,
        keys_out: dict[int, frozenset[str]] | None = None,
        blocks_in: Mapping[int, tuple[Item, list[Block]]] | None = None,
        key_memo: dict[tuple[str, str | None, str | None], tuple[str, ...]] | None = None,
    ) -> LearnedBoilerplate:
        """Learn the blocks recurring across items of each feed in ``items``.

        ``keys_out``, when given, receives ``id(item) -> template keys`` of
        every item examined (lets the cleaner skip items with no learned key);
        ``blocks_in`` may hold the lines of items already read
        (``id(item) -> (item, [(field, text, shape)])``), which are then not
        parsed again; ``key_memo``, when given (and ``max_chars`` is the
        default), receives the keys of every line read,
        ``(text, shape, title) -> keys``, for :func:`memo_block_keys`.
        """
        memo = key_memo if max_chars == MAX_CHARS else None
        by_feed: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            by_feed[item.feed_url].append(item)
        feeds: dict[str, dict[str, Template]] = {}
        for feed_url, feed_items in by_feed.items():
            n = len(feed_items)
            if n < max(min_items, 2):
                continue
            counts: Counter[str] = Counter()
            sole: Counter[str] = Counter()  # items where the block is all there is
            examples: dict[str, str] = {}
            for item in feed_items:
                seen: set[str] = set()
                cached = blocks_in.get(id(item)) if blocks_in is not None else None
                lines = cached[1] if cached is not None and cached[0] is item else None
                blocks = item_blocks(item) if lines is None else lines
                title = item.title
                for _field, text, shape in blocks:
                    if memo is None:
                        keys: Sequence[str] = block_keys(text, shape, title, max_chars)
                    else:
                        keys = memo_block_keys(memo, text, shape, title)
                    for key in keys:
                        if key not in seen:
                            seen.add(key)
                            examples.setdefault(key, " ".join(text.split()))
                counts.update(seen)
                if len(blocks) == 1:
                    sole.update(seen)
                if keys_out is not None:
                    keys_out[id(item)] = frozenset(seen)
            learned = {
                key: Template(key, c, n, examples[key])
                for key, c in counts.items()
                if c >= min_items and c / n >= min_share and sole[key] * 2 < c
            }
            if learned:
                feeds[feed_url] = learned
        return cls(feeds)

    def merge(self, other: LearnedBoilerplate | None) -> LearnedBoilerplate:
        """Union of two learned sets (per key, the larger support wins)."""
        if other is None or not other:
            return self
        if not self:
            return other
        feeds: dict[str, dict[str, Template]] = {u: dict(t) for u, t in self.feeds.items()}
        for url, templates in other.feeds.items():
            mine = feeds.setdefault(url, {})
            for key, tpl in templates.items():
                old = mine.get(key)
                if old is None or tpl.support > old.support:
                    mine[key] = tpl
        return LearnedBoilerplate(feeds)

    def subset(self, *feed_urls: str) -> LearnedBoilerplate:
        """Only the templates of the given feeds (what a store keeps per feed)."""
        return LearnedBoilerplate({u: self.feeds[u] for u in feed_urls if u in self.feeds})

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string (the blob a store saves)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> LearnedBoilerplate:
        """Rebuild from :meth:`to_json`; raises :class:`CleanError` on bad data."""
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CleanError(f"learned boilerplate is not valid JSON: {exc}") from exc
        if not isinstance(raw, Mapping):
            raise CleanError("learned boilerplate JSON must be an object")
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: ``{"version": 1, "feeds": {url: [template dicts]}}``."""
        return {
            "version": FORMAT_VERSION,
            "feeds": {
                url: [
                    {"key": t.key, "support": t.support, "total": t.total, "example": t.example}
                    for t in sorted(templates.values(), key=lambda t: t.key)
                ]
                for url, templates in sorted(self.feeds.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnedBoilerplate:
        """Rebuild from :meth:`to_dict` output; raises :class:`CleanError` on bad data."""
        try:
            version = data.get("version", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                raise CleanError(f"learned boilerplate format {version!r} is not supported")
            feeds: dict[str, dict[str, Template]] = {}
            raw_feeds = data.get("feeds", {})
            if not isinstance(raw_feeds, Mapping):
                raise CleanError("learned boilerplate: 'feeds' must be a mapping")
            for url, rows in raw_feeds.items():
                if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)):
                    raise CleanError(f"learned boilerplate: templates of {url!r} must be a list")
                templates: dict[str, Template] = {}
                for row in rows:
                    key = row["key"]
                    if not isinstance(key, str) or not key:
                        raise CleanError("learned boilerplate: template key must be a string")
                    templates[key] = Template(
                        key, int(row.get("support", 0)), int(row.get("total", 0)),
                        str(row.get("example", "")),
                    )
                feeds[str(url)] = templates
        except CleanError:
            raise
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise CleanError(f"learned boilerplate data is malformed: {exc}") from exc
        return cls(feeds)
