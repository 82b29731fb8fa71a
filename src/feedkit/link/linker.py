"""``link_items``: duplicates, same-story clusters and navigation for a batch.

See :mod:`feedkit.link` for the overview and ``docs/linking.md`` for examples.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import compress, islice, repeat
from multiprocessing.context import BaseContext
from operator import ge, mul

from ..model import Group, Item, Relation
from ..normalize import canonical_url, clean_title
from . import dedupe, navigation
from .index import (
    MAX_TITLE_POSTING,
    R_BODY,
    R_FEED,
    R_FP,
    R_ID,
    R_SAMPLES,
    R_TITLE,
    R_TITLE_WORDS,
    R_TS,
    R_URL,
    ItemRecord,
    LinkIndex,
    StoryState,
)
from .stories import (
    BODY_WORDS,
    by_weight,
    count_terms,
    decide_weights,
    shared_terms,
    split_weights,
    tfidf_sorted,
)
from .text import (
    content_hash,
    guid_key,
    html_to_text,
    sample_shingles,
    title_key,
    tokenize,
    url_key,
    words,
)

__all__ = ["DEFAULT_WINDOW", "LinkResult", "link_items"]

#: Part of the merge threshold that terms carried by two or more units on each
#: side must reach on their own (see :func:`_supported_cosine`).
MERGE_SUPPORT = 0.5
#: Holders of a shared shingle sample considered per lookup (the most recent).
RECENT_POSTING = 16
#: Near-duplicate candidates verified per item (most shared samples first).
MAX_DUP_CANDIDATES = 8
#: Items linked per chunk of a large batch (bounds memory).
DEFAULT_CHUNK_SIZE = 5000
#: Default time window for near duplicates and stories.
DEFAULT_WINDOW = timedelta(days=3)
#: Default cosine (unit vector to story centroid) needed to join a story.
DEFAULT_STORY_THRESHOLD = 0.2
#: Words of body text shingled for near-duplicate detection.
SHINGLE_WORDS = 3000
#: A term in more active story centroids than this does not nominate candidates.
MAX_PROBE_STORIES = 24
#: Heaviest terms of a vector used to nominate candidate stories.
PROBE_TERMS = 8
#: Candidate stories scored exactly per decision.
MAX_CANDIDATES = 4
#: Centroid terms used to look for stories to merge with.
MERGE_PROBE_TERMS = 16


def _link_chunk(
    idx: LinkIndex,
    batch: _Batch,
    chunk: _Chunk,
    *,
    story_threshold: float,
    jaccard: float,
    containment: float,
) -> None:
    """Link one time-ordered, featurized chunk of new items into ``idx``."""
    feats, chunk_caps, chunk_df, chunk_surfaces = chunk
    caps = idx.caps
    get = caps.get
    for t, c in chunk_caps.items():  # packed counts: adding adds both
        caps[t] = get(t, 0) + c
    surfaces = batch.surfaces
    for t, form in chunk_surfaces.items():  # the first written form seen wins
        if t not in surfaces:
            surfaces[t] = form
    recs_in, guids, chashes, weights_col, undecided_col, navs = feats
    idx.n_docs += len(recs_in)
    # document frequencies and the chunk's IDF table (= idf_table) in one pass
    df = idx.df
    get = df.get
    log = math.log
    n1 = idx.n_docs + 1
    idf: dict[str, float] = {}
    for t, n in chunk_df.items():
        f = df[t] = get(t, 0) + n
        idf[t] = log(n1 / (f + 1)) + 1.0
    recs: list[ItemRecord] = []
    records = idx.records
    vecs = batch.vecs
    for rec, guid, chash, weights, undecided, nav in zip(
        recs_in, guids, chashes, weights_col, undecided_col, navs, strict=True
    ):
        iid = rec[R_ID]
        records[iid] = rec
        recs.append(rec)
        batch.guid[iid] = guid
        batch.chash[iid] = chash
        if nav:
            batch.nav[iid] = nav
        if undecided:
            decide_weights(weights, undecided, caps)
        vecs[iid] = tfidf_sorted(weights, idf)
    _dedupe(idx, batch, recs, jaccard=jaccard, containment=containment)
    _cluster(idx, batch, recs, threshold=story_threshold)
    _story_relations(idx, batch, recs)
    idx.release_retired(batch.surfaces)
    _navigate(idx, batch, recs)


@dataclass(slots=True)
class _Job:
    """A chunk on its way to linking: in a worker (``future``) or featurized (``done``)."""

    inputs: tuple[list[Item], list[float]]
    future: Future[_Chunk] | None = None
    done: _Chunk | None = None


def _link_parallel(
    idx: LinkIndex,
    chunks: Iterable[tuple[list[Item], list[float]]],
    surfaces: dict[str, str],
    relations: list[_Rel],
    workers: int,
    options: dict[str, float],
    mp_context: BaseContext | None = None,
    chunk_done: Callable[[int], None] | None = None,
) -> None:
    """Featurize chunks in worker processes, link them here in order.

    ``workers`` chunks are kept in flight.  This process featurizes the first
    chunk itself while the workers start.  Later, when the next chunk to link
    is not featurized yet, it waits for it, but not for ever: once it has
    waited (since it last featurized) as long as featurizing a chunk takes,
    it featurizes a later chunk itself (:func:`_wait_budget`).  When the
    workers keep up, the waits are short and linking, the critical path, is
    not lengthened; when they fall behind, this process takes a share of
    their work.  Featurizing is pure: who does it does not change the result.

    If a worker dies (the pool breaks) or none can start, this process
    featurizes the chunks the pool had, and all later ones, itself: the
    result is still the same.
    """
    # spawn by default: safe even when the caller runs threads
    ctx = mp_context or multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx) as executor:
        pool: ProcessPoolExecutor | None = executor  # None once it broke
        todo = iter(chunks)
        first = next(todo, None)
        if first is None:
            return
        queue: deque[_Job] = deque()  # in chunk order
        in_flight = 0

        def submit() -> bool:
            nonlocal pool, in_flight
            if pool is None:
                return False
            nxt = next(todo, None)
            if nxt is None:
                return False
            try:
                queue.append(_Job(nxt, pool.submit(featurize_chunk, *nxt)))
            except (BrokenProcessPool, OSError):  # broken, or no process could start
                pool = None
                queue.append(_Job(nxt))  # featurized here when its turn comes
                return False
            in_flight += 1
            return True

        while in_flight < workers and submit():  # the workers start on the next chunks ...
            pass
        t0 = time.perf_counter()
        queue.appendleft(_Job(first, done=featurize_chunk(*first)))  # ... while this one does
        feat_s = time.perf_counter() - t0  # featurizing one chunk here
        waited = 0.0  # waiting for the workers since this process last featurized
        while True:
            while in_flight < workers and submit():
                pass
            if not queue:
                nxt = next(todo, None)  # only once the pool broke
                if nxt is None:
                    break
                queue.append(_Job(nxt))
            job = queue[0]
            fut = job.future
            if fut is not None:
                if not fut.done() and pool is not None:
                    budget = _wait_budget(feat_s, waited)
                    t0 = time.perf_counter()
                    if budget > 0:
                        futures_wait([fut], timeout=None if math.isinf(budget) else budget)
                    waited += time.perf_counter() - t0
                    if not fut.done():
                        nxt = next(todo, None)
                        if nxt is not None:  # featurize a later chunk here instead of waiting
                            t0 = time.perf_counter()
                            queue.append(_Job(nxt, done=featurize_chunk(*nxt)))
                            feat_s = time.perf_counter() - t0
                            waited = 0.0
                            continue
                in_flight -= 1
                job.future = None
                try:
                    job.done = fut.result()
                except BrokenProcessPool:  # a worker died: no more work goes to the pool
                    pool = None
            done = job.done if job.done is not None else featurize_chunk(*job.inputs)
            queue.popleft()
            batch = _Batch(surfaces=surfaces, relations=relations)
            _link_chunk(
                idx,
                batch,
                done,
                story_threshold=options["story_threshold"],
                jaccard=options["jaccard"],
                containment=options["containment"],
            )
            if chunk_done is not None:
                chunk_done(len(job.inputs[0]))


def _wait_budget(feat_s: float, waited: float) -> float:
    """How long to wait for the workers before featurizing a chunk here instead.

    The rent-or-buy rule: keep waiting until the waits since this process
    last featurized add up to what featurizing a chunk costs (``feat_s``),
    then pay that cost.  Never more than twice the best choice in
    hindsight; near balance (short waits) the linking process only links.
    """
    return max(0.0, feat_s - waited)


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What :func:`link_items` returns.

    ``duplicates`` and ``stories`` are :class:`~feedkit.model.Group` lists in
    which every input item appears exactly once (singletons included); a
    group's ``item_ids`` starts with its representative (the earliest
    published member) and, with an index, also lists members linked in
    earlier batches.  ``relations`` explain the links of the input items.
    ``index`` is the (updated) :class:`~feedkit.link.index.LinkIndex`.
    ``relinked`` lists the ids of updated items that had been linked before
    and were linked again: their earlier relations (as source) are superseded
    by the ones in ``relations``.
    """

    duplicates: list[Group]
    stories: list[Group]
    relations: list[Relation]
    index: LinkIndex = field(repr=False, compare=False, default_factory=LinkIndex)
    relinked: tuple[str, ...] = ()

    def duplicate_of(self) -> dict[str, str]:
        """Map every item id in :attr:`duplicates` to its group's representative."""
        return {m: g.item_ids[0] for g in self.duplicates for m in g.item_ids}

    def story_of(self) -> dict[str, str]:
        """Map every item id in :attr:`stories` to its story id."""
        return {m: g.id for g in self.stories for m in g.item_ids}


