"""Main-content extraction: feedkit vs trafilatura vs readability-lxml, in one run.

Scores ``feedkit.clean.fulltext.extract_article`` on ../shared/data/extraction-dev
with the shared scorer (../shared/eval/extraction_score.py: the scrapinghub
article-extraction-benchmark 4-gram metric, primary, and the WCXB bag-of-words
F1, secondary) side by side with trafilatura and readability-lxml, and prints
F1 / precision / recall, ms per page and the feedkit/trafilatura ratios.

Competitors are optional (``pip install trafilatura readability-lxml``, the
``bench`` extra); a missing one is reported as "not installed".

Usage (from the project root)::

    python benchmarks/extraction.py [--rounds 3] [--n-bootstrap 1000]

Timing: every tool is run ``--rounds`` times over all pages, rounds
interleaved between tools, and the fastest round's mean ms/page is reported
(the least disturbed by other load on the machine).  Only the extraction call
is timed; pages are read and decoded beforehand.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "extraction-dev"
SCORER = SHARED / "eval" / "extraction_score.py"

Extractor = Callable[[str, "str | None"], "str | None"]


def load_scorer() -> ModuleType:
    """Import the shared scorer module from its path."""
    spec = importlib.util.spec_from_file_location("extraction_score", SCORER)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {SCORER}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def feedkit_extractor() -> Extractor:
    """feedkit: the text of :func:`extract_article` (metadata and HTML included in the time)."""
    from feedkit.clean.fulltext import extract_article

    def run(html: str, url: str | None) -> str:
        return extract_article(html, url).text

    return run


def trafilatura_extractor() -> Extractor | None:
    """trafilatura.extract with its defaults, or None when not installed."""
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: str, url: str | None) -> str | None:
        return trafilatura.extract(html, url=url)  # type: ignore[no-any-return]

    return run


_BLOCKS = frozenset({
    "p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
    "h6", "blockquote", "pre", "table", "tr", "td", "th", "br", "dd", "dt", "figure",
    "figcaption", "header", "footer", "main", "aside",
})


def readability_extractor() -> Extractor | None:
    """readability-lxml's summary HTML turned into text (blocks on their own lines)."""
    try:
        from lxml import html as lxml_html
        from readability import Document
    except ImportError:
        return None

    def run(html: str, url: str | None) -> str:
        summary = Document(html, url=url).summary(html_partial=True)
        tree = lxml_html.fragment_fromstring(summary, create_parent="div")
        for el in tree.iter():
            if isinstance(el.tag, str) and el.tag in _BLOCKS:
                el.tail = "\n\n" + (el.tail or "")
        text: str = tree.text_content()
        return "\n\n".join(p.strip() for p in text.split("\n\n") if p.strip())

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="dataset directory")
    ap.add_argument("--rounds", type=int, default=2, help="timing rounds per tool")
    ap.add_argument("--n-bootstrap", type=int, default=1000)
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not SCORER.is_file():
        print(f"extraction benchmark skipped: {args.data} or {SCORER} not found")
        return 0
    scorer = load_scorer()
    gold = scorer.load_gold(args.data)
    print(f"extraction-dev: {len(gold)} pages, scorer {SCORER.relative_to(SHARED.parent)}")

    tools: dict[str, Extractor | None] = {
        "feedkit": feedkit_extractor(),
        "trafilatura": trafilatura_extractor(),
        "readability-lxml": readability_extractor(),
    }
    preds: dict[str, dict[str, str | None]] = {}
    best_ms: dict[str, float] = {}
    medians: dict[str, float] = {}
    errors: dict[str, int] = {}
    for _ in range(max(1, args.rounds)):
        for name, fn in tools.items():
            if fn is None:
                continue
            out, timing = scorer.run_extractor(gold, fn)
            preds[name] = out
            if timing["mean_ms"] < best_ms.get(name, float("inf")):
                best_ms[name] = timing["mean_ms"]
                medians[name] = timing["median_ms"]
            errors[name] = int(timing["errors"])

    results: dict[str, dict[str, Any]] = {}
    header = (f"{'tool':<17} {'F1':>6} {'±':>5} {'P':>6} {'R':>6}  "
              f"{'wcxbF1':>6} {'wP':>6} {'wR':>6}  {'ms/page':>8} {'median':>7} {'errors':>6}")
    print(header)
    print("-" * len(header))
    for name, fn in tools.items():
        if fn is None:
            print(f"{name:<17} not installed")
            continue
        res = scorer.score(gold, preds[name], n_bootstrap=args.n_bootstrap, metric="both")
        results[name] = res
        print(f"{name:<17} {res['f1']:6.3f} {res.get('f1_std', 0.0):5.3f} "
              f"{res['precision']:6.3f} {res['recall']:6.3f}  {res['wcxb_f1']:6.3f} "
              f"{res['wcxb_precision']:6.3f} {res['wcxb_recall']:6.3f}  "
              f"{best_ms[name]:8.1f} {medians[name]:7.1f} {errors[name]:6d}")

    if "feedkit" in results and "trafilatura" in results:
        fk, tf = results["feedkit"], results["trafilatura"]
        speed = best_ms["feedkit"] / best_ms["trafilatura"]
        print()
        print(f"feedkit/trafilatura: F1 {fk['f1']:.3f} vs {tf['f1']:.3f} "
              f"(ratio {fk['f1'] / tf['f1']:.3f}, "
              f"{'above' if fk['f1'] > tf['f1'] else 'NOT above'})"
              f"; wcxb F1 ratio {fk['wcxb_f1'] / tf['wcxb_f1']:.3f}"
              f"; ms/page ratio {speed:.2f} "
              f"(target <= 0.80: {'met' if speed <= 0.8 else 'MISSED'})")
    elif "trafilatura" not in results:
        print("\ntrafilatura not installed: no ratios (pip install trafilatura)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
