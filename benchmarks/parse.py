"""Parse throughput: feedkit against bare lxml, fastfeedparser and feedparser.

Run from the project root (needs ../shared/data/feeds-dev beside it)::

    python benchmarks/parse.py [--repeat 3]

Prints, over the same documents and in one run: a bare hardened lxml parse
(the floor), fastfeedparser (no sanitizing, no normalization), feedparser
with its defaults, feedkit's fast path and feedkit's feedparser fallback
path (both: parse + normalize + sanitize), each as MB/s with ratios against
bare lxml and against feedparser.  Then the share of feedkit's time spent in
``sanitize_html``, the comparison with fastfeedparser restricted to the
feeds where both produce the same items, and the peak memory of each tool on
the largest feed (a fresh subprocess per tool, peak RSS).
Timings are CPU seconds of this process (``time.process_time``), the best of
``--repeat`` runs, so other load on a shared machine does not skew the ratios.

``--profile`` prints instead where feedkit's fast path spends its time: a
stage breakdown (XML parse, tree walk, normalization, sanitizing split into
nh3 itself and the rest) and the top functions of a cProfile run.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "feeds-dev"
SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


def lxml_parse(data: bytes) -> object:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    return etree.fromstring(data.lstrip(), parser)  # feedkit strips leading blanks too


def feedparser_defaults(data: bytes) -> object:
    import feedparser

    return feedparser.parse(io.BytesIO(data))


def fastfeedparser_parse(data: bytes) -> object:
    import fastfeedparser

    return fastfeedparser.parse(data)


def feedkit_fast(data: bytes) -> object:
    from feedkit.parse import parse_feed

    return parse_feed(data, url="https://bench.example/feed", parser="fast")


def feedkit_fallback(data: bytes) -> object:
    from feedkit.parse import parse_feed

    return parse_feed(data, url="https://bench.example/feed", parser="feedparser")


def feedkit_auto(data: bytes) -> object:
    from feedkit.parse import parse_feed

    return parse_feed(data, url="https://bench.example/feed")


TOOLS: dict[str, Callable[[bytes], object]] = {
    "bare lxml parse": lxml_parse,
    "fastfeedparser": fastfeedparser_parse,
    "feedparser (defaults)": feedparser_defaults,
    "feedkit fast path": feedkit_fast,
    "feedkit fallback path": feedkit_fallback,
}


def best_seconds(fn: Callable[[bytes], object], docs: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for data in docs:
            try:
                fn(data)
            except Exception:  # noqa: S112 - tools differ in what they reject
                continue
        best = min(best, time.process_time() - start)
    return best


def sanitize_share(docs: list[bytes], repeat: int) -> tuple[float, int]:
    """Seconds feedkit spends in sanitize_html over ``docs`` (same calls as parse_feed)."""
    from feedkit.clean.sanitize import sanitize_html
    from feedkit.parse.common import _HAS_TAG, prepare_bytes, strip_entity_doctype
    from feedkit.parse.fast import parse_fast

    fragments: list[str] = []
    for data in docs:
        prepared, _ = prepare_bytes(data)
        raw = parse_fast(strip_entity_doctype(prepared)[0], url="https://bench.example/feed")
        for entry in raw.entries:
            for field in (entry.summary, entry.content):
                if field is not None and field.kind != "text" and _HAS_TAG.search(field.value):
                    fragments.append(field.value)
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for fragment in fragments:
            sanitize_html(fragment, base_url="https://bench.example/feed")
        best = min(best, time.process_time() - start)
    return best, len(fragments)


def same_items(data: bytes) -> bool:
    """Whether fastfeedparser and feedkit read the same items (count, links, titles)."""
    import fastfeedparser

    from feedkit.normalize import canonical_url, clean_title
    from feedkit.parse import parse_feed

    try:
        ours = parse_feed(data, url="https://bench.example/feed").items
        theirs = fastfeedparser.parse(data).entries
    except Exception:  # either side failing means "not the same"
        return False
    if len(ours) != len(theirs) or not ours:
        return False
    for a, b in zip(ours, theirs, strict=True):
        link = canonical_url(b.get("link"), "https://bench.example/feed")
        if a.link != link or a.title != clean_title(b.get("title")):
            return False
    return True


# Peak RSS: VmHWM from /proc (Linux), else ru_maxrss.  ru_maxrss alone is not
# enough here: Linux carries the parent's high-water mark into a forked child.
MEMORY_CHILD = r"""
import json, resource, sys
def peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sys.path.insert(0, sys.argv[3])
import parse as bench
fn = bench.TOOLS[sys.argv[1]]
data = open(sys.argv[2], "rb").read()
fn(b"<rss version='2.0'><channel><title>warm</title></channel></rss>")
before = peak_mb()
fn(data)
after = peak_mb()
print(json.dumps({"peak_mb": after, "delta_mb": after - before}))
"""


def peak_memory(tool: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, tool, str(path), str(Path(__file__).parent)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if proc.returncode != 0:
        return {"peak_mb": float("nan"), "delta_mb": float("nan")}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def profile(docs: list[bytes], repeat: int, top: int = 25) -> None:
    """Print the stage breakdown of the fast path and a cProfile top list."""
    import cProfile
    import pstats

    import nh3

    from feedkit.clean import sanitize
    from feedkit.clean.dom import XML_INVALID, flatten_deep
    from feedkit.parse import common
    from feedkit.parse.common import prepare_bytes, strip_entity_doctype
    from feedkit.parse.fast import _parser, parse_fast

    def screened(data: bytes) -> bytes:
        return strip_entity_doctype(prepare_bytes(data)[0])[0]

    def seconds(fn: Callable[[], object]) -> float:
        best = float("inf")
        for _ in range(repeat):
            start = time.process_time()
            fn()
            best = min(best, time.process_time() - start)
        return best

    from lxml import etree

    megabytes = sum(map(len, docs)) / 1e6
    url = "https://bench.example/feed"
    xml = seconds(lambda: [etree.fromstring(screened(d), _parser()) for d in docs])
    walk = seconds(lambda: [parse_fast(screened(d), url=url) for d in docs])
    total = seconds(lambda: [feedkit_fast(d) for d in docs])
    real_sanitize = getattr(common, "sanitize_html")  # noqa: B009 - patched just below
    setattr(common, "sanitize_html", lambda html, **_: html)  # noqa: B010 - sanitizing off
    try:
        unsanitized = seconds(lambda: [feedkit_fast(d) for d in docs])
    finally:
        setattr(common, "sanitize_html", real_sanitize)  # noqa: B010
    fragments: list[str] = []
    for data in docs:
        for entry in parse_fast(screened(data), url=url).entries:
            for field in (entry.summary, entry.content):
                if field is not None and field.kind != "text" \
                        and common._HAS_TAG.search(field.value):
                    fragments.append(field.value)
    prepared = [XML_INVALID.sub("", flatten_deep(f)) for f in fragments]
    token = sanitize._BASE_URL.set(url)
    try:
        nh3_seconds = seconds(lambda: [sanitize._CLEANERS[True].clean(f) for f in prepared])
        bare = nh3.Cleaner(tags=set(sanitize._TAGS), attributes=sanitize._attributes(True),
                           clean_content_tags=set(sanitize._DROP_WITH_CONTENT),
                           url_schemes=set(sanitize._URL_SCHEMES), strip_comments=True)
        bare_seconds = seconds(lambda: [bare.clean(f) for f in prepared])
    finally:
        sanitize._BASE_URL.reset(token)
    whole = seconds(lambda: [sanitize.sanitize_html(f, base_url=url) for f in fragments])
    rows = [
        ("XML parse (libxml2, fast-path settings)", xml),
        ("tree walk into RawFeed (Python)", walk - xml),
        ("normalization (build_result, no sanitizing)", unsanitized - walk),
        ("sanitizing in place (total - the above)", total - unsanitized),
        (f"  of which nh3 + Python attribute filter ({len(fragments)} fragments, "
         f"{sum(map(len, fragments)) / 1e6:.1f} MB)", nh3_seconds),
        ("    (nh3 alone, no attribute filter: the floor)", bare_seconds),
        ("  of which the rest: pre-pass, checks, lxml post-pass", whole - nh3_seconds),
    ]
    print(f"fast path over {len(docs)} documents ({megabytes:.1f} MB): {total:.3f} s, "
          f"{megabytes / total:.1f} MB/s; best of {repeat}, CPU seconds\n")
    for label, secs in rows:
        print(f"  {label:<66}{secs:>7.3f} s {secs / total:>5.0%}")
    profiler = cProfile.Profile()
    profiler.enable()
    for data in docs:
        feedkit_fast(data)
    profiler.disable()
    print(f"\ncProfile, top {top} by own time (profiling overhead inflates Python calls):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--profile", action="store_true",
                      help="print where the fast path spends its time instead")
    options = args.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found: {CORPUS} (expected ../shared/data/feeds-dev); nothing to do")
        return 0
    try:
        import fastfeedparser  # noqa: F401
    except ImportError:
        print("fastfeedparser is not installed: pip install -e '.[bench]'")
        return 1
    from feedkit.errors import ParseError
    from feedkit.parse import parse_feed

    paths = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    docs = {p: p.read_bytes() for p in paths}
    accepted = []
    for p, data in docs.items():
        try:
            parse_feed(data, parser="fast")
            accepted.append(p)
        except ParseError:
            pass
    fast_docs = [docs[p] for p in accepted]
    megabytes = sum(map(len, fast_docs)) / 1e6
    if options.profile:
        profile(fast_docs, options.repeat)
        return 0
    print(f"corpus: {CORPUS}")
    print(f"{len(paths)} XML feed documents, {sum(map(len, docs.values())) / 1e6:.1f} MB; "
          f"the fast path accepts {len(accepted)} ({megabytes:.1f} MB), the other "
          f"{len(paths) - len(accepted)} go to the feedparser path")
    print(f"every tool runs over the same {len(accepted)} documents; CPU time, best of "
          f"{options.repeat} runs\n")

    for fn in TOOLS.values():  # warm imports and caches
        best_seconds(fn, fast_docs[:3], 1)
    speeds = {name: megabytes / best_seconds(fn, fast_docs, options.repeat)
              for name, fn in TOOLS.items()}
    lxml_speed = speeds["bare lxml parse"]
    fp_speed = speeds["feedparser (defaults)"]
    print(f"{'tool':<26}{'MB/s':>9}{'vs bare lxml':>15}{'vs feedparser':>16}")
    for name, speed in speeds.items():
        print(f"{name:<26}{speed:>9.1f}{speed / lxml_speed:>14.2f}x{speed / fp_speed:>15.1f}x")

    auto_speed = (sum(map(len, docs.values())) / 1e6) / best_seconds(
        feedkit_auto, list(docs.values()), options.repeat)
    print(f"{'feedkit auto, all docs':<26}{auto_speed:>9.1f}   (fast path + fallback for the "
          f"{len(paths) - len(accepted)} it declines)")

    fast_seconds = megabytes / speeds["feedkit fast path"]
    sanitize_seconds, fragments = sanitize_share(fast_docs, options.repeat)
    rest = max(fast_seconds - sanitize_seconds, 1e-9)
    print(f"\nfeedkit fast path: {fast_seconds:.3f} s, of which sanitize_html "
          f"{sanitize_seconds:.3f} s ({sanitize_seconds / fast_seconds:.0%}, {fragments} HTML "
          f"fragments); parse + normalize alone: {megabytes / rest:.1f} MB/s "
          f"({megabytes / rest / lxml_speed:.2f}x bare lxml)")

    same = [docs[p] for p in accepted if same_items(docs[p])]
    same_mb = sum(map(len, same)) / 1e6
    ffp = same_mb / best_seconds(fastfeedparser_parse, same, options.repeat)
    ours = same_mb / best_seconds(feedkit_fast, same, options.repeat)
    print(f"\nfeeds where fastfeedparser and feedkit produce the same items (count, links, "
          f"titles): {len(same)} ({same_mb:.1f} MB)")
    print(f"  fastfeedparser {ffp:.1f} MB/s, feedkit fast path {ours:.1f} MB/s "
          f"(feedkit/fastfeedparser = {ours / ffp:.2f}x)")

    largest = max(paths, key=lambda p: len(docs[p]))
    print(f"\npeak memory (RSS) parsing the largest feed, {largest.name} "
          f"({len(docs[largest]) / 1e6:.1f} MB), fresh process per tool:")
    for name in TOOLS:
        mem = peak_memory(name, largest)
        print(f"  {name:<26} peak {mem['peak_mb']:6.1f} MB  (+{mem['delta_mb']:.1f} MB "
              f"over the warmed-up process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
