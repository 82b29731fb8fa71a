"""extract_article over ../shared/data/extraction-dev (skipped when absent)."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from feedkit.clean.fulltext import extract_article

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEV = SHARED_DATA / "extraction-dev"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (DEV / "ground-truth").is_dir(), reason="../shared/data absent"),
]


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    return Counter(tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3)))


def test_dev_set_quality_floor() -> None:
    """Every 4th page: mean shingle precision and recall stay well above a floor."""
    precisions: list[float] = []
    recalls: list[float] = []
    for gold_file in sorted((DEV / "ground-truth").glob("*.json"))[::4]:
        gold = json.loads(gold_file.read_text("utf8"))
        html_file = DEV / "html" / f"{gold_file.stem}.html.gz"
        with gzip.open(html_file, "rb") as f:
            article = extract_article(f.read(), gold.get("url"))
        truth = _shingles(gold["ground_truth"]["main_content"])
        pred = _shingles(article.text)
        tp = sum((truth & pred).values())
        precisions.append(tp / max(1, sum(pred.values())))
        recalls.append(tp / max(1, sum(truth.values())))
        assert "<script" not in article.html
    assert sum(precisions) / len(precisions) > 0.85
    assert sum(recalls) / len(recalls) > 0.85
