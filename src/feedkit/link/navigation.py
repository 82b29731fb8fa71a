"""Resolve the previous/next/related references captured by cleaning.

Cleaning removes "Previous Article: … / Next Article: …" blocks from an item
and keeps them as :class:`~feedkit.model.NavLink` values in ``Item.navigation``.
Linking turns each into a :class:`~feedkit.model.Relation` of kind
``previous``, ``next`` or ``related``:

1. by URL: the link's duplicate key (:func:`~feedkit.link.text.url_key`) is
   looked up among the items seen (this batch and the index) — score 1.0,
   reason ``"navigation link resolved by canonical URL"``;
2. else by title: the normalized headline is looked up; when several items
   carry it, the one from the same feed wins, then the most recent — score
   0.9, reason ``"navigation link resolved by title"``;
3. else the reference stays external: ``target`` is the canonical URL (or,
   when the page gave no URL, the title text), score 0.0, reason
   ``"unresolved navigation link (external URL)"`` / ``"(title only)"``.

An unresolved reference is remembered by the index; when a later batch brings
the target item, the relation is emitted again, resolved.
"""

from __future__ import annotations

__all__ = [
    "NAV_KINDS",
    "REASON_BY_TITLE",
    "REASON_BY_URL",
    "REASON_EXTERNAL_TITLE",
    "REASON_EXTERNAL_URL",
    "nav_kind",
]

#: Navigation ``rel`` values that become relations (anything else is "related").
NAV_KINDS = ("previous", "next", "related")
REASON_BY_URL = "navigation link resolved by canonical URL"
REASON_BY_TITLE = "navigation link resolved by title"
REASON_EXTERNAL_URL = "unresolved navigation link (external URL)"
REASON_EXTERNAL_TITLE = "unresolved navigation link (title only)"

_ALIASES = {
    "prev": "previous",
    "previous": "previous",
    "older": "previous",
    "next": "next",
    "newer": "next",
    "related": "related",
}


def nav_kind(rel: str | None) -> str:
    """Map a NavLink ``rel`` to a relation kind (``previous``/``next``/``related``)."""
    return _ALIASES.get((rel or "").strip().lower(), "related")
