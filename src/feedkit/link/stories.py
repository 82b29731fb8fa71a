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

from .text import Token

__all__ = [
    "ENTITY_BOOST",
    "TITLE_WEIGHT",
    "VECTOR_TERMS",
    "cosine",
    "count_capitals",
    "item_terms",
    "shared_terms",
    "tfidf_vector",
]

#: Weight multiplier of named-entity-ish terms.
ENTITY_BOOST = 2.0
#: How many times a headline occurrence counts.
TITLE_WEIGHT = 2
#: Terms kept per item vector.
VECTOR_TERMS = 32
#: Words of body text read for the story vector (the lede carries the event).
BODY_WORDS = 300


def count_capitals(tokens: Iterable[tuple[str, int, str]], caps: dict[str, list[int]]) -> None:
    """Add capitalization evidence of ``tokens`` to ``caps``: ``{term: [capital, lower]}``.

    Only informative positions count: a capitalized word inside a sentence
    (:attr:`Token.ENTITY`, words only, not numbers or acronyms) and a
    lower-case word (:attr:`Token.WORD`).
    """
    for term, kind, surface in tokens:
        if kind == Token.WORD:
            c = caps.get(term)
            if c is None:
                caps[term] = [0, 1]
            else:
                c[1] += 1
        elif kind == Token.ENTITY and surface[:1].isupper() and not surface.isupper():
            c = caps.get(term)
            if c is None:
                caps[term] = [1, 0]
            else:
                c[0] += 1


def item_terms(
    title_tokens: Iterable[tuple[str, int, str]],
    body_tokens: Iterable[tuple[str, int, str]],
    surfaces: dict[str, str] | None = None,
    caps: Mapping[str, list[int]] | None = None,
) -> dict[str, float]:
    """Return boosted term frequencies of one item: ``{term: tf * boost}``.

    ``tf`` counts headline occurrences :data:`TITLE_WEIGHT` times; a term gets
    :data:`ENTITY_BOOST` when it is written as an entity here, or when it is
    capitalized only where that says nothing (sentence start, title-case
    headline) and ``caps`` (see :func:`count_capitals`) shows it capitalized
    more often than not elsewhere — so "Dunham" in "Lena Dunham Apologizes For
    Joke" counts as a name and "Apologizes" does not.  ``surfaces``, when
    given, collects the first written form of each term (for reasons).
    """
    tf: dict[str, int] = {}
    entity: set[str] = set()
    for weight, tokens in ((TITLE_WEIGHT, title_tokens), (1, body_tokens)):
        for term, kind, surface in tokens:
            tf[term] = tf.get(term, 0) + weight
            if kind == Token.CAPITALIZED and caps is not None:
                c = caps.get(term)
                if c is not None and c[0] > c[1]:
                    kind = Token.ENTITY
            if kind == Token.ENTITY:
                entity.add(term)
                if surfaces is not None and term not in surfaces:
                    surfaces[term] = surface
            elif surfaces is not None and term not in surfaces and not surface.islower():
                surfaces[term] = surface
    return {t: (1.0 + math.log(n)) * (ENTITY_BOOST if t in entity else 1.0) for t, n in tf.items()}


def tfidf_vector(
    terms: Mapping[str, float], df: Mapping[str, int], n_docs: int, *, top: int = VECTOR_TERMS
) -> dict[str, float]:
    """Weight ``terms`` by smoothed IDF, keep the ``top`` heaviest, L2-normalize.

    The returned dict lists terms heaviest first.
    ``idf = ln((n_docs + 1) / (df + 1)) + 1``; a term seen in every document
    still counts a little, which keeps tiny batches (a handful of items)
    meaningful.
    """
    if not terms:
        return {}
    weighted = [
        (w * (math.log((n_docs + 1) / (df.get(t, 0) + 1)) + 1.0), t) for t, w in terms.items()
    ]
    weighted.sort(key=lambda p: (-p[0], p[1]))
    if len(weighted) > top:
        weighted = weighted[:top]
    norm = math.sqrt(sum(w * w for w, _ in weighted)) or 1.0
    return {t: w / norm for w, t in weighted}


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
    contrib = {t: w * b[t] for t, w in a.items() if t in b}
    phrases = [t for t in contrib if " " in t]
    covered: dict[str, str] = {}
    for p in phrases:
        for w in p.split(" "):
            covered.setdefault(w, p)
    score: dict[str, float] = {}
    for t, c in contrib.items():
        key = covered.get(t, t)
        if key == t and " " not in t and len(t) < 3 and not t.isdigit():
            continue
        score[key] = max(score.get(key, 0.0), c)
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [surfaces.get(t, t) for t, _ in ranked]