#: A relation while linking: (kind, source, target, score, reason) — a tuple of
#: atoms, untracked by the cycle collector; made a Relation at the end.
_Rel = tuple[str, str, str, float, str]


@dataclass(slots=True)
class _Batch:
    """Per-batch features that are not kept in the index."""

    vecs: dict[str, dict[str, float]] = field(default_factory=dict)
    surfaces: dict[str, str] = field(default_factory=dict)
    guid: dict[str, str | None] = field(default_factory=dict)
    chash: dict[str, str | None] = field(default_factory=dict)
    nav: dict[str, Sequence[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    first_dup: set[str] = field(default_factory=set)
    relations: list[_Rel] = field(default_factory=list)


_Token = tuple[str, int, str]
_Nav = tuple[tuple[str, str | None, str | None], ...]
#: What a worker returns per item: record, GUID key, content hash, term
#: weights and the terms whose boost the capitalization statistics decide
#: (:func:`~feedkit.link.stories.split_weights`), navigation references —
#: as six columns (lists), not a tuple per item: a tuple holding a dict is
#: never untracked by the cycle collector, and 5000 of them per chunk would
#: reach the oldest generation and bring on full collections.
_Features = tuple[
    list[ItemRecord],
    list[str | None],
    list[str | None],
    list[dict[str, float]],
    list[tuple[str, ...]],
    list[_Nav],
]
#: What a worker returns per chunk: the items' features, then the chunk's
#: capitalization counts, document frequencies and first written forms.
_Chunk = tuple[_Features, dict[str, int], dict[str, int], dict[str, str]]


def fingerprint(item: Item) -> str:
    """A short hash of everything linking reads from ``item``.

    Stored with the item's record, it tells an unchanged re-sent item (not
    linked again) from an updated one (re-linked, its earlier links replaced).
    """
    parts = (
        item.feed_url,
        item.title or "",
        item.link or "",
        item.guid or "",
        item.summary or "",
        item.content_html or "",
        item.published.isoformat() if item.published else "",
        item.updated.isoformat() if item.updated else "",
        repr(tuple((n.rel, n.url, n.title) for n in item.navigation)),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def _timestamp(item: Item) -> float | None:
    when = item.published or item.updated
    if when is None:
        return None
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _featurize(
    item: Item, ts: float
) -> tuple[ItemRecord, str | None, str | None, list[_Token], list[_Token], _Nav]:
    """Compute one item's features (pure; runs in worker processes too)."""
    title = clean_title(item.title) or ""
    body_html = item.content_html or item.summary or ""
    body_text = html_to_text(body_html)
    body_words = words(body_text)
    title_words = words(title)
    if title_words and body_words == title_words:
        # Feeds without a body often repeat the headline as the summary.
        body_words = []
        body_text = ""
    rec: ItemRecord = (
        item.id,
        item.feed_url,
        ts,
        url_key(item.link),
        " ".join(title_words) or None,
        len(title_words),
        len(body_words) >= 12,
        tuple(sample_shingles(body_words[:SHINGLE_WORDS])),
        fingerprint(item),
    )
    lede = body_text
    if len(body_words) > BODY_WORDS:
        # cut at roughly BODY_WORDS words without re-tokenizing
        lede = " ".join(body_text.split(" ")[: BODY_WORDS + BODY_WORDS // 4])
    nav = tuple((n.rel, n.url, n.title) for n in item.navigation)
    return (
        rec,
        guid_key(item.guid, item.feed_url),
        content_hash(body_words),
        tokenize(title, title=True),
        tokenize(lede),
        nav,
    )


def featurize_chunk(items: Sequence[Item], times: Sequence[float]) -> _Chunk:
    """Featurize a time-ordered chunk (``times``: the items' timestamps); count its statistics.

    Returns the items' features and the chunk's capitalization evidence,
    document frequencies and first written forms of terms — everything that
    needs no state of earlier chunks.  Pure and picklable in and out, so
    :func:`link_items` can run it in worker processes (``workers=``) while the
    main process links the previous chunk.
    """
    recs: list[ItemRecord] = []
    guids: list[str | None] = []
    chashes: list[str | None] = []
    weights_col: list[dict[str, float]] = []
    undecided_col: list[tuple[str, ...]] = []
    navs: list[_Nav] = []
    caps: dict[str, int] = {}
    df: Counter[str] = Counter()
    count_docs = df.update  # counting an iterable of keys runs in C
    surfaces: dict[str, str] = {}
    shared: dict[str, str] = {}  # one string object per term (see split_weights)
    for it, ts in zip(items, times, strict=True):
        rec, guid, chash, title_toks, body_toks, nav = _featurize(it, ts)
        raw, surf = count_terms(title_toks, body_toks, caps)
        count_docs(raw.keys())
        for t, form in surf.items():
            if t not in surfaces:
                surfaces[t] = form
        weights, undecided = split_weights(raw, shared=shared)
        recs.append(rec)
        guids.append(guid)
        chashes.append(chash)
        weights_col.append(weights)
        undecided_col.append(undecided)
        navs.append(nav)
    return (recs, guids, chashes, weights_col, undecided_col, navs), caps, df, surfaces


def _dup_link(
    idx: LinkIndex, batch: _Batch, rec: ItemRecord, other: str, score: float, reason: str
) -> None:
    if idx.root(rec[R_ID]) == idx.root(other):
        return
    idx.union(rec[R_ID], other, reason)
    if rec[R_ID] not in batch.first_dup:
        batch.first_dup.add(rec[R_ID])
        batch.relations.append(("duplicate", rec[R_ID], other, round(score, 4), reason))


def _dedupe(
    idx: LinkIndex,
    batch: _Batch,
    recs: list[ItemRecord],
    *,
    jaccard: float,
    containment: float,
) -> None:
    window = idx.window_seconds
    span = idx.span_seconds
    sheap = idx.sample_heap
    for rec in recs:
        ts = rec[R_TS]
        if ts > idx.now or (sheap and sheap[0][0] < ts - window):
            idx.expire(ts, stories=False)
        iid = rec[R_ID]
        exact = False
        for key, table, reason in (
            (rec[R_URL], idx.url_keys, "same canonical URL"),
            (batch.guid[iid], idx.guid_keys, "same GUID"),
            (batch.chash[iid], idx.content_keys, "same normalized content"),
        ):
            if key is None:
                continue
            other = table.get(key)
            if other is None:
                table[key] = iid
            else:
                _dup_link(idx, batch, rec, other, 1.0, reason)
                exact = True
        if not exact and rec[R_SAMPLES]:
            common = idx.common
            mine = [h for h in rec[R_SAMPLES] if h not in common]
            counts: dict[str, int] = {}
            postings = idx.postings
            for h in mine:
                p = postings.get(h)
                if p:
                    # a passage many items share: its most recent holders suffice
                    for o in p if len(p) <= RECENT_POSTING else p[-RECENT_POSTING:]:
                        counts[o] = counts.get(o, 0) + 1
            if counts:
                # shared samples a duplicate needs at the least (Jaccard or containment)
                need = max(
                    min(2, len(mine)),
                    min(
                        math.ceil(jaccard * len(mine)),
                        math.ceil(containment * dedupe.MIN_CONTAINMENT_SAMPLES),
                    ),
                )
                mine_set = set(mine)
                ranked = by_weight(counts.items())
                for o, n in ranked[:MAX_DUP_CANDIDATES]:
                    if n < need:
                        break
                    orec = idx.records[o]
                    if abs(orec[R_TS] - rec[R_TS]) > window or idx.root(o) == idx.root(iid):
                        continue
                    theirs = [h for h in orec[R_SAMPLES] if h not in common]
                    verdict = dedupe.near_duplicate(
                        mine_set,
                        theirs,
                        jaccard_threshold=jaccard,
                        containment_threshold=containment,
                    )
                    if verdict is not None and _within_span(idx, iid, o, span):
                        _dup_link(idx, batch, rec, o, verdict.score, verdict.reason)
                        exact = True
        tkey = rec[R_TITLE]
        if tkey is not None:
            seen = idx.titles.get(tkey)
            if not exact and seen and rec[R_TITLE_WORDS] >= dedupe.MIN_TITLE_WORDS:
                for o in reversed(seen):
                    orec = idx.records[o]
                    if (
                        orec[R_FEED] != rec[R_FEED]
                        and abs(orec[R_TS] - rec[R_TS]) <= window
                        and not (orec[R_BODY] and rec[R_BODY])
                        and _within_span(idx, iid, o, span)
                    ):
                        _dup_link(idx, batch, rec, o, 0.9, "same headline (no body to compare)")
                        break
            # tuples of str: the cycle collector stops tracking them
            idx.titles[tkey] = (iid,) if seen is None else (*seen[1 - MAX_TITLE_POSTING :], iid)
        idx.add_samples(rec)


def _within_span(idx: LinkIndex, a: str, b: str, span: float) -> bool:
    """Whether the duplicate groups of ``a`` and ``b`` together cover ``span`` seconds at most.

    Near duplicates (shared passages, the same headline) are found within the
    window, pair by pair; without this bound a template filled in day after
    day would chain them into one group for ever.  Exact duplicates (URL,
    GUID, content) have no such bound.
    """
    if math.isinf(span):
        return True
    records = idx.records
    stamps = [records[m][R_TS] for m in (*idx.members(idx.root(a)), *idx.members(idx.root(b)))]
    return max(stamps) - min(stamps) <= span


def _unit_vector(batch: _Batch, members: Sequence[str]) -> dict[str, float]:
    vecs = [batch.vecs[m] for m in members if m in batch.vecs]
    if len(vecs) == 1:
        return vecs[0]
    acc: dict[str, float] = {}
    for v in vecs:
        for t, w in v.items():
            acc[t] = acc.get(t, 0.0) + w
    norm = math.sqrt(sum(w * w for w in acc.values())) or 1.0
    return {t: w / norm for t, w in by_weight(acc.items())}


def _best_story(
    idx: LinkIndex,
    vec: dict[str, float],
    exclude: str = "",
    threshold: float = 0.0,
    ts: float | None = None,
) -> tuple[StoryState | None, float]:
    """Return the active story whose centroid is most similar to ``vec``, and the cosine.

    Candidates are nominated through the term postings by the
    :data:`PROBE_TERMS` heaviest terms of ``vec``; the other terms add to
    the nominees' dot products through the same postings.  A term in more
    than :data:`MAX_PROBE_STORIES` active stories is too common to go through
    the postings: it is added only to the :data:`MAX_CANDIDATES` best.
    With a ``threshold``, only a story whose centroid cosine and core cosine
    (:func:`_core_cosine`: terms most of its units carry) both reach it
    qualifies: a unit must match what the story is about, not just the few
    items one bridge brought in.  With ``ts`` (the unit's time), a story that
    would then cover more than the index's story span does not qualify.
    """
    post = idx.term_post.get
    stories = idx.stories
    dots: dict[str, float] = {}
    get = dots.get
    common_t: list[str] = []
    common_w: list[float] = []
    limit = MAX_PROBE_STORIES
    terms = iter(vec.items())  # vectors list their heaviest terms first
    for t, w in islice(terms, PROBE_TERMS):  # a heavy term nominates the stories that have it
        p = post(t)
        if not p:
            continue
        if len(p) > limit:
            common_t.append(t)
            common_w.append(w)
        else:
            for sid, cw in p.items():
                dots[sid] = get(sid, 0.0) + w * cw
    if not dots:
        return None, 0.0
    nominees = dots.keys()
    for t, w in terms:  # a light one only adds to the nominees' dot products
        p = post(t)
        if not p:
            continue
        if len(p) > limit:
            common_t.append(t)
            common_w.append(w)
        else:
            for sid in nominees & p.keys():
                dots[sid] += w * p[sid]
    dots.pop(exclude, None)
    if not dots:
        return None, 0.0
    if len(dots) > MAX_CANDIDATES:
        # = heapq.nlargest(MAX_CANDIDATES, dots, key=...), ties included, at C level
        cands = sorted(dots, key=dots.__getitem__, reverse=True)[:MAX_CANDIDATES]
    else:
        cands = list(dots)
    best: StoryState | None = None
    best_key = (0.0, 0.0, "")
    vnorm = 0.0  # the norm of vec, once a core cosine needs it
    span = idx.span_seconds
    for sid in cands:
        s = stories[sid]
        dot = dots[sid]
        if common_t:
            dot += sum(map(mul, common_w, map(s.centroid.get, common_t, repeat(0.0))))
        sim = dot / math.sqrt(s.norm2) if s.norm2 > 0 else 0.0
        key = (sim, -s.first_ts, sid)
        if best is not None and key <= best_key:
            continue
        if ts is not None and s.span_with(ts, ts) > span:
            continue
        if threshold:
            if sim < threshold:
                continue
            if s.units > 1:
                if not vnorm:
                    ws = vec.values()
                    vnorm = math.sqrt(sum(map(mul, ws, ws))) or 1.0
                if _core_cosine(s, vec, vnorm) < threshold:
                    continue
        best, best_key = s, key
    return best, best_key[0]


def _core_cosine(story: StoryState, vec: dict[str, float], vnorm: float) -> float:
    """Cosine between ``vec`` (of norm ``vnorm``) and the story's core (terms most units carry)."""
    if story.units == 1:
        return 1.0
    norm = story.core_norm()
    if not norm:
        return 0.0
    # a term not carried by most units adds an exact 0.0, which changes no sum
    dot: float = sum(map(mul, vec.values(), map(story.core_terms().get, vec, repeat(0.0))))
    return dot / (norm * vnorm)


def _supported_cosine(a: StoryState, b: StoryState) -> float:
    """Centroid cosine counting only terms carried by two or more units on each side.

    A term one item brought into a story (a bridge's other topic) is no
    evidence that the story matches another; a singleton's terms all count.
    """
    na, nb = min(2, a.units), min(2, b.units)
    ca, cb = a.centroid, b.centroid
    sa, sb = a.support, b.support
    if len(ca) > len(cb):
        ca, cb, sa, sb, na, nb = cb, ca, sb, sa, nb, na
    dot = 0.0
    for t, w in ca.items():
        if t in cb and sa.get(t, 0) >= na and sb.get(t, 0) >= nb:
            dot += w * cb[t]
    return dot / math.sqrt(a.norm2 * b.norm2) if a.norm2 and b.norm2 else 0.0


def _centroid_moved(units: int) -> bool:
    """Whether a story that just reached ``units`` units should look for merges.

    A centroid of n units moves by about 1/n per new unit, so stories look for
    merge partners at geometrically spaced sizes (2, 3, 4, 6, 8, 12, 16, ...)
    rather than after every unit: the same merges, far fewer probes.
    """
    if units <= 4:
        return True
    while units % 2 == 0:
        units //= 2
    return units in (1, 3)


def _heaviest(vec: dict[str, float], n: int) -> dict[str, float]:
    """The ``n`` heaviest terms of ``vec``, heaviest first (ties: smaller term first).

    The same as sorting all items by ``(-weight, term)`` and keeping ``n``,
    but only the terms reaching the n-th largest weight are ranked.
    """
    items: Iterable[tuple[str, float]] = vec.items()
    if len(vec) > n:
        cut = sorted(vec.values(), reverse=True)[n - 1]
        items = compress(items, map(ge, vec.values(), repeat(cut)))
    return dict(by_weight(items)[:n])


def _merge_similar(idx: LinkIndex, story: StoryState, threshold: float) -> StoryState:
    """Merge ``story`` with active stories whose centroids are as similar.

    Centroid linkage (cosine of the two centroids >= ``threshold``) with a
    cohesion check: the part of that similarity carried by terms two or more
    units share on each side must reach ``threshold * MERGE_SUPPORT`` — one
    bridging item cannot glue two unrelated stories together.  Two stories
    that together would cover more than the story span stay apart.
    """
    span = idx.span_seconds
    while True:
        probe = _heaviest(story.centroid, MERGE_PROBE_TERMS)
        best, _ = _best_story(idx, probe, exclude=story.id)
        if best is None:
            return story
        # exact centroid cosine
        a, b = story.centroid, best.centroid
        if len(a) > len(b):
            a, b = b, a
        dot = sum(map(mul, a.values(), map(b.get, a, repeat(0.0))))
        sim = dot / math.sqrt(story.norm2 * best.norm2) if story.norm2 and best.norm2 else 0.0
        if sim < threshold or _supported_cosine(story, best) < threshold * MERGE_SUPPORT:
            return story
        if story.span_with(best.first_ts, best.last_ts) > span:
            return story  # together they would cover more than a story may
        story = idx.merge_stories(story.id, best.id)


def _cluster(idx: LinkIndex, batch: _Batch, recs: list[ItemRecord], *, threshold: float) -> None:
    # Units: the duplicate groups touched by the batch, in time order of their
    # first new member.
    unit_new: dict[str, list[str]] = {}
    unit_ts: dict[str, float] = {}
    for rec in recs:
        r = idx.root(rec[R_ID])
        unit_new.setdefault(r, []).append(rec[R_ID])
        if r not in unit_ts:
            unit_ts[r] = rec[R_TS]
    order = sorted(unit_new)  # by time, then id (a stable sort twice: no key tuples)
    order.sort(key=unit_ts.__getitem__)
    story_of = idx.story_of
    heap = idx.story_heap
    window = idx.window_seconds
    for r in order:
        new = unit_new[r]
        members = idx.members(r)
        ts = unit_ts[r]
        if ts > idx.now or (heap and heap[0][0] < ts - window):
            idx.expire(ts, samples=False, keep_centroids=True)
        old_story = ""
        for m in members:
            s = story_of.get(m)
            if s and s in idx.stories:
                old_story = s
                break
        if old_story:
            story = idx.stories[old_story]
            for m in new:
                story_of[m] = old_story
                story.offer_rep(m, idx.records[m][R_TS])
            story.members.extend(new)
            if ts > story.last_ts:
                story.last_ts = ts
                heapq.heappush(idx.story_heap, (ts, story.id))
            continue
        vec = _unit_vector(batch, new)
        best, sim = _best_story(idx, vec, threshold=threshold, ts=ts) if vec else (None, 0.0)
        if best is not None and sim >= threshold:
            idx.add_to_story(best, new, vec, ts)
            if _centroid_moved(best.units):
                _merge_similar(idx, best, threshold)
        else:
            idx.new_story(new, vec, ts)


def _story_relations(idx: LinkIndex, batch: _Batch, recs: list[ItemRecord]) -> None:
    done: set[str] = set()
    for rec in recs:
        r = idx.root(rec[R_ID])
        if r in done:
            continue
        done.add(r)
        story = idx.stories[idx.story_of[r]]
        if len(story.members) < 2:
            continue
        rep = story.rep
        if idx.root(rep) == r:
            continue
        vec = batch.vecs.get(r) or _unit_vector(batch, idx.members(r))
        c = story.centroid
        if c and vec:
            dot = sum(map(mul, vec.values(), map(c.get, vec, repeat(0.0))))
            score = dot / math.sqrt(story.norm2) if story.norm2 else 0.0
            terms = shared_terms(vec, c, batch.surfaces)
            reason = "shared terms: " + ", ".join(terms) if terms else "same story"
        else:
            score, reason = 0.0, "same story"
        batch.relations.append(("same_story", r, rep, round(score, 4), reason))


def _nav_targets(
    idx: LinkIndex, rec: ItemRecord, url: str | None, title: str | None
) -> tuple[str, float, str, str]:
    """Resolve one navigation reference: (target, score, reason, pending key)."""
    ukey = url_key(url) if url else None
    if ukey is not None:
        hit = idx.url_keys.get(ukey)
        if hit is not None:
            return hit, 1.0, navigation.REASON_BY_URL, ""
    tkey = title_key(clean_title(title)) if title else None
    if tkey is not None:
        seen = idx.titles.get(tkey)
        if seen:
            same_feed = [o for o in seen if idx.records[o][R_FEED] == rec[R_FEED]]
            pool = same_feed or seen
            hit = max(pool, key=lambda o: (idx.records[o][R_TS], o))
            return hit, 0.9, navigation.REASON_BY_TITLE, ""
    if ukey is not None:
        target = canonical_url(url) or str(url)
        return target, 0.0, navigation.REASON_EXTERNAL_URL, "u:" + ukey
    if tkey is not None:
        return clean_title(title) or str(title), 0.0, navigation.REASON_EXTERNAL_TITLE, "t:" + tkey
    return "", 0.0, "", ""


def _navigate(idx: LinkIndex, batch: _Batch, recs: list[ItemRecord]) -> None:
    # First: earlier unresolved references that this batch's items satisfy.
    if idx.pending_nav:
        for rec in recs:
            for key in (
                "u:" + rec[R_URL] if rec[R_URL] else None,
                "t:" + rec[R_TITLE] if rec[R_TITLE] else None,
            ):
                if key is None:
                    continue
                waiting = idx.pending_nav.pop(key, None)
                if not waiting:
                    continue
                reason = navigation.REASON_BY_URL if key[0] == "u" else navigation.REASON_BY_TITLE
                score = 1.0 if key[0] == "u" else 0.9
                for source, kind in waiting:
                    if source != rec[R_ID]:
                        batch.relations.append((kind, source, rec[R_ID], score, reason))
    for rec in recs:
        links = batch.nav.get(rec[R_ID])
        if not links:
            continue
        seen: set[tuple[str, str]] = set()
        for rel, url, title in links:
            kind = navigation.nav_kind(rel)
            target, score, reason, pending = _nav_targets(idx, rec, url, title)
            if not target or target == rec[R_ID] or (kind, target) in seen:
                continue
            seen.add((kind, target))
            if pending:
                waiting = idx.pending_nav.setdefault(pending, [])
                if (rec[R_ID], kind) not in waiting:
                    waiting.append((rec[R_ID], kind))
            batch.relations.append((kind, rec[R_ID], target, score, reason))


def _chunks(
    items: Sequence[Item], times: Sequence[float], order: Sequence[int], size: int
) -> Iterator[tuple[list[Item], list[float]]]:
    """Yield ``(items, times)`` chunks in ``order``, built one at a time."""
    for start in range(0, len(order), size):
        part = order[start : start + size]
        yield [items[i] for i in part], [times[i] for i in part]


def link_items(
    items: Sequence[Item],
    *,
    index: LinkIndex | None = None,
    window: timedelta | None = None,
    story_threshold: float = DEFAULT_STORY_THRESHOLD,
    jaccard_threshold: float = 0.5,
    containment_threshold: float = 0.8,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    retention: timedelta | None = None,
    mp_context: BaseContext | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> LinkResult:
    """Link a batch of items: duplicates, same-story clusters, navigation.

    ``index`` carries what earlier batches saw (it is updated in place and
    returned as ``result.index``); without one a fresh index is used, so a
    single call links the batch on its own.  ``window`` (default 3 days, or
    the index's) bounds near-duplicate and same-story comparisons in
    publication time.  ``story_threshold`` is the cosine between an item's
    TF-IDF vector and a story centroid needed to join the story;
    ``jaccard_threshold`` / ``containment_threshold`` decide near duplicates
    over shingle samples.

    An item whose id was already linked in an earlier batch is not linked
    again when it is unchanged (same :func:`fingerprint`); it still appears
    in the returned groups.  An *updated* one is forgotten by the index
    (:meth:`LinkIndex.forget`) and linked anew, and its id is listed in
    ``result.relinked``.  Within one batch the first item with an id counts.
    Items without a date are placed at the newest time seen.  A large batch
    is linked in publication order, ``chunk_size`` items at a time, exactly as
    if it had been fed chunk by chunk with an index (document frequencies and
    capitalization statistics grow chunk by chunk); this bounds memory.
    ``workers`` counts processes: with ``workers > 1`` and more than one
    chunk, ``workers - 1`` spawned worker processes featurize chunks (HTML to
    text, tokens, shingles, keys, term counts) while this process links the
    previous chunk; the result is identical.  They are spawned (safe when the
    caller runs threads; a script then needs the usual ``if __name__ ==
    "__main__":`` guard) unless ``mp_context`` names another
    :mod:`multiprocessing` context, such as ``get_context("fork")``.

    ``progress``, when given, is called after every chunk with the number of
    new items linked so far and their total (long batches take seconds).

    ``retention`` (or the index's own) bounds the index for a long-running
    store: after linking, stories whose last item is older than the newest
    item seen minus ``retention`` (at least the window) are forgotten
    (:meth:`LinkIndex.prune`).  Without it the index keeps every item.
    """
    if not 0.0 < story_threshold <= 1.0:
        raise ValueError("story_threshold must be in (0, 1]")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if workers < 1:
        raise ValueError("workers must be positive")
    if retention is not None and retention.total_seconds() <= 0:
        raise ValueError("retention must be positive")
    if index is None:
        index = LinkIndex(window=window or DEFAULT_WINDOW, retention=retention)
    else:
        if window is not None:
            index.window = window
        if retention is not None:
            index.retention = retention
    idx = index

    # 1. the items not linked yet, in publication order
    fresh: list[Item] = []
    input_ids: list[str] = []
    seen_ids: set[str] = set()
    relinked: list[str] = []
    records = idx.records
    for it in items:
        if it.id in seen_ids:
            continue
        seen_ids.add(it.id)
        input_ids.append(it.id)
        old = records.get(it.id)
        if old is None:
            fresh.append(it)
        elif old[R_FP] and old[R_FP] != fingerprint(it):
            relinked.append(it.id)
            fresh.append(it)
    if relinked:
        idx.forget(relinked)
    stamps = [_timestamp(it) for it in fresh]
    known = [t for t in stamps if t is not None]
    fallback = max(known) if known else (idx.now if math.isfinite(idx.now) else 0.0)
    times = [fallback if ts is None else ts for ts in stamps]
    del stamps, known
    # by time, then id: two stable sorts of positions (no per-item key tuples)
    order = sorted(range(len(fresh)), key=[it.id for it in fresh].__getitem__)
    order.sort(key=times.__getitem__)

    # 2. chunk by chunk: features, duplicates, stories, navigation
    surfaces: dict[str, str] = {}
    relations: list[_Rel] = []
    n_chunks = -(-len(order) // chunk_size)
    chunks = _chunks(fresh, times, order, chunk_size)
    options = {
        "story_threshold": story_threshold,
        "jaccard": jaccard_threshold,
        "containment": containment_threshold,
    }  # for the worker path
    linked = 0

    def chunk_done(size: int) -> None:
        nonlocal linked
        linked += size
        if progress is not None:
            progress(linked, len(order))

    if workers > 1 and n_chunks > 1:
        _link_parallel(idx, chunks, surfaces, relations, workers, options, mp_context, chunk_done)
    else:
        for chunk in chunks:
            batch = _Batch(surfaces=surfaces, relations=relations)
            _link_chunk(
                idx,
                batch,
                featurize_chunk(*chunk),
                story_threshold=story_threshold,
                jaccard=jaccard_threshold,
                containment=containment_threshold,
            )
            chunk_done(len(chunk[0]))

    # 5. groups covering every input item exactly once
    duplicates: list[Group] = []
    dup_seen: set[str] = set()
    for iid in input_ids:
        r = idx.root(iid)
        if r in dup_seen:
            continue
        dup_seen.add(r)
        if r not in idx.dup_members:  # most items: alone in their group
            duplicates.append(Group("dup:" + r, (r,), ""))
            continue
        reason = "; ".join(idx.dup_reasons.get(r, ()))
        duplicates.append(Group("dup:" + r, tuple(idx.group_of(r)), reason))
    stories: list[Group] = []
    story_seen: set[str] = set()
    for iid in input_ids:
        sid = idx.story_of[iid]
        if sid in story_seen:
            continue
        story_seen.add(sid)
        st = idx.stories[sid]
        rep = st.rep
        rest = sorted((m for m in st.members if m != rep), key=lambda m: (idx.records[m][R_TS], m))
        reason = ""
        if len(st.members) > 1 and st.centroid:
            top = shared_terms(st.centroid, st.centroid, surfaces)
            reason = "top terms: " + ", ".join(top)
        elif len(st.members) > 1:
            reason = st.reason  # noted when it left the window
        stories.append(Group(sid, (rep, *rest), reason))
    if idx.retention is not None and math.isfinite(idx.now):
        idx.prune(idx.now - max(idx.retention, idx.window).total_seconds())
    return LinkResult(duplicates, stories, [Relation(*r) for r in relations], idx, tuple(relinked))
