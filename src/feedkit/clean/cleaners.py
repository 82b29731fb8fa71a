"""The built-in cleaners (each one ``(item, ctx) -> item``).

The default chain (:func:`default_cleaners`) is::

    sanitize_fields  ->  strip_rules  ->  strip_learned

* :func:`sanitize_fields` re-runs the allowlist sanitizer on ``summary`` and
  ``content_html`` (idempotent for parser output; it protects against items
  built by hand or changed by a plugin);
* :func:`strip_rules` applies the rule set (HTML, or plain text when a field
  has no markup) and captures previous/next navigation;
* :func:`strip_learned` removes the per-feed learned boilerplate.

:func:`drop_empty_items` is an opt-in cleaner that drops items left with no
title and no text.
"""

from __future__ import annotations

import html as _html
from dataclasses import replace
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..model import Item, NavLink
from .boilerplate import Hit, merge_navigation, strip_boilerplate_html
from .chain import CleanContext, Cleaner, DropItem
from .dom import (
    XML_INVALID,
    drop_empty,
    has_text,
    iter_units,
    parse_fragment,
    plain_paragraphs,
    remove_unit,
    serialize_fragment,
)
from .plaintext import clean_text, html_to_text
from .sanitize import sanitize_html
from .template import MIN_WORDS, block_key, learnable, memo_block_keys

__all__ = [
    "default_cleaners",
    "drop_empty_items",
    "sanitize_fields",
    "strip_learned",
    "strip_rules",
]

FIELDS = ("summary", "content_html")


def sanitize_fields(item: Item, ctx: CleanContext) -> Item:
    """Sanitize ``summary`` and ``content_html`` (allowlist; URLs made absolute).

    Tracking pixels and FeedBurner flare links dropped here are recorded as
    ``ads_trackers`` removals (rules ``tracking-pixel`` / ``feedflare``).
    """
    changes: dict[str, str | None] = {}
    for name in FIELDS:
        value = getattr(item, name)
        if not value:
            continue
        if "<" not in value and "&" not in value and "\n" in value:
            # plain text with line structure: strip_rules handles it as text
            clean = XML_INVALID.sub("", value)
            if clean != value:
                changes[name] = clean or None
            continue
        removed: list[tuple[str, str]] = []
        clean = sanitize_html(value, base_url=item.link or None, removed=removed)
        for what, url in removed:
            ctx.record(item, name, "ads_trackers", what, url)
        if clean != value:
            changes[name] = clean or None
    return replace(item, **changes) if changes else item  # type: ignore[arg-type]


def _record(ctx: CleanContext, item: Item, name: str, hits: tuple[Hit, ...]) -> None:
    for hit in hits:
        ctx.record(item, name, hit.kind, hit.rule, hit.text)


def _same_page(url: str, link: str) -> bool:
    a, b = urlsplit(url), urlsplit(link)
    return (a.netloc.lower(), a.path.rstrip("/")) == (b.netloc.lower(), b.path.rstrip("/"))


def strip_rules(item: Item, ctx: CleanContext) -> Item:
    """Remove rule-matched boilerplate and capture navigation onto ``item.navigation``."""
    changes: dict[str, str | None] = {}
    with_url: list[NavLink] = []
    title_only: list[NavLink] = []
    blocks: list[tuple[str, str, str | None]] | None = []
    for name in FIELDS:
        value = getattr(item, name)
        if not value or not value.strip():
            continue
        if "<" not in value:
            if "\n" in value:
                text = _html.unescape(value)
                tres = clean_text(text, ctx.rules, title=item.title)
                if tres.changed:
                    _record(ctx, item, name, tres.hits)
                    value = _html.escape(tres.text, quote=False)
                    changes[name] = value or None
                navs = tres.navigation
            else:
                hres = strip_boilerplate_html(value, ctx.rules, title=item.title)
                navs = hres.navigation
                if hres.changed:
                    _record(ctx, item, name, hres.hits)
                    changes[name] = hres.html or None
                    blocks = None  # markup-less text turned into HTML: let learning re-read it
            if blocks is not None:
                blocks.extend((name, line, None) for line in value.splitlines()
                              if len(line.split()) >= MIN_WORDS)
        else:
            hres = strip_boilerplate_html(value, ctx.rules, title=item.title,
                                          keep_tree=ctx.share_fragments)
            if hres.changed:
                _record(ctx, item, name, hres.hits)
                changes[name] = hres.html or None
            elif hres.fragment is not None:
                ctx.keep_fragment(value, hres.fragment)  # strip_learned takes it over
            navs = hres.navigation
            if blocks is not None and hres.blocks is not None:
                blocks.extend((name, text, shape) for text, shape in hres.blocks)
            else:
                blocks = None
        for nav in navs:
            if nav.url and item.link and _same_page(nav.url, item.link):
                nav = NavLink(nav.rel, None, nav.title)  # "#top", "?replytocom=": not a target
            if nav.url or nav.title:
                (with_url if nav.url else title_only).append(nav)
    if changes or with_url or title_only:
        navigation = merge_navigation(item.navigation, with_url, title_only)
        item = replace(item, navigation=tuple(navigation), **changes)  # type: ignore[arg-type]
    if blocks is not None:
        ctx.item_blocks[id(item)] = (item, blocks)
    return item


