"""Duplicate detection: exact keys and near-duplicate shingle samples.

Two items are the *same article* when

* their links have the same duplicate key (:func:`~feedkit.link.text.url_key`:
  canonical URL with scheme, ``www.``, trailing slash and AMP variants folded),
* their GUIDs have the same key (:func:`~feedkit.link.text.guid_key`),
* their normalized body texts hash the same (:func:`~feedkit.link.text.content_hash`),
* their shingle samples say near-duplicate (:func:`near_duplicate`): high
  Jaccard resemblance (a changed title, an added credit line or boilerplate,
  spelling swaps) or high containment (a teaser cut, one paragraph dropped), or
* one of them has no body and their headlines are the same (at least
  :data:`MIN_TITLE_WORDS` words, different feeds, within the time window).

Candidate pairs come from an inverted index over the samples (see
:class:`~feedkit.link.index.LinkIndex`), so the work is proportional to the
number of items sharing a passage, not to the square of the batch.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

__all__ = [
    "MIN_CONTAINMENT_SAMPLES",
    "MIN_TITLE_WORDS",
    "NearDuplicate",
    "near_duplicate",
]

#: Minimum number of samples in the smaller text before containment counts.
#: With the default sampling (one 4-word shingle in 4) that is about 25 words.
MIN_CONTAINMENT_SAMPLES = 6
#: Headline-only matching needs at least this many words in the headline.
MIN_TITLE_WORDS = 5


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """The verdict of :func:`near_duplicate` for one pair."""

    jaccard: float
    containment: float
    score: float
    reason: str


def near_duplicate(
    a: Collection[int],
    b: Collection[int],
    *,
    jaccard_threshold: float = 0.5,
    containment_threshold: float = 0.8,
) -> NearDuplicate | None:
    """Compare two shingle samples; return the verdict or ``None`` when not duplicates.

    ``a`` and ``b`` are sets of sampled shingle hashes with common
    (boilerplate) shingles already removed.  Jaccard ``|a∩b| / |a∪b|`` catches
    copies with small edits everywhere; containment ``|a∩b| / min(|a|,|b|)``
    catches a copy that is a cut of the other (teaser, dropped paragraph),
    provided the smaller sample has at least :data:`MIN_CONTAINMENT_SAMPLES`.
    """
    if not a or not b:
        return None
    sa = a if isinstance(a, (set, frozenset)) else set(a)
    inter = len(sa.intersection(b))
    if not inter:
        return None
    union = len(sa) + len(b) - inter
    jac = inter / union
    small, large = sorted((len(sa), len(b)))
    cont = inter / small
    contained = small >= MIN_CONTAINMENT_SAMPLES and cont >= containment_threshold
    # a clearly shorter copy (a cut) is explained by containment, else by Jaccard
    if contained and (small < 0.8 * large or jac < jaccard_threshold):
        return NearDuplicate(jac, cont, cont, f"shingle containment {cont:.2f}")
    if jac >= jaccard_threshold:
        return NearDuplicate(jac, cont, jac, f"shingle Jaccard {jac:.2f}")
    return None
