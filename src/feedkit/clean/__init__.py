"""Cleaning: sanitizing, boilerplate removal (rules + per-feed learning), explain.

::

    from feedkit.clean import clean_items, clean_item, clean_batch, explain_item

    items = clean_items(parsed.items)                 # the cleaned items, input order
    report = clean_batch(parsed.items)                # + .dropped, .removals, .learned
    for removal in explain_item(item):                # why was what removed?
        print(removal)

Pure: data in, data out.  The chain of cleaners (:mod:`feedkit.clean.cleaners`)
runs over every item; a cleaner may raise :class:`DropItem`, and dropped items
are reported in :attr:`CleanReport.dropped`, never silently lost.

Options accepted by :func:`clean_items`, :func:`clean_item`,
:func:`clean_batch`, :func:`explain_item` and :func:`explain_items`:

``cleaners``
    the chain to run (default :func:`default_cleaners`); replaces it whole.
``extra_cleaners``
    cleaners appended to the chain.
``rules``
    the :class:`~feedkit.clean.rules.RuleSet` (default ``DEFAULT_RULES``).
``learned``
    previously learned boilerplate (a :class:`LearnedBoilerplate` or its
    ``to_dict()`` form), merged with what this batch teaches.
``learn``
    learn per-feed boilerplate from the batch (default ``True``).
``min_items`` / ``min_share``
    learning thresholds (default 3 items and 50 % of the feed's items).
``errors``
    ``"raise"`` (default): a failing cleaner raises
    :class:`~feedkit.errors.CleanError`; ``"keep"``: the failure is reported
    in :attr:`CleanReport.errors` and the item goes on unchanged by that cleaner.

Any other keyword option is passed to cleaners in ``ctx.options``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import CleanError
from ..model import Item
from .chain import (
    CleanContext,
    Cleaner,
    CleanReport,
    DropItem,
    DroppedItem,
    Removal,
    run_chain,
)
from .cleaners import (
    default_cleaners,
    drop_empty_items,
    sanitize_fields,
    strip_learned,
    strip_rules,
)
from .rules import DEFAULT_RULES, RULE_KINDS, Rule, RuleSet
from .sanitize import sanitize_html
from .template import LearnedBoilerplate

__all__ = [
    "DEFAULT_RULES",
    "RULE_KINDS",
    "CleanContext",
    "CleanReport",
    "Cleaner",
    "DropItem",
    "DroppedItem",
    "LearnedBoilerplate",
    "Removal",
    "Rule",
    "RuleSet",
    "clean_batch",
    "clean_item",
    "clean_items",
    "default_cleaners",
    "drop_empty_items",
    "explain_item",
    "explain_items",
    "format_removals",
    "sanitize_fields",
    "sanitize_html",
    "strip_learned",
    "strip_rules",
]


def _as_learned(
    learned: LearnedBoilerplate | Mapping[str, Any] | None,
) -> LearnedBoilerplate:
    if learned is None:
        return LearnedBoilerplate()
    if isinstance(learned, LearnedBoilerplate):
        return learned
    if isinstance(learned, Mapping):
        return LearnedBoilerplate.from_dict(learned)
    raise CleanError(f"learned must be LearnedBoilerplate or a mapping, not {type(learned)!r}")


def clean_batch(
    items: Sequence[Item],
    *,
    cleaners: Sequence[Cleaner] | None = None,
    extra_cleaners: Sequence[Cleaner] = (),
    rules: RuleSet | None = None,
    learned: LearnedBoilerplate | Mapping[str, Any] | None = None,
    learn: bool = True,
    min_items: int = 3,
    min_share: float = 0.5,
    errors: str = "raise",
    **options: Any,
) -> CleanReport:
    """Clean a batch and return the full :class:`CleanReport`.

    Per-feed boilerplate is learned from ``items`` (grouped by ``feed_url``)
    and merged with ``learned``; the merged set is ``report.learned``.
    """
    if errors not in ("raise", "keep"):
        raise CleanError(f"errors must be 'raise' or 'keep', not {errors!r}")
    chain: list[Cleaner] = list(default_cleaners() if cleaners is None else cleaners)
    chain.extend(extra_cleaners)
    given = _as_learned(learned)
    ctx = CleanContext(
        rules=DEFAULT_RULES if rules is None else rules, learned=given, options=dict(options)
    )
    dropped: list[DroppedItem] = []
    failures: list[CleanError] = []
    # Learning happens between the cleaners before strip_learned and the rest, so
    # that what the rules already removed is not learned again.
    split = next((i for i, c in enumerate(chain) if c is strip_learned), None)
    phases = [chain] if split is None else [chain[:split], chain[split:]]
    # parsed trees are only worth keeping for strip_learned, with something to apply
    ctx.share_fragments = split is not None and (learn or bool(given))
    # (position, original, current) so drops report the item as it came in
    current: list[tuple[int, Item, Item]] = [(i, item, item) for i, item in enumerate(items)]
    for n, phase in enumerate(phases):
        if n == 1 and learn:
            fresh = LearnedBoilerplate.learn(
                [c for _, _, c in current], min_items=min_items, min_share=min_share,
                keys_out=ctx.item_keys, blocks_in=ctx.item_blocks, key_memo=ctx.key_memo,
            )
            ctx.learned = fresh.merge(given)
        survivors: list[tuple[int, Item, Item]] = []
        for pos, original, item in current:
            try:
                out = run_chain(item, phase, ctx, errors=errors, failures=failures)
            except DropItem as signal:
                dropped.append(DroppedItem(original, signal.reason))
                continue
            survivors.append((pos, original, out))
        current = survivors
    kept = [c for _, _, c in current]
    merged = ctx.learned
    order = {item.id: i for i, item in reversed(list(enumerate(items)))}
    removals = sorted(ctx.removals, key=lambda r: order.get(r.item_id, len(order)))
    return CleanReport(
        items=tuple(kept),
        dropped=tuple(dropped),
        removals=tuple(removals),
        learned=merged,
        errors=tuple(failures),
    )


def clean_items(items: Sequence[Item], **options: Any) -> list[Item]:
    """Clean a batch of items; returns the kept items in input order.

    Use :func:`clean_batch` to also get the dropped items, the removals and
    the learned boilerplate.  Options: see the module docstring.
    """
    return list(clean_batch(items, **options).items)


def clean_item(item: Item, **options: Any) -> Item:
    """Clean one item (no per-feed learning unless ``learned=`` is given).

    Raises :class:`DropItem` when a cleaner drops the item.
    """
    report = clean_batch([item], **options)
    if report.dropped:
        raise DropItem(report.dropped[0].reason)
    return report.items[0]


def explain_items(items: Sequence[Item], **options: Any) -> list[Removal]:
    """Every removal cleaning ``items`` would make (which rule, which text).

    ``str(removal)`` is a one-line explanation; :func:`format_removals` gives
    the whole report as text.  Same options as :func:`clean_items`.
    """
    return list(clean_batch(items, **options).removals)


def explain_item(item: Item, **options: Any) -> list[Removal]:
    """The removals cleaning one item would make (see :func:`explain_items`)."""
    return explain_items([item], **options)


def format_removals(removals: Sequence[Removal]) -> str:
    """A readable multi-line report of removals, grouped by item."""
    lines: list[str] = []
    current: str | None = None
    for r in removals:
        if r.item_id != current:
            current = r.item_id
            lines.append(f"* {r.item_title or r.item_id}")
        lines.append(f"    - {r.kind}/{r.rule} in {r.field}: {r.text!r}")
    return "\n".join(lines)

