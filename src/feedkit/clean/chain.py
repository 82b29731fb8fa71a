"""The cleaner chain: small callables run in order over each item.

Modelled on structlog's processor chain.  A *cleaner* is any callable
``(item, ctx) -> item``: it returns the (possibly changed) item, or raises
:class:`DropItem` to drop it.  :func:`run_chain` runs a chain over one item;
:class:`CleanContext` carries what the cleaners share for one batch (the rule
set, the learned boilerplate, the options) and collects every removal so that
nothing is lost silently (see :mod:`feedkit.clean.explain`).

The context is created per call; there is no module-level state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import CleanError
from ..model import Item

if TYPE_CHECKING:
    from .dom import Fragment
    from .rules import RuleSet
    from .template import LearnedBoilerplate

__all__ = [
    "CleanContext",
    "CleanReport",
    "Cleaner",
    "DropItem",
    "DroppedItem",
    "Removal",
    "run_chain",
]


#: Most characters of HTML whose parsed trees one batch keeps between steps
#: (:meth:`CleanContext.keep_fragment`): bounds the memory the cache costs.
MAX_FRAGMENT_CHARS = 8_000_000


class DropItem(Exception):
    """Raised by a cleaner to drop the item; ``reason`` says why.

    It is a control-flow signal, not an error: :func:`feedkit.clean.clean_items`
    catches it and reports the item in :attr:`CleanReport.dropped`.
    """

    def __init__(self, reason: str = "dropped by a cleaner") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of content a cleaner removed, and why.

    ``kind`` is the rule kind (``navigation``, ``call_to_action``,
    ``share_social``, ``syndication_footer``, ``related_read_more``,
    ``comment_count``, ``ads_trackers``) or ``learned`` for per-feed learned
    boilerplate; ``rule`` names the rule (or the learned template key);
    ``field`` is ``summary`` or ``content_html``; ``text`` is a snippet of
    what was removed.  ``str(removal)`` is a one-line explanation, the form
    ``feedkit aggregate --explain`` prints.
    """

    item_id: str
    field: str
    kind: str
    rule: str
    text: str
    item_title: str | None = None

    def __str__(self) -> str:
        label = self.item_title or self.item_id
        if len(label) > 60:
            label = label[:57] + "..."
        snippet = " ".join(self.text.split())
        if len(snippet) > 100:
            snippet = snippet[:97] + "..."
        return f"[{self.kind}/{self.rule}] {label} ({self.field}): {snippet!r}"


@dataclass(frozen=True, slots=True)
class DroppedItem:
    """An item a cleaner dropped (:class:`DropItem`) and the reason given."""

    item: Item
    reason: str
    cleaner: str = ""


