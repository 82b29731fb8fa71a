"""Linking: duplicates, same-story clusters and navigation across feeds.

:func:`link_items` is a pure step over a batch of cleaned items (plus an
optional :class:`LinkIndex` remembering earlier batches).  It returns a
:class:`LinkResult`:

* ``duplicates`` — groups of the same article (same canonical URL, GUID or
  normalized content; near-identical shingle samples; same headline when a
  body is missing);
* ``stories`` — same-event clusters across outlets (TF-IDF centroids within a
  time window, no single-link chaining); duplicates always share a story;
* ``relations`` — :class:`~feedkit.model.Relation` values of kind
  ``duplicate``, ``same_story``, ``previous``, ``next`` and ``related``, each
  with a score and a human-readable reason.

See ``docs/linking.md``.
"""

from __future__ import annotations

from .index import LinkIndex as LinkIndex
from .linker import DEFAULT_WINDOW as DEFAULT_WINDOW
from .linker import LinkResult as LinkResult
from .linker import link_items as link_items

__all__ = ["DEFAULT_WINDOW", "LinkIndex", "LinkResult", "link_items"]
