"""Same-story clustering: TF-IDF vectors and centroid clusters.

Each item becomes a sparse TF-IDF vector over its headline and the start of
its text (:func:`item_terms`, :func:`tfidf_vector`): headline words count
twice, named-entity-ish tokens (capitalized words inside a sentence,
acronyms, numbers, multi-word capitalized phrases such as "Iyad Ag Ghaly")
weigh :data:`ENTITY_BOOST` times more, and only the :data:`VECTOR_TERMS`
heaviest terms are kept.

A duplicate group is one *unit* (its members' vectors summed), so twenty
syndicated copies of one wire story count once.  Units are assigned, in
publication order, to the most similar *active* story — one whose last item
is within the time window — when their cosine to the story **centroid** (the
sum of its units' vectors) reaches the threshold; otherwise they start a new
story.  When a story changes, it is merged with another active story whose
centroid is as similar.  Because every decision compares against a centroid,
never against the single nearest member, a chain A~B~C of pairwise-similar
items does not pull unrelated A and C together (single-link chaining); the
test-suite checks that property.

Candidate stories come from an inverted index of centroid terms restricted to
the active window, so the cost per unit depends on how many active stories
share its terms, not on the total number of items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from operator import itemgetter, mul, neg
from typing import TypeVar

from .text import Token

_W = TypeVar("_W", int, float)

__all__ = [
    "ENTITY_BOOST",
    "TITLE_WEIGHT",
    "VECTOR_TERMS",
    "cosine",
    "count_capitals",
    "count_terms",
    "decide_weights",
    "idf_table",
    "item_terms",
    "raw_terms",
    "shared_terms",
    "split_weights",
    "tfidf_sorted",
    "tfidf_vector",
    "weigh_terms",
]

#: Weight multiplier of named-entity-ish terms.
ENTITY_BOOST = 2.0
#: How many times a headline occurrence counts.
TITLE_WEIGHT = 2
#: Terms kept per item vector.
VECTOR_TERMS = 32
#: Words of body text read for the story vector (the lede carries the event).
BODY_WORDS = 300


#: ``caps`` values pack two counts: ``capital << CAPS_SHIFT | lower``.
CAPS_SHIFT = 32
#: Mask of the lower-case count in a ``caps`` value.
CAPS_LOWER = (1 << CAPS_SHIFT) - 1
_ONE_CAPITAL = 1 << CAPS_SHIFT


def count_capitals(tokens: Iterable[tuple[str, int, str]], caps: dict[str, int]) -> None:
    """Add capitalization evidence of ``tokens`` to ``caps``.

    ``caps`` maps a term to ``capital << CAPS_SHIFT | lower`` — two counts in
    one int, so merging two tables is adding their values, and a large
    vocabulary costs no small lists (nothing for the cycle collector to
    walk).  Only informative positions count: a capitalized word inside a
    sentence (:attr:`Token.ENTITY`, words only, not numbers or acronyms) and
    a lower-case word (:attr:`Token.WORD`).
    """
    word, ent, one_cap = Token.WORD, Token.ENTITY, _ONE_CAPITAL
    get = caps.get
    for term, kind, surface in tokens:
        if kind == word:
            caps[term] = get(term, 0) + 1
        elif kind == ent and surface[:1].isupper() and not surface.isupper():
            caps[term] = get(term, 0) + one_cap


#: ``raw_terms`` flags: written as an entity / capitalized where that says nothing.
_ENTITY_SEEN = 1
_CAPITAL_SEEN = 2


def raw_terms(
    title_tokens: Iterable[tuple[str, int, str]],
    body_tokens: Iterable[tuple[str, int, str]],
) -> tuple[dict[str, int], dict[str, str]]:
    """Count an item's terms: ``({term: tf << 2 | flags}, {term: written form})``.

    ``tf`` counts headline occurrences :data:`TITLE_WEIGHT` times; the two
    flag bits record whether the term was written as an entity or only
    capitalized where that says nothing.  Packed in one int so the counts
    are plain atoms (cheap to pickle, invisible to the cycle collector).  The
    written forms are the first non-lower-case ones (for reasons).  Needs no
    batch statistics, so it runs in worker processes.
    """
    raw: dict[str, int] = {}
    surf: dict[str, str] = {}
    entity, capital = _ENTITY_SEEN, _CAPITAL_SEEN
    cap_kind, ent_kind = Token.CAPITALIZED, Token.ENTITY
    for weight, tokens in ((TITLE_WEIGHT << 2, title_tokens), (1 << 2, body_tokens)):
        for term, kind, surface in tokens:
            add = weight
            if kind == ent_kind:
                add |= entity
            elif kind == cap_kind:
                add |= capital
            old = raw.get(term)
            raw[term] = add if old is None else (((old >> 2) + (add >> 2)) << 2) | ((old | add) & 3)
            if term not in surf and not surface.islower():
                surf[term] = surface
    return raw, surf


def count_terms(
    title_tokens: Iterable[tuple[str, int, str]],
    body_tokens: Iterable[tuple[str, int, str]],
    caps: dict[str, int],
) -> tuple[dict[str, int], dict[str, str]]:
    """:func:`count_capitals` of both token lists, then :func:`raw_terms`, in one pass.

    ``caps`` is updated exactly as the two :func:`count_capitals` calls would;
    the return value is that of :func:`raw_terms`.
    """
    raw: dict[str, int] = {}
    surf: dict[str, str] = {}
    entity, capital = _ENTITY_SEEN, _CAPITAL_SEEN
    word_kind, cap_kind, ent_kind = Token.WORD, Token.CAPITALIZED, Token.ENTITY
    one_cap = _ONE_CAPITAL
    get, cget = raw.get, caps.get
    for weight, tokens in ((TITLE_WEIGHT << 2, title_tokens), (1 << 2, body_tokens)):
        for term, kind, surface in tokens:
            if kind == word_kind:
                caps[term] = cget(term, 0) + 1
                add = weight
            elif kind == ent_kind:
                if surface[:1].isupper() and not surface.isupper():
                    caps[term] = cget(term, 0) + one_cap
                add = weight | entity
            elif kind == cap_kind:
                add = weight | capital
            else:
                add = weight
            old = get(term)
            raw[term] = add if old is None else (((old >> 2) + (add >> 2)) << 2) | ((old | add) & 3)
            if term not in surf and not surface.islower():
                surf[term] = surface
    return raw, surf


def split_weights(
    raw: Mapping[str, int], *, shared: dict[str, str] | None = None
) -> tuple[dict[str, float], tuple[str, ...]]:
    """The part of :func:`weigh_terms` that needs no capitalization statistics.

    Returns ``(weights, undecided)``: ``weights`` as :func:`weigh_terms` gives
    them, in term order (as :func:`tfidf_sorted` wants them), except that the
    ``undecided`` terms (capitalized only where that says nothing) are not
    boosted yet — :func:`decide_weights` does that once the statistics are
    known.  Runs in worker processes.

    ``shared`` (term -> term) makes equal terms of many items one string
    object: the first one seen is kept and added.  A chunk of features then
    pickles each term once (the pickler writes a repeated object as a
    back-reference), and unpickles to less memory.
    """
    items = sorted(raw.items())
    if shared is not None:
        one = shared.setdefault
        items = [(one(t, t), packed) for t, packed in items]
    out: dict[str, float] = {}
    undecided: list[str] = []
    log = math.log
    boost = ENTITY_BOOST
    for t, packed in items:
        if packed & _ENTITY_SEEN:
            out[t] = (1.0 + log(packed >> 2)) * boost
        else:
            out[t] = 1.0 + log(packed >> 2)
            if packed & _CAPITAL_SEEN:
                undecided.append(t)
    return out, tuple(undecided)


def decide_weights(
    weights: dict[str, float], undecided: Iterable[str], caps: Mapping[str, int]
) -> dict[str, float]:
    """Boost the ``undecided`` terms of :func:`split_weights` that ``caps`` shows as names.

    ``weights`` is updated in place and returned; the result equals
    :func:`weigh_terms` of the same raw counts.
    """
    boost = ENTITY_BOOST
    get = caps.get
    for t in undecided:
        c = get(t, 0)
        if c >> CAPS_SHIFT > c & CAPS_LOWER:
            weights[t] *= boost
    return weights


def weigh_terms(raw: Mapping[str, int], caps: Mapping[str, int] | None = None) -> dict[str, float]:
    """Turn :func:`raw_terms` counts into boosted frequencies ``{term: (1 + ln tf) * boost}``.

    A term gets :data:`ENTITY_BOOST` when it was written as an entity, or
    when it was capitalized only where that says nothing (sentence start,
    title-case headline) and ``caps`` (see :func:`count_capitals`) shows it
    capitalized more often than not elsewhere — so "Dunham" in "Lena Dunham
    Apologizes For Joke" counts as a name and "Apologizes" does not.
    """
    out: dict[str, float] = {}
    log = math.log
    for t, packed in raw.items():
        boost = 1.0
        if packed & _ENTITY_SEEN:
            boost = ENTITY_BOOST
        elif packed & _CAPITAL_SEEN and caps is not None:
            c = caps.get(t, 0)
            if c >> CAPS_SHIFT > c & CAPS_LOWER:
                boost = ENTITY_BOOST
        out[t] = (1.0 + log(packed >> 2)) * boost
    return out


def item_terms(
    title_tokens: Iterable[tuple[str, int, str]],
    body_tokens: Iterable[tuple[str, int, str]],
    surfaces: dict[str, str] | None = None,
    caps: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """:func:`raw_terms` then :func:`weigh_terms`; ``surfaces`` collects written forms."""
    raw, surf = raw_terms(title_tokens, body_tokens)
    if surfaces is not None:
        for t, w in surf.items():
            surfaces.setdefault(t, w)
    return weigh_terms(raw, caps)


def tfidf_vector(
    terms: Mapping[str, float],
    df: Mapping[str, int],
    n_docs: int,
    *,
    top: int = VECTOR_TERMS,
    idf: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Weight ``terms`` by smoothed IDF, keep the ``top`` heaviest, L2-normalize.

    The returned dict lists terms heaviest first.
    ``idf = ln((n_docs + 1) / (df + 1)) + 1``; a term seen in every document
    still counts a little, which keeps tiny batches (a handful of items)
    meaningful.  ``idf`` may give precomputed values (see :func:`idf_table`).
    """
    if not terms:
        return {}
    if idf is None:
        idf = idf_table(terms, df, n_docs)
    # (-weight, term) pairs, built and sorted at C level
    negw = map(mul, map(neg, terms.values()), map(idf.__getitem__, terms))
    weighted = sorted(zip(negw, terms, strict=True))
    if len(weighted) > top:
        weighted = weighted[:top]
    norm = math.sqrt(sum(w * w for w, _ in weighted)) or 1.0
    return {t: -w / norm for w, t in weighted}