@dataclass(slots=True)
class CleanContext:
    """What the cleaners of one batch share.

    ``rules`` is the boilerplate rule set, ``learned`` the per-feed learned
    boilerplate to apply, ``options`` any extra keyword options given to
    :func:`feedkit.clean.clean_items` (custom cleaners may read them), and
    ``removals`` collects :class:`Removal` records; cleaners add to it with
    :meth:`record`.  ``item_keys`` caches the learned-template keys of the
    items seen while learning (``id(item)`` -> keys), so the ``strip_learned``
    cleaner only parses items that carry a learned block; ``item_blocks``
    caches the lines ``strip_rules`` saw (``id(item)`` -> (item, lines)), so
    learning does not parse the items again.

    Two caches spare later steps the work earlier ones did (both are per
    batch and change no result): ``fragments`` holds the parsed trees that
    ``strip_rules`` left untouched, keyed by their HTML (see
    :meth:`keep_fragment` / :meth:`take_fragment`; ``share_fragments=False``
    keeps none, for chains where no later step would take them), and ``key_memo`` the
    template keys of the lines learning read (``(text, shape, title)`` ->
    keys, see :func:`feedkit.clean.template.block_keys`).
    """

    rules: RuleSet
    learned: LearnedBoilerplate
    options: Mapping[str, Any] = field(default_factory=dict)
    removals: list[Removal] = field(default_factory=list)
    item_keys: dict[int, frozenset[str]] = field(default_factory=dict)
    item_blocks: dict[int, tuple[Item, list[tuple[str, str, str | None]]]] = field(
        default_factory=dict
    )
    fragments: dict[str, list[Fragment]] = field(default_factory=dict)
    fragment_chars: int = 0
    share_fragments: bool = True
    key_memo: dict[tuple[str, str | None, str | None], tuple[str, ...]] = field(
        default_factory=dict
    )

    def keep_fragment(self, html: str, fragment: Fragment) -> None:
        """Keep ``fragment``, the unchanged parse of ``html``, for a later step.

        At most :data:`MAX_FRAGMENT_CHARS` characters of HTML are kept per
        batch; beyond that the later step parses again (same result).
        """
        if not self.share_fragments or self.fragment_chars + len(html) > MAX_FRAGMENT_CHARS:
            return
        self.fragment_chars += len(html)
        self.fragments.setdefault(html, []).append(fragment)

    def take_fragment(self, html: str) -> Fragment | None:
        """The kept parse of ``html`` (the caller owns it and may change it), or ``None``."""
        kept = self.fragments.get(html)
        if not kept:
            return None
        fragment = kept.pop()
        if not kept:
            del self.fragments[html]
        self.fragment_chars -= len(html)
        return fragment

    def record(
        self, item: Item, field_name: str, kind: str, rule: str, text: str
    ) -> None:
        """Record that ``text`` was removed from ``item.<field_name>`` by ``kind/rule``."""
        snippet = " ".join(text.split())
        if len(snippet) > 300:
            snippet = snippet[:297] + "..."
        self.removals.append(
            Removal(item.id, field_name, kind, rule, snippet, item_title=item.title)
        )


class Cleaner(Protocol):
    """A step of the chain: return the cleaned item or raise :class:`DropItem`."""

    def __call__(self, item: Item, ctx: CleanContext, /) -> Item:
        """Clean one item."""
        ...


CleanerFunc = Callable[[Item, CleanContext], Item]


@dataclass(frozen=True, slots=True)
class CleanReport:
    """The full outcome of cleaning a batch.

    ``items`` are the kept, cleaned items in input order; ``dropped`` the
    items a cleaner dropped, with the reason; ``removals`` every removal made
    (the explain data); ``errors`` the cleaner failures recovered from when
    ``errors="keep"`` was asked (the item was kept as it was before that
    cleaner); ``learned`` the per-feed boilerplate learned from this batch
    merged with what was given, ready for the store
    (``report.learned.to_dict()``).
    """

    items: tuple[Item, ...]
    dropped: tuple[DroppedItem, ...]
    removals: tuple[Removal, ...]
    learned: LearnedBoilerplate
    errors: tuple[CleanError, ...] = ()


def cleaner_name(cleaner: object) -> str:
    """A readable name for a cleaner (function name, or class name)."""
    name = getattr(cleaner, "__qualname__", None) or getattr(cleaner, "__name__", None)
    if name is None:
        name = type(cleaner).__qualname__
    return str(name)


def run_chain(
    item: Item,
    cleaners: Sequence[Cleaner | CleanerFunc],
    ctx: CleanContext,
    *,
    errors: str = "raise",
    failures: list[CleanError] | None = None,
) -> Item:
    """Run ``cleaners`` over ``item`` in order and return the result.

    :class:`DropItem` propagates to the caller.  Any other exception raised by
    a cleaner is wrapped in :class:`~feedkit.errors.CleanError` (naming the
    cleaner, the original as ``__cause__``); with ``errors="keep"`` it is
    appended to ``failures`` instead and the chain goes on with the item as
    it was before the failing cleaner.
    """
    for cleaner in cleaners:
        try:
            result = cleaner(item, ctx)
        except DropItem:
            raise
        except Exception as exc:
            name = cleaner_name(cleaner)
            err = CleanError(f"cleaner {name} failed on item {item.id!r}: {exc}", cleaner=name)
            err.__cause__ = exc
            if errors == "keep" and failures is not None:
                failures.append(err)
                continue
            raise err from exc
        if not isinstance(result, Item):
            name = cleaner_name(cleaner)
            err = CleanError(
                f"cleaner {name} returned {type(result).__name__}, not Item", cleaner=name
            )
            if errors == "keep" and failures is not None:
                failures.append(err)
                continue
            raise err
        item = result
    return item
