"""The feedkit example aggregator: many feeds in, one clean merged feed out.

Run it with no arguments to merge the sample feeds bundled beside this script
(offline), or give it feed URLs, feed files or OPML files:

    python examples/aggregate.py
    python examples/aggregate.py https://example.org/feed.xml my-subscriptions.opml

It writes out/aggregate.atom, out/aggregate.json and out/digest.html and prints
what it did.  Each step below is one call into feedkit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from feedkit import Aggregator

HERE = Path(__file__).resolve().parent
SAMPLES = sorted(str(p) for p in (HERE / "feeds").iterdir() if p.suffix in {".xml", ".json"})


def main(argv: list[str]) -> int:
    sources = argv or SAMPLES
    out_dir = Path("out")
    out_dir.mkdir(exist_ok=True)

    # 1. An Aggregator holds the sources.  By default it cleans boilerplate
    #    (share widgets, "The post ... appeared first on", navigation blocks,
    #    tracking pixels) and links items across feeds.
    agg = Aggregator()
    for source in sources:
        agg.add_source(source)  # a URL, a file path, or an OPML file

    # 2. update() fetches every source concurrently and yields one result per
    #    source as it finishes, so we can report progress as we go.
    failures = 0
    for result in agg.update():
        if result.ok:
            print(f"  ok    {result.source}: {result.items} items ({result.parser} parser)")
        else:
            failures += 1
            print(f"  FAIL  {result.source}: {type(result.error).__name__}: {result.error}")

    # 3. The merged items, newest first.  Linking found duplicates (the same
    #    article in several feeds) and stories (several outlets, one event).
    items = agg.items()
    links = agg.links
    print(f"\n{len(items)} items from {len(agg.sources)} sources")
    if links is not None:
        by_id = {item.id: item for item in items}
        dupes = [g for g in links.duplicates if len(g.item_ids) > 1]
        stories = [g for g in links.stories if len(g.item_ids) > 1]
        print(f"{len(dupes)} duplicate groups, {len(stories)} multi-source stories")
        for story in stories:
            print("  story:")
            for item_id in story.item_ids:
                item = by_id[item_id]
                print(f"    - {item.title}  [{item.feed_title}]")
        for rel in links.relations:
            if rel.kind in ("previous", "next"):
                source_title = by_id[rel.source_id].title if rel.source_id in by_id else "?"
                target = by_id[rel.target].title if rel.target in by_id else rel.target
                print(f"  {rel.kind:>8}: {source_title!r} -> {target!r}")

    # 4. Emit clean feeds.  Duplicates are merged into one entry that lists
    #    its sources; every entry keeps its provenance.
    written = []
    for fmt, name in (("atom", "aggregate.atom"), ("json", "aggregate.json"),
                      ("html", "digest.html")):
        path = out_dir / name
        path.write_bytes(agg.emit(fmt, title="feedkit example aggregate"))
        written.append(str(path.resolve()))
    print("\nwrote:\n  " + "\n  ".join(written))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