def tfidf_sorted(
    terms: Mapping[str, float], idf: Mapping[str, float], *, top: int = VECTOR_TERMS
) -> dict[str, float]:
    """:func:`tfidf_vector` for ``terms`` listed in term order (the same result).

    Sorting positions by weight is stable, so equal weights stay in term
    order — the tie-break :func:`tfidf_vector` gets from sorting
    ``(-weight, term)`` pairs, without building a pair per term.
    """
    keys = list(terms)
    negw = list(map(mul, map(neg, terms.values()), map(idf.__getitem__, keys)))
    order = sorted(range(len(keys)), key=negw.__getitem__)
    if len(order) > top:
        del order[top:]
    kept = [negw[i] for i in order]
    norm = math.sqrt(sum(map(mul, kept, kept))) or 1.0
    return {keys[i]: -negw[i] / norm for i in order}


def by_weight(pairs: Iterable[tuple[str, _W]]) -> list[tuple[str, _W]]:
    """``(term, weight)`` pairs, heaviest first, equal weights in term order.

    The same order as sorting by ``(-weight, term)``, from two sorts with C
    level keys: by term, then (stably) by weight, descending.  Terms must be
    unique, as they are in a dict's items.
    """
    out = sorted(pairs)
    out.sort(key=itemgetter(1), reverse=True)  # reverse sorting stays stable
    return out


