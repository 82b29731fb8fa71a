"""The linking index: everything linking remembers between batches.

:class:`LinkIndex` holds, for every item seen, the few features linking needs
again later (duplicate keys, headline key, publication time, duplicate group,
story) and, for items still inside the time window, the shingle sample and
the story centroids.  :func:`feedkit.link.link_items` takes an index, links a
new batch against it — only the new items are featurized and only their
candidates compared — and updates it in place.

The index is plain data: :meth:`LinkIndex.to_dict` returns JSON-compatible
builtins (the store persists it), :meth:`LinkIndex.from_dict` rebuilds it and
raises :class:`~feedkit.errors.StoreError` on malformed data.  The inverted
indexes (sample postings, story term postings) are derived and rebuilt on
load.  Nothing here reads a clock, touches disk or uses randomized hashing.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from ..errors import StoreError
from .stories import CAPS_LOWER, CAPS_SHIFT, by_weight, shared_terms

__all__ = ["INDEX_VERSION", "ItemRecord", "LinkIndex"]

#: Format version of :meth:`LinkIndex.to_dict` (2: records carry a content
#: fingerprint, the index its retention and story span; version 1 data, and
#: version 2 data written before the story span, still load).
INDEX_VERSION = 2
#: Versions :meth:`LinkIndex.from_dict` reads.
READABLE_VERSIONS = (1, 2)
#: Sample postings longer than this are boilerplate, not a shared article.
MAX_SAMPLE_POSTING = 200
#: Titles remembered per headline key (the most recent ones).
MAX_TITLE_POSTING = 32
#: Centroid terms kept per story (pruned back to this when it doubles).
CENTROID_TERMS = 64


#: What the index keeps about one item (internal): a plain tuple of atoms
#: ``(id, feed_url, ts, url_key, title_key, title_words, has_body, samples,
#: fingerprint)`` read through the ``R_*`` positions below (the fingerprint
#: tells a re-sent unchanged item from an updated one; ``""`` when unknown).
#: An exact tuple of strings and numbers is untracked by the cycle
#: collector, so a large index costs no garbage-collection time (a class
#: instance, even a named tuple, would be walked by every full collection).
#: The item's story is kept in :attr:`LinkIndex.story_of`.
ItemRecord = tuple[str, str, float, str | None, str | None, int, bool, tuple[int, ...], str]
R_ID: Final = 0
R_FEED: Final = 1
R_TS: Final = 2
R_URL: Final = 3
R_TITLE: Final = 4
R_TITLE_WORDS: Final = 5
R_BODY: Final = 6
R_SAMPLES: Final = 7
R_FP: Final = 8


@dataclass(slots=True)
class StoryState:
    """A same-story cluster (internal).  ``centroid`` is empty once expired.

    ``centroid`` is the sum of the units' vectors; ``support`` counts, per
    centroid term, the units whose vector has it.  The *core* of a story is
    the part of the centroid carried by a majority of its units.
    """

    id: str
    members: list[str]  # grows in place: a giant story must not be copied per unit
    centroid: dict[str, float]
    norm2: float
    first_ts: float
    last_ts: float
    units: int = 1
    active: bool = True
    support: dict[str, int] = field(default_factory=dict)
    core_norm2: float = -1.0  # < 0: core and core_norm2 are stale
    core: dict[str, float] = field(default_factory=dict)
    rep: str = ""
    rep_ts: float = 0.0
    #: "top terms: ..." kept when the story leaves the window (its centroid goes).
    reason: str = ""

    def offer_rep(self, item_id: str, ts: float) -> None:
        """Keep the earliest-published member (then the smallest id) as representative."""
        if not self.rep or (ts, item_id) < (self.rep_ts, self.rep):
            self.rep, self.rep_ts = item_id, ts

    def recompute_norm(self) -> None:
        """Recompute the squared norm of the centroid (and forget the core's)."""
        self.norm2 = sum(w * w for w in self.centroid.values())
        self.core_norm2 = -1.0

    def span_with(self, first: float, last: float) -> float:
        """Seconds the story would cover with items from ``first`` to ``last`` added."""
        return max(last, self.last_ts) - min(first, self.first_ts)

    def core_norm(self) -> float:
        """Norm of the core centroid (cached until the story changes)."""
        if self.core_norm2 < 0:
            self._update_core()
        return math.sqrt(self.core_norm2)

    def core_terms(self) -> dict[str, float]:
        """The core centroid: the terms most units carry, with their weights (cached)."""
        if self.core_norm2 < 0:
            self._update_core()
        return self.core

    def _update_core(self) -> None:
        units = self.units
        get = self.support.get
        core = self.core = {t: w for t, w in self.centroid.items() if get(t, 0) * 2 > units}
        self.core_norm2 = sum([w * w for w in core.values()])


#: Default bound on the time a story covers (see :class:`LinkIndex`).
DEFAULT_STORY_SPAN: Final = timedelta(days=7)


class LinkIndex:
    """Persistent state of incremental linking (see the module docstring).

    ``window`` bounds near-duplicate and same-story comparisons: two items
    further apart in publication time are never near duplicates or the same
    story (exact duplicates — same URL, GUID or content — have no limit).
    ``story_span`` bounds the time one story covers, first item to last
    (never less than the window): a story keeps taking items while they come
    within the window of its newest one, so without a bound a series that
    looks alike day after day (a daily forecast, a market wrap) would chain
    into one story for ever.  ``None`` lifts the bound.
    """

    def __init__(
        self,
        *,
        window: timedelta = timedelta(days=3),
        retention: timedelta | None = None,
        story_span: timedelta | None = DEFAULT_STORY_SPAN,
    ) -> None:
        if window.total_seconds() <= 0:
            raise ValueError("window must be positive")
        if retention is not None and retention.total_seconds() <= 0:
            raise ValueError("retention must be positive")
        if story_span is not None and story_span.total_seconds() <= 0:
            raise ValueError("story_span must be positive")
        self.window = window
        self.retention = retention
        self.story_span = story_span
        self.records: dict[str, ItemRecord] = {}
        self.story_of: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        # members of duplicate groups of two or more, by root (tuples: untracked)
        self.dup_members: dict[str, tuple[str, ...]] = {}
        self.dup_reasons: dict[str, tuple[str, ...]] = {}  # tuples: untracked
        self.url_keys: dict[str, str] = {}
        self.guid_keys: dict[str, str] = {}
        self.content_keys: dict[str, str] = {}
        self.titles: dict[str, tuple[str, ...]] = {}  # newest last
        self.postings: dict[int, tuple[str, ...]] = {}
        self.common: set[int] = set()
        self.sample_heap: list[tuple[float, str]] = []
        self.df: dict[str, int] = {}
        self.caps: dict[str, int] = {}  # capital << CAPS_SHIFT | lower
        self.n_docs = 0
        self.stories: dict[str, StoryState] = {}
        self.term_post: dict[str, dict[str, float]] = {}
        self.story_heap: list[tuple[float, str]] = []
        # stories that left the window but keep their centroid until the
        # end of the chunk being linked (for its relation reasons); transient
        self.retired: list[StoryState] = []
        self.pending_nav: dict[str, list[tuple[str, str]]] = {}
        self.now = float("-inf")

    # ------------------------------------------------------------------ sizes
    def __len__(self) -> int:
        """Number of items the index knows."""
        return len(self.records)

    def __contains__(self, item_id: object) -> bool:
        """Whether an item id has been linked before."""
        return item_id in self.records

    @property
    def window_seconds(self) -> float:
        """The time window in seconds."""
        return self.window.total_seconds()

    @property
    def span_seconds(self) -> float:
        """The longest time a story may cover, in seconds (at least the window)."""
        if self.story_span is None:
            return math.inf
        return max(self.story_span.total_seconds(), self.window_seconds)

    # -------------------------------------------------------------- dup groups
    def root(self, item_id: str) -> str:
        """Return the representative item id of ``item_id``'s duplicate group."""
        parent = self.parent
        r = item_id
        while r in parent:
            r = parent[r]
        while item_id in parent and parent[item_id] != r:
            parent[item_id], item_id = r, parent[item_id]
        return r

    def union(self, a: str, b: str, reason: str) -> str:
        """Merge the duplicate groups of ``a`` and ``b``; return the new root.

        The earliest-published item (then the smaller id) stays the
        representative.  Members' stories are merged too, so duplicates always
        share a story.
        """
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return ra
        ka = (self.records[ra][R_TS], ra)
        kb = (self.records[rb][R_TS], rb)
        keep, drop = (ra, rb) if ka <= kb else (rb, ra)
        self.parent[drop] = keep
        groups = self.dup_members
        groups[keep] = groups.get(keep, (keep,)) + groups.pop(drop, (drop,))
        reasons = list(self.dup_reasons.get(keep, ()))
        for r in (*self.dup_reasons.pop(drop, ()), reason):
            if r not in reasons:
                reasons.append(r)
        self.dup_reasons[keep] = tuple(reasons)
        story_of = self.story_of
        sa, sb = story_of.get(keep, ""), story_of.get(drop, "")
        if sa and sb and sa != sb:
            self.merge_stories(sa, sb)
        return keep

    def members(self, root: str) -> tuple[str, ...]:
        """Return the member ids of the duplicate group whose root is ``root``."""
        return self.dup_members.get(root) or (root,)

    def group_of(self, item_id: str) -> list[str]:
        """Return the member ids of ``item_id``'s duplicate group, representative first."""
        root = self.root(item_id)
        members = self.dup_members.get(root)
        if members is None:
            return [root]
        rest = sorted((m for m in members if m != root), key=lambda m: (self.records[m][R_TS], m))
        return [root, *rest]

    # ------------------------------------------------------------------ stories
    def new_story(self, members: Sequence[str], vec: dict[str, float], ts: float) -> StoryState:
        """Create an active story around one unit."""
        sid = "story:" + members[0]
        n = 1
        while sid in self.stories:
            n += 1
            sid = f"story:{members[0]}#{n}"
        story = StoryState(sid, list(members), dict(vec), 0.0, ts, ts)
        story.support = dict.fromkeys(vec, 1)
        for m in members:
            story.offer_rep(m, self.records[m][R_TS])
        story.recompute_norm()
        self.stories[sid] = story
        story_of = self.story_of
        for m in members:
            story_of[m] = sid
        for t, w in story.centroid.items():
            self.term_post.setdefault(t, {})[sid] = w
        heapq.heappush(self.story_heap, (ts, sid))
        return story

    def add_to_story(
        self, story: StoryState, members: Sequence[str], vec: dict[str, float], ts: float
    ) -> None:
        """Add one unit (its members and vector) to ``story``."""
        c = story.centroid
        post = self.term_post
        sid = story.id
        active = story.active
        sup = story.support
        sup_get = sup.get
        get = c.get
        norm2 = story.norm2
        for t, w in vec.items():
            sup[t] = sup_get(t, 0) + 1
            old = get(t)
            if old is not None:
                new = c[t] = old + w
                norm2 += new * new - old * old
                if active:
                    post[t][sid] = new
            else:
                c[t] = w
                norm2 += w * w
                if active:
                    p = post.get(t)
                    if p is None:
                        post[t] = {sid: w}
                    else:
                        p[sid] = w
        story.norm2 = norm2
        story.core_norm2 = -1.0
        story.units += 1
        story.members.extend(members)
        story_of = self.story_of
        records = self.records
        for m in members:
            story_of[m] = sid
            story.offer_rep(m, records[m][R_TS])
        if ts > story.last_ts:
            story.last_ts = ts
            heapq.heappush(self.story_heap, (ts, sid))
        story.first_ts = min(story.first_ts, ts)
        if len(c) > CENTROID_TERMS * 2:
            self._prune(story)
            story.recompute_norm()

    def _prune(self, story: StoryState) -> None:
        keep = by_weight(story.centroid.items())[:CENTROID_TERMS]
        kept = dict(keep)
        for t in story.centroid:
            if t not in kept:
                p = self.term_post.get(t)
                if p is not None:
                    p.pop(story.id, None)
                    if not p:
                        del self.term_post[t]
        story.centroid = kept
        story.support = {t: n for t, n in story.support.items() if t in kept}

    def merge_stories(self, a: str, b: str) -> StoryState:
        """Merge stories ``a`` and ``b`` (the one with more units absorbs the other)."""
        sa, sb = self.stories[a], self.stories[b]
        for s in (sa, sb):
            if not s.active and s.centroid:  # expired: its kept centroid does not count
                self._clear(s)
        if (sb.units, -sb.first_ts) > (sa.units, -sa.first_ts):
            sa, sb = sb, sa
        story_of = self.story_of
        for m in sb.members:
            story_of[m] = sa.id
        sa.members.extend(sb.members)
        if sb.rep:
            sa.offer_rep(sb.rep, sb.rep_ts)
        self._deactivate(sb)
        c = sa.centroid
        for t, w in sb.centroid.items():
            c[t] = c.get(t, 0.0) + w
        sup = sa.support
        for t, n in sb.support.items():
            sup[t] = sup.get(t, 0) + n
        if sb.centroid:
            sa.active = True
        if sa.active:
            for t, w in c.items():
                self.term_post.setdefault(t, {})[sa.id] = w
        sa.units += sb.units
        sa.first_ts = min(sa.first_ts, sb.first_ts)
        if sb.last_ts > sa.last_ts:
            sa.last_ts = sb.last_ts
            heapq.heappush(self.story_heap, (sa.last_ts, sa.id))
        del self.stories[sb.id]
        if len(c) > CENTROID_TERMS * 2:
            self._prune(sa)
        sa.recompute_norm()
        return sa

    @staticmethod
    def _clear(story: StoryState) -> None:
        story.centroid = {}
        story.support = {}
        story.norm2 = 0.0
        story.core = {}
        story.core_norm2 = -1.0

    def release_retired(self, surfaces: Mapping[str, str] | None = None) -> None:
        """Free the centroids :meth:`expire` kept; first note each story's top terms.

        ``surfaces`` (term -> written form) makes the reason readable.
        """
        for story in self.retired:
            if self.stories.get(story.id) is not story or story.active or not story.centroid:
                continue
            if surfaces is not None and len(story.members) > 1:
                top = shared_terms(story.centroid, story.centroid, surfaces)
                if top:
                    story.reason = "top terms: " + ", ".join(top)
            self._clear(story)
        self.retired.clear()

    def _deactivate(self, story: StoryState) -> None:
        if story.active:
            post = self.term_post
            get = post.get
            sid = story.id
            for t in story.centroid:
                p = get(t)
                if p is not None:
                    if len(p) == 1:
                        if sid in p:
                            del post[t]
                    else:
                        p.pop(sid, None)
            story.active = False

    def expire(
        self,
        now: float,
        *,
        stories: bool = True,
        samples: bool = True,
        keep_centroids: bool = False,
    ) -> None:
        """Drop stories and shingle samples older than ``now - window`` from the indexes.

        With ``keep_centroids`` an expired story leaves the candidate index
        at once but keeps its centroid until :meth:`release_retired`.
        """
        if now > self.now:
            self.now = now
        limit = now - self.window_seconds
        heap = self.story_heap
        while stories and heap and heap[0][0] < limit:
            ts, sid = heapq.heappop(heap)
            story = self.stories.get(sid)
            if story is None or not story.active or story.last_ts != ts:
                continue
            self._deactivate(story)
            if keep_centroids:
                self.retired.append(story)
            else:
                self._clear(story)
        sheap = self.sample_heap
        while samples and sheap and sheap[0][0] < limit:
            ts, iid = heapq.heappop(sheap)
            rec = self.records.get(iid)
            if rec is None or not rec[R_SAMPLES] or rec[R_TS] != ts:
                continue  # forgotten, expired, or re-linked since
            self._unpost(iid, rec[R_SAMPLES])
            self.records[iid] = (*rec[:R_SAMPLES], (), rec[R_FP])

    def _unpost(self, iid: str, samples: Iterable[int]) -> None:
        """Take ``iid`` out of the postings of its shingle ``samples``."""
        postings = self.postings
        for h in samples:
            p = postings.get(h)
            if p is not None:
                if p[0] == iid:  # postings grow in time order: usually the first
                    p = p[1:]
                elif iid in p:
                    p = tuple(o for o in p if o != iid)
                else:
                    continue
                if p:
                    postings[h] = p
                else:
                    del postings[h]

    def add_samples(self, rec: ItemRecord) -> None:
        """Register an item's shingle sample in the postings."""
        if not rec[R_SAMPLES]:
            return
        postings = self.postings
        common = self.common
        iid = rec[R_ID]
        for h in rec[R_SAMPLES]:
            if h in common:
                continue
            p = postings.get(h)
            if p is None:
                postings[h] = (iid,)
            elif len(p) >= MAX_SAMPLE_POSTING:
                common.add(h)
                del postings[h]
            else:
                postings[h] = (*p, iid)
        heapq.heappush(self.sample_heap, (rec[R_TS], rec[R_ID]))

    # ---------------------------------------------------------------- forgetting
    def forget(self, item_ids: Iterable[str]) -> int:
        """Remove items from the index; return how many it knew.

        A forgotten item leaves its duplicate group (the earliest remaining
        member becomes the representative and takes over the group's keys),
        its story (a story left empty is dropped; a story's centroid keeps
        the item's contribution until the story expires, as vectors are not
        stored), the headline and sample postings and the navigation
        references waiting to resolve.  Linking the same id again afterwards
        links it as a new item.  Document frequencies stay: they are
        vocabulary statistics, not per-item state (:meth:`prune` decays them,
        see :meth:`halve_statistics`).
        """
        gone = {i for i in item_ids if i in self.records}
        if not gone:
            return 0
        # duplicate groups: rebuild each touched group without the forgotten ids
        takeover: dict[str, str | None] = {}  # forgotten id -> member inheriting its keys
        dead_groups: dict[str, str] = {}  # forgotten id -> root of its group, all forgotten
        for root in {self.root(i) for i in gone}:
            members = self.members(root)
            rest = [m for m in members if m not in gone]
            new_root = min(rest, key=lambda m: (self.records[m][R_TS], m)) if rest else None
            for m in members:
                self.parent.pop(m, None)
                if m in gone:
                    takeover[m] = new_root
                    if new_root is None:
                        dead_groups[m] = root
            reasons = self.dup_reasons.pop(root, None)
            self.dup_members.pop(root, None)
            if new_root is not None:
                for m in rest:
                    if m != new_root:
                        self.parent[m] = new_root
                if len(rest) > 1:
                    self.dup_members[new_root] = tuple(rest)
                    if reasons:
                        self.dup_reasons[new_root] = reasons
        for table in (self.url_keys, self.guid_keys, self.content_keys):
            for key, holder in [kv for kv in table.items() if kv[1] in gone]:
                heir = takeover.get(holder)
                if heir is None:
                    del table[key]
                else:
                    table[key] = heir
        # stories
        by_story: dict[str, set[str]] = {}
        for i in gone:
            sid = self.story_of.pop(i, "")
            if sid:
                by_story.setdefault(sid, set()).add(i)
        for sid, left in by_story.items():
            story = self.stories.get(sid)
            if story is None:
                continue
            story.members = [m for m in story.members if m not in left]
            if not story.members:
                self._deactivate(story)
                del self.stories[sid]
                continue
            units_gone = len({dead_groups[i] for i in left if i in dead_groups})
            story.units = max(1, story.units - units_gone)
            story.core_norm2 = -1.0
            if story.rep in left:
                story.rep, story.rep_ts = "", 0.0
                for m in story.members:
                    story.offer_rep(m, self.records[m][R_TS])
        # postings
        for i in gone:
            rec = self.records.pop(i)
            tkey = rec[R_TITLE]
            if tkey is not None:
                seen = self.titles.get(tkey)
                if seen is not None:
                    kept = tuple(o for o in seen if o != i)
                    if kept:
                        self.titles[tkey] = kept
                    else:
                        del self.titles[tkey]
            self._unpost(i, rec[R_SAMPLES])
        for key in list(self.pending_nav):
            waiting = [w for w in self.pending_nav[key] if w[0] not in gone]
            if waiting:
                self.pending_nav[key] = waiting
            else:
                del self.pending_nav[key]
        return len(gone)

    def prune(self, before: float) -> int:
        """Forget every story whose last item was published before ``before``.

        ``before`` is a POSIX timestamp; whole stories go (with their
        duplicate groups, which never span two stories), so what remains
        links as before for items newer than ``before`` plus the time window.
        Returns the number of items forgotten.  This keeps the index of a
        long-running store bounded (see ``retention``): once the documents
        counted reach twice the items kept, the term statistics are halved
        too (:meth:`halve_statistics`), which bounds the vocabulary kept.
        """
        old = [s for s in self.stories.values() if s.last_ts < before]
        if not old:
            return 0
        n = self.forget([m for s in old for m in s.members])
        self.story_heap = [e for e in self.story_heap if e[1] in self.stories]
        heapq.heapify(self.story_heap)
        self.sample_heap = [e for e in self.sample_heap if e[1] in self.records]
        heapq.heapify(self.sample_heap)
        if self.n_docs > 2 * len(self.records):
            self.halve_statistics()
        return n

    def halve_statistics(self) -> None:
        """Halve the document count, document frequencies and capitalization counts.

        :meth:`prune` calls this once the documents counted outnumber twice
        the items kept, so the statistics follow the recent vocabulary and
        stay bounded: a term seen once drops out (it then weighs like a new
        term), and a frequent term keeps about the same IDF, as both counts
        halve.  Between two halvings as many documents arrive as are kept,
        so the cost (one pass over the vocabulary) is spread over them.
        """
        self.n_docs //= 2
        self.df = {t: n >> 1 for t, n in self.df.items() if n > 1}
        caps: dict[str, int] = {}
        for t, c in self.caps.items():
            c = ((c >> CAPS_SHIFT) >> 1) << CAPS_SHIFT | (c & CAPS_LOWER) >> 1
            if c:
                caps[t] = c
        self.caps = caps

    # -------------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        """Return the index as JSON-compatible plain data (see :meth:`from_dict`)."""
        story_of = self.story_of
        recs = [
            [*r[:R_SAMPLES], list(r[R_SAMPLES]), story_of.get(r[R_ID], ""), r[R_FP]]
            for r in self.records.values()
        ]
        stories = [
            [
                s.id,
                list(s.members),
                s.centroid,
                s.support,
                s.first_ts,
                s.last_ts,
                s.units,
                s.active,
                s.reason,
            ]
            for s in self.stories.values()
        ]
        return {
            "version": INDEX_VERSION,
            "window": self.window_seconds,
            "retention": None if self.retention is None else self.retention.total_seconds(),
            "story_span": None if self.story_span is None else self.story_span.total_seconds(),
            "now": self.now if math.isfinite(self.now) else None,
            "records": recs,
            "parent": dict(self.parent),
            "dup_reasons": {k: list(v) for k, v in self.dup_reasons.items()},
            "url_keys": dict(self.url_keys),
            "guid_keys": dict(self.guid_keys),
            "content_keys": dict(self.content_keys),
            "titles": {k: list(v) for k, v in self.titles.items()},
            "common": sorted(self.common),
            "df": dict(self.df),
            "caps": {k: [v >> CAPS_SHIFT, v & CAPS_LOWER] for k, v in self.caps.items()},
            "n_docs": self.n_docs,
            "stories": stories,
            "pending_nav": {k: [list(p) for p in v] for k, v in self.pending_nav.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> LinkIndex:
        """Rebuild an index from :meth:`to_dict` output.

        Raises :class:`~feedkit.errors.StoreError` when ``data`` is not a
        linking index of a supported version.
        """
        if not isinstance(data, dict):
            raise StoreError("link index data must be a dict")
        if data.get("version") not in READABLE_VERSIONS:
            raise StoreError(f"unsupported link index version {data.get('version')!r}")
        try:
            retention = data.get("retention")
            # absent from data written before the option: the default
            span = data.get("story_span", DEFAULT_STORY_SPAN.total_seconds())
            idx = cls(
                window=timedelta(seconds=float(data["window"])),
                retention=None if retention is None else timedelta(seconds=float(retention)),
                story_span=None if span is None else timedelta(seconds=float(span)),
            )
            now = data.get("now")
            idx.now = float(now) if now is not None else float("-inf")
            for row in data["records"]:
                # version 1 rows have no fingerprint
                iid, feed, ts, ukey, tkey, tw, body, samples, story, *fp = row
                if len(fp) > 1:
                    raise ValueError(f"record row of {len(row)} fields")
                idx.records[str(iid)] = (
                    str(iid),
                    str(feed),
                    float(ts),
                    ukey,
                    tkey,
                    int(tw),
                    bool(body),
                    tuple(int(h) for h in samples),
                    str(fp[0]) if fp else "",
                )
                if story:
                    idx.story_of[str(iid)] = str(story)
            idx.parent = {str(k): str(v) for k, v in data["parent"].items()}
            groups: dict[str, list[str]] = {}
            for iid in idx.records:
                groups.setdefault(idx.root(iid), []).append(iid)
            idx.dup_members = {r: tuple(m) for r, m in groups.items() if len(m) > 1}
            idx.dup_reasons = {
                str(k): tuple(str(x) for x in v) for k, v in data["dup_reasons"].items()
            }
            idx.url_keys = {str(k): str(v) for k, v in data["url_keys"].items()}
            idx.guid_keys = {str(k): str(v) for k, v in data["guid_keys"].items()}
            idx.content_keys = {str(k): str(v) for k, v in data["content_keys"].items()}
            idx.titles = {str(k): tuple(str(x) for x in v) for k, v in data["titles"].items()}
            idx.common = {int(h) for h in data["common"]}
            idx.df = {str(k): int(v) for k, v in data["df"].items()}
            idx.caps = {
                str(k): int(v[0]) << CAPS_SHIFT | int(v[1]) for k, v in data["caps"].items()
            }
            idx.n_docs = int(data["n_docs"])
            for row in data["stories"]:
                # version 1 rows have no reason
                sid, members, centroid, support, first, last, units, active, *why = row
                if len(why) > 1:
                    raise ValueError(f"story row of {len(row)} fields")
                s = StoryState(
                    str(sid),
                    [str(m) for m in members],
                    {str(t): float(w) for t, w in centroid.items()},
                    0.0,
                    float(first),
                    float(last),
                    int(units),
                    bool(active),
                    {str(t): int(n) for t, n in support.items()},
                    reason=str(why[0]) if why else "",
                )
                s.recompute_norm()
                for m in s.members:
                    s.offer_rep(m, idx.records[m][R_TS])
                idx.stories[s.id] = s
                if s.active:
                    for t, w in s.centroid.items():
                        idx.term_post.setdefault(t, {})[s.id] = w
                    heapq.heappush(idx.story_heap, (s.last_ts, s.id))
            idx.pending_nav = {
                str(k): [(str(a), str(b)) for a, b in v] for k, v in data["pending_nav"].items()
            }
            for rec in idx.records.values():
                if rec[R_SAMPLES]:
                    idx.add_samples(rec)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreError(f"link index data is malformed: {exc!r}") from exc
        return idx
