"""The ``feedkit`` command.

``feedkit aggregate SOURCE... -o OUT`` merges feeds into one clean feed;
``feedkit discover URL`` lists the feeds a page advertises.  Sources are
URLs, files, OPML files, or ``-`` for a feed on standard input, so the
command composes with pipes::

    curl -s https://example.org/feed | feedkit aggregate - -o - --format json | jq .

Exit status: 0 when every source succeeded, 1 when any failed (a one-line
reason per failed source goes to stderr), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import FeedkitError

__all__ = ["main"]

FORMATS = ("atom", "rss", "json", "html")


class Progress:
    """A one-line progress bar on a terminal stream; silent when not a TTY."""

    def __init__(self, total: int, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled

    def step(self, label: str) -> None:
        """Count one finished unit and redraw."""
        self.done += 1
        if not self.enabled:
            return
        width = 24
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:50]:<50}")
        self.stream.flush()

    def close(self) -> None:
        """End the progress line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _write_output(data: bytes, out: str) -> str:
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "<stdout>"
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path.resolve())


def _cmd_aggregate(args: argparse.Namespace) -> int:
    from .aggregator import Aggregator

    agg = Aggregator(
        clean=not args.no_clean,
        link=not args.no_link,
        fulltext=args.fulltext,
        workers=args.workers,
    )
    failed = 0
    for source in args.sources:
        try:
            if source == "-":
                agg.add_source(sys.stdin.buffer.read())
            else:
                agg.add_source(source)
        except FeedkitError as exc:
            failed += 1
            print(f"feedkit: {source}: {type(exc).__name__}: {exc}", file=sys.stderr)
    progress = Progress(len(agg.sources), sys.stderr)
    for result in agg.update():
        progress.step(f"{result.status} {result.source}")
        if not result.ok:
            failed += 1
            progress.close() if progress.enabled else None
            print(
                f"feedkit: {result.source}: {type(result.error).__name__}: {result.error}",
                file=sys.stderr,
            )
        elif result.moved_to:
            print(f"feedkit: {result.source}: moved permanently to {result.moved_to}",
                  file=sys.stderr)
    progress.close()
    if args.explain:
        _print_explain(agg)
    if args.stories:
        _print_stories(agg)
    data = agg.emit(args.format, title=args.title, merge_duplicates=not args.keep_duplicates)
    where = _write_output(data, args.output)
    if args.output != "-":
        n = len(agg.items())
        print(f"feedkit: wrote {n} items from {len(agg.sources)} sources to {where}",
              file=sys.stderr)
    return 1 if failed else 0


def _print_explain(agg: object) -> None:
    from .aggregator import Aggregator
    from .clean import explain_items

    assert isinstance(agg, Aggregator)
    for line in explain_items(agg.raw_items()):
        print(line, file=sys.stderr)


def _print_stories(agg: object) -> None:
    from .aggregator import Aggregator

    assert isinstance(agg, Aggregator)
    links = agg.links
    if links is None:
        return
    by_id = {item.id: item for item in agg.items()}
    stories = sorted(links.stories, key=lambda g: -len(g.item_ids))
    print(f"== {len(stories)} stories", file=sys.stderr)
    for story in stories:
        if len(story.item_ids) < 2:
            continue
        print(f"* story {story.id} ({len(story.item_ids)} items) {story.reason}", file=sys.stderr)
        for item_id in story.item_ids:
            item = by_id.get(item_id)
            if item is not None:
                print(f"    - {item.title or '(untitled)'} [{item.feed_title or item.feed_url}]",
                      file=sys.stderr)


def _cmd_discover(args: argparse.Namespace) -> int:
    from .fetch.discover import discover_feeds
    from .fetch.http import Fetcher

    try:
        links = discover_feeds(args.url, Fetcher())
    except FeedkitError as exc:
        print(f"feedkit: {args.url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for link in links:
        print(link)
    return 0 if links else 1


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``feedkit`` command."""
    parser = argparse.ArgumentParser(prog="feedkit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    agg = sub.add_parser("aggregate", help="merge sources into one clean feed")
    agg.add_argument("sources", nargs="+", metavar="SOURCE",
                     help="feed URL, file, OPML file, or - for standard input")
    agg.add_argument("-o", "--output", required=True, help="output file, or - for stdout")
    agg.add_argument("--format", choices=FORMATS, default="atom")
    agg.add_argument("--title", default="feedkit aggregate", help="title of the emitted feed")
    agg.add_argument("--workers", type=int, default=8, help="concurrent fetches")
    agg.add_argument("--no-clean", action="store_true", help="skip boilerplate removal")
    agg.add_argument("--no-link", action="store_true", help="skip duplicate/story linking")
    agg.add_argument("--keep-duplicates", action="store_true",
                     help="emit every copy instead of merging duplicates")
    agg.add_argument("--fulltext", action="store_true",
                     help="fetch article pages for teaser-only items")
    agg.add_argument("--explain", action="store_true",
                     help="print every boilerplate removal (rule and text) to stderr")
    agg.add_argument("--stories", action="store_true",
                     help="print a story report to stderr")
    agg.set_defaults(func=_cmd_aggregate)

    disc = sub.add_parser("discover", help="list the feeds a web page advertises")
    disc.add_argument("url")
    disc.set_defaults(func=_cmd_discover)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``feedkit`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except FeedkitError as exc:
        print(f"feedkit: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