def idf_table(terms: Iterable[str], df: Mapping[str, int], n_docs: int) -> dict[str, float]:
    """Smoothed IDF of ``terms``: ``ln((n_docs + 1) / (df + 1)) + 1``."""
    log = math.log
    n1 = n_docs + 1
    return {t: log(n1 / (df.get(t, 0) + 1)) + 1.0 for t in terms}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors (any norms)."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def shared_terms(
    a: Mapping[str, float],
    b: Mapping[str, float],
    surfaces: Mapping[str, str],
    *,
    limit: int = 4,
) -> list[str]:
    """Return the written forms of the terms contributing most to ``a · b``.

    A shared phrase ("Iyad Ag Ghaly") stands for its words ("ghaly" is not
    repeated) and ranks by its best word; very short words are left out.
    """
    if a is b:
        contrib = {t: w * w for t, w in a.items()}
    else:
        contrib = {t: w * b[t] for t, w in a.items() if t in b}
    covered: dict[str, str] = {}
    for p in contrib:
        if " " in p:
            for w in p.split(" "):
                covered.setdefault(w, p)
    # Terms by contribution, largest first: a key's first one is its best, so
    # the scan stops once ``limit`` keys are found and the next contribution
    # is smaller than the last of them (an equal one may still tie).
    score: dict[str, float] = {}
    last = 0.0
    for t, c in sorted(contrib.items(), key=itemgetter(1), reverse=True):
        if len(score) >= limit and c < last:
            break
        key = covered.get(t, t)
        if key in score or (key == t and " " not in t and len(t) < 3 and not t.isdigit()):
            continue
        score[key] = last = c
    ranked = by_weight(score.items())[:limit]
    return [surfaces.get(t, t) for t, _ in ranked]
