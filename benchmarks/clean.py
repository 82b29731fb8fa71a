"""Cleaning speed over ../shared/data/feeds-dev, and nh3 vs a hand-written bs4 sanitizer.

1. Every feed of ../shared/data/feeds-dev is parsed with ``feedkit.parse.parse_feed``
   (not timed), then the full default cleaning chain (``clean_batch`` per feed:
   sanitize -> rules -> per-feed learned templates) is timed: items/s, plus the
   removals by kind and the share of text removed.
2. The sanitizer alone, on every raw HTML field of the corpus (the entry
   ``summary``/``content`` *before* sanitizing, taken from feedparser's
   unsanitized output), side by side in the same run:
   * ``nh3.clean`` with its defaults (the floor: the Rust sanitizer alone),
   * ``feedkit.clean.sanitize.sanitize_html`` (nh3 + URL checks + lazy images,
     trackers, empty wrappers),
   * a hand-written BeautifulSoup (lxml parser) allowlist pass with the same
     policy, as a Python tree walk would do it.

Usage (from the project root)::

    python benchmarks/clean.py [--rounds 3] [--limit N]

Timing takes the fastest of ``--rounds`` rounds (rounds interleaved between
tools), the least disturbed by other load on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "feeds-dev"

# ---------------------------------------------------------------- bs4 sanitizer
_BS4_DROP = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
             "math", "form", "textarea", "select", "button", "frameset", "frame", "applet",
             "title", "head", "meta", "link", "base"}
_BS4_TAGS = {"a", "abbr", "acronym", "b", "blockquote", "br", "code", "dd", "del", "div", "dl",
             "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
             "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
             "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "audio",
             "video", "source", "picture", "section", "main", "cite", "time", "mark"}
_BS4_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height", "srcset"},
              "audio": {"src", "controls"}, "video": {"src", "controls", "poster"},
              "source": {"src", "type", "srcset"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}, "blockquote": {"cite"}, "q": {"cite"}}
_BS4_COMMON = {"lang", "title", "dir", "class", "id", "role"}


def bs4_sanitize(html: str, base_url: str | None = None) -> str:
    """A hand-written allowlist sanitizer over BeautifulSoup (same policy as feedkit's)."""
    from bs4 import BeautifulSoup, Comment

    from feedkit.clean.sanitize import safe_url

    soup = BeautifulSoup(html, "lxml")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        name = tag.name
        if name in _BS4_DROP:
            tag.decompose()
            continue
        if name not in _BS4_TAGS:
            tag.unwrap()
            continue
        allowed = _BS4_ATTRS.get(name, set()) | _BS4_COMMON
        for attr in list(tag.attrs):
            if attr not in allowed:
                del tag.attrs[attr]
                continue
            if attr in ("href", "src", "poster", "cite"):
                value = tag.attrs[attr]
                url = safe_url(value if isinstance(value, str) else " ".join(value), base_url)
                if url is None:
                    del tag.attrs[attr]
                else:
                    tag.attrs[attr] = url
            elif attr == "srcset":
                del tag.attrs[attr]
        if name == "a" and tag.get("href"):
            tag["rel"] = "noopener noreferrer nofollow"
    body = soup.body
    return "".join(str(c) for c in body.contents) if body is not None else str(soup)


# ---------------------------------------------------------------------- corpus
def load_corpus(limit: int | None) -> tuple[list[list[Any]], list[tuple[str, str | None]], int]:
    """Parsed items per feed, raw HTML fields (unsanitized), and files that failed."""
    import feedparser

    from feedkit.errors import FeedkitError
    from feedkit.parse import parse_feed

    batches: list[list[Any]] = []
    raw: list[tuple[str, str | None]] = []
    failed = 0
    files = sorted(p for p in DATA.iterdir() if p.is_file() and p.suffix in (".xml", ".json",
                                                                              ".rss", ".atom"))
    if limit:
        files = files[:limit]
    for path in files:
        data = path.read_bytes()
        try:
            parsed = parse_feed(data, url=f"https://feeds.example/{path.name}")
        except FeedkitError:
            failed += 1
            continue
        if parsed.items:
            batches.append(list(parsed.items))
        fp = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
        for entry in fp.entries:
            link = entry.get("link")
            for content in entry.get("content", []) or []:
                if content.get("value") and "html" in (content.get("type") or "html"):
                    raw.append((content["value"], link))
            summary = entry.get("summary")
            if summary:
                raw.append((summary, link))
    return batches, raw, failed


def best_of(rounds: int, fns: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Fastest wall time per function over interleaved rounds."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"clean benchmark: {DATA} is absent; nothing to measure.")
        return 0

    import nh3

    from feedkit.clean import clean_batch
    from feedkit.clean.plaintext import item_text
    from feedkit.clean.sanitize import sanitize_html

    batches, raw, failed = load_corpus(args.limit)
    n_items = sum(len(b) for b in batches)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at start "
          "(timings are wall clock, best of rounds)")
    print(f"corpus: {len(batches)} feeds with items, {n_items} items "
          f"({failed} files not parsed), {len(raw)} raw HTML fields, "
          f"{sum(len(h) for h, _ in raw) / 1e6:.1f} MB of raw HTML")

    # -- 1. the full cleaning chain
    reports: list[Any] = []

    def run_chain() -> None:
        reports.clear()
        reports.extend(clean_batch(batch) for batch in batches)

    t = best_of(args.rounds, {"chain": run_chain})["chain"]
    kinds: Counter[str] = Counter()
    for rep in reports:
        kinds.update(r.kind for r in rep.removals)
    before = sum(len(item_text(i)) for b in batches for i in b)
    after = sum(len(item_text(i)) for rep in reports for i in rep.items)
    navs = sum(1 for rep in reports for i in rep.items if i.navigation)
    print("\n== full cleaning chain (sanitize -> rules -> learned), parse not timed")
    print(f"items/s: {n_items / t:,.0f}   ({t * 1000:.0f} ms for {n_items} items, "
          f"{t / max(n_items, 1) * 1e6:.0f} us/item)")
    print(f"removals: {sum(kinds.values())}  by kind: "
          + ", ".join(f"{k}={v}" for k, v in kinds.most_common()))
    print(f"text kept: {after / max(before, 1):.1%} of {before / 1e6:.2f} M chars; "
          f"items with captured navigation: {navs}")

    # -- 2. sanitizers side by side
    def run(fn: Callable[[str, str | None], str]) -> Callable[[], None]:
        def go() -> None:
            for html, link in raw:
                fn(html, link)
        return go

    tools: dict[str, Callable[[], None]] = {
        "nh3.clean (defaults)": run(lambda h, _b: nh3.clean(h)),
        "feedkit sanitize_html": run(lambda h, b: sanitize_html(h, base_url=b)),
        "bs4 hand-written pass": run(bs4_sanitize),
    }
    times = best_of(args.rounds, tools)
    print(f"\n== sanitizer over {len(raw)} raw HTML fields (best of {args.rounds} rounds)")
    ref = times["feedkit sanitize_html"]
    for name, secs in times.items():
        per = secs / max(len(raw), 1) * 1e6
        print(f"{name:24s} {secs * 1000:8.0f} ms  {per:7.1f} us/field  "
              f"{len(raw) / secs:9,.0f} fields/s  ratio vs feedkit {secs / ref:5.2f}x")
    print(f"bs4 / feedkit: {times['bs4 hand-written pass'] / ref:.1f}x slower")
    return 0


if __name__ == "__main__":
    sys.exit(main())
