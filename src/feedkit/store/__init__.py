"""Persistent memory for feedkit: sources' HTTP state, items with history, links.

::

    from feedkit.store import SQLiteStore, MemoryStore

    store = SQLiteStore("feedkit.db")   # the default: one SQLite file (WAL)
    store = MemoryStore()               # tests and one-shot runs, same behaviour

Both implement :class:`~feedkit.store.base.Store`.  Only the store touches disk.
"""

from __future__ import annotations

from .base import ItemStatus as ItemStatus
from .base import ItemVersion as ItemVersion
from .base import RetentionPolicy as RetentionPolicy
from .base import SourceState as SourceState
from .base import Store as Store
from .base import StoredItem as StoredItem
from .base import UpsertResult as UpsertResult
from .base import item_from_json as item_from_json
from .base import item_hash as item_hash
from .base import item_to_json as item_to_json
from .memory import MemoryStore as MemoryStore
from .sqlite import SQLiteStore as SQLiteStore

__all__ = [
    "ItemStatus",
    "ItemVersion",
    "MemoryStore",
    "RetentionPolicy",
    "SQLiteStore",
    "SourceState",
    "Store",
    "StoredItem",
    "UpsertResult",
    "item_from_json",
    "item_hash",
    "item_to_json",
]


def _conforms(a: SQLiteStore, b: MemoryStore) -> tuple[Store, Store]:
    """Type-checking only: both classes must satisfy the Store protocol."""
    return a, b