def strip_learned(item: Item, ctx: CleanContext) -> Item:
    """Remove blocks matching the feed's learned templates (never emptying the item)."""
    templates = ctx.learned.for_feed(item.feed_url)
    if not templates:
        return item
    known = ctx.item_keys.get(id(item))
    if known is not None and known.isdisjoint(templates):
        return item
    changes: dict[str, str | None] = {}
    planned: list[tuple[str, str, str]] = []
    remaining_text = 0
    roots: list[HtmlElement] = []  # the HTML fields as they are left
    memo = ctx.key_memo
    title = item.title
    for name in FIELDS:
        value = getattr(item, name)
        if not value or not value.strip():
            continue
        if "<" not in value:
            lines = value.splitlines()
            kept: list[str] = []
            for line in lines:
                flat = " ".join(line.split())
                key = block_key(flat, title) if len(line.split()) >= MIN_WORDS else None
                if key is not None and key in templates:
                    planned.append((name, key, flat))
                else:
                    kept.append(line)
            remaining_text += len("".join(kept).strip())
            if len(kept) != len(lines):
                changes[name] = "\n".join(kept).strip() or None
            continue
        fragment = ctx.take_fragment(value)
        plain = plain_paragraphs(value) if fragment is None else None
        if plain is not None:
            # one <p> per text: remove the matching ones from the string itself
            # (what serializing the pruned tree gives); every text left is non-blank
            kept = []
            for text in plain:
                key = next((k for k in memo_block_keys(memo, text, None, title)
                            if k in templates), None) if len(text.split()) >= MIN_WORDS else None
                if key is None:
                    kept.append(text)
                else:
                    planned.append((name, key, " ".join(text.split())))
            if len(kept) != len(plain):
                changes[name] = "".join(f"<p>{text}</p>" for text in kept) or None
            remaining_text += len(kept)
            continue
        if fragment is None:
            root = parse_fragment(value)
            units = [(unit, unit.shape()) for unit in iter_units(root) if learnable(unit)]
        else:
            root, units = fragment.root, fragment.lines
        hit_units = []
        for unit, shape in units:
            for key in memo_block_keys(memo, unit.text, shape, title):
                if key in templates:
                    hit_units.append(unit)
                    planned.append((name, key, " ".join(unit.text.split())))
                    break
        for unit in reversed(hit_units):
            remove_unit(unit)
        if hit_units:
            drop_empty(root)
            changes[name] = serialize_fragment(root) or None
        roots.append(root)
    if not planned:
        return item  # nothing learned here
    if remaining_text == 0 and not any(has_text(root) for root in roots):
        return item  # it would eat the whole item
    for name, key, text in planned:
        ctx.record(item, name, "learned", f"feed-template:{key[:48]}", text)
    return replace(item, **changes)  # type: ignore[arg-type]


def drop_empty_items(item: Item, ctx: CleanContext) -> Item:
    """Opt-in cleaner: drop an item left with no title and no text."""
    if (item.title or "").strip():
        return item
    if html_to_text(item.summary) or html_to_text(item.content_html):
        return item
    raise DropItem("no title and no text left after cleaning")


def default_cleaners() -> list[Cleaner]:
    """A fresh list with the default chain, to extend with your own cleaners."""
    return [sanitize_fields, strip_rules, strip_learned]
