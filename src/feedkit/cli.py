"""The ``feedkit`` command.

``feedkit aggregate SOURCE... -o OUT`` merges feeds into one clean feed;
``feedkit discover URL`` lists the feeds a page advertises.

With a persistent store (``--db PATH``, default ``$FEEDKIT_DB`` or
``./feedkit.db``): ``feedkit add URL...``, ``feedkit import FILE.opml``,
``feedkit update [--workers N] [--processes N]`` (due sources only; a progress bar on a
terminal and a per-source summary), ``feedkit emit --format atom|rss|json
[-o OUT]``, ``feedkit sources`` (status table), ``feedkit remove URL``.  Sources are
URLs, files, OPML files, or ``-`` for a feed on standard input, so the
command composes with pipes::

    curl -s https://example.org/feed | feedkit aggregate - -o - --format json | jq .

Exit status: 0 when every source succeeded, 1 when any failed (a one-line
reason per failed source goes to stderr), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import FeedkitError

if TYPE_CHECKING:
    from .aggregator import Aggregator
    from .store.sqlite import SQLiteStore

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
        self._draw(self.done, self.total, f"{self.done}/{self.total} {label[:50]:<50}")

    def linking(self, done: int, total: int) -> None:
        """Redraw the line for linking: ``done`` of ``total`` new items."""
        self._draw(done, total, f"linking {done}/{total} new items{'':<30}")

    def _draw(self, done: int, total: int, text: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {text}")
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
    for result in agg.update(link_progress=progress.linking):
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
    if agg.link_error is not None:
        failed += 1
        print(f"feedkit: {agg.link_error}; emitting without new links", file=sys.stderr)
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


# -- store-backed commands --------------------------------------------------------

DEFAULT_DB = "feedkit.db"


def default_db() -> str:
    """The store path: ``$FEEDKIT_DB`` when set, else ``./feedkit.db``."""
    return os.environ.get("FEEDKIT_DB") or DEFAULT_DB


def _open_store(args: argparse.Namespace) -> SQLiteStore:
    from .store.sqlite import SQLiteStore

    return SQLiteStore(args.db or default_db())


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def _store_aggregator(store: SQLiteStore, args: argparse.Namespace) -> Aggregator:
    from .aggregator import Aggregator

    return Aggregator(
        store=store,
        workers=getattr(args, "workers", 8),
        per_host=getattr(args, "per_host", 2),
        link=not getattr(args, "no_link", False),
        processes=getattr(args, "processes", None),
    )


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    text = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    delta = (value - now).total_seconds()
    if abs(delta) < 60:
        return f"{text} (now)"
    minutes = int(abs(delta) // 60)
    span = f"{minutes}m" if minutes < 120 else f"{minutes // 60}h" if minutes < 2880 else (
        f"{minutes // 1440}d")
    return f"{text} ({'in ' + span if delta > 0 else span + ' ago'})"


def _cmd_add(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        agg = _store_aggregator(store, args)
        failed = 0
        for source in args.sources:
            try:
                keys = agg.add_source(source, title=args.title)
            except FeedkitError as exc:
                failed += 1
                print(f"feedkit: {source}: {type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            for key in keys:
                print(f"added {key}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_import(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        keys = _store_aggregator(store, args).import_opml(args.file)
        print(f"feedkit: imported {len(keys)} sources into {store.path}", file=sys.stderr)
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        agg = _store_aggregator(store, args)
        missing = [url for url in args.sources if not agg.remove_source(url)]
    for url in missing:
        print(f"feedkit: {url}: not a known source", file=sys.stderr)
    return 1 if missing else 0


def _cmd_update(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        agg = _store_aggregator(store, args)
        due = agg.due() if not args.force else [s for s in agg.source_states() if not s.gone]
        total = len(agg.sources)
        progress = Progress(len(due), sys.stderr)
        results = []
        for result in agg.update(force=args.force, link_progress=progress.linking):
            results.append(result)
            progress.step(f"{result.status} {result.source}")
        progress.close()
        failed = 0
        new = updated = 0
        for r in sorted(results, key=lambda r: (r.ok, r.source)):
            if r.ok:
                what = (
                    "not modified" if r.status == "not_modified"
                    else f"{r.new} new, {r.updated} updated, {r.unchanged} unchanged"
                )
                moved = f" (moved to {r.moved_to})" if r.moved_to else ""
                print(f"  ok    {r.source}: {what}{moved}", file=sys.stderr)
                new += r.new
                updated += r.updated
            else:
                failed += 1
                tag = "gone " if r.parked else "error"
                print(f"  {tag} {r.source}: {type(r.error).__name__}: {r.error}", file=sys.stderr)
        print(
            f"feedkit: {len(results)} of {total} sources updated ({failed} failed): "
            f"{new} new, {updated} updated items; store {store.path}",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _cmd_emit(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        agg = _store_aggregator(store, args)
        data = agg.emit(args.format, title=args.title, source=args.source, limit=args.limit,
                        merge_duplicates=not args.keep_duplicates)
        where = _write_output(data, args.output)
    if args.output != "-":
        print(f"feedkit: wrote {args.format} to {where}", file=sys.stderr)
    return 0


def _cmd_sources(args: argparse.Namespace) -> int:
    now = datetime.now(timezone.utc)
    with _open_store(args) as store:
        states = store.sources()
        counts = {s.url: store.count_items(s.url) for s in states}
    header = ("SOURCE", "ITEMS", "LAST FETCH", "STATUS", "ERRORS", "NEXT DUE")
    rows = []
    for s in states:
        status = "parked (gone)" if s.gone else (
            str(s.last_status) if s.last_status is not None else "-")
        if s.last_error and not s.gone:
            status += f" {s.last_error[:40]}"
        rows.append((
            s.url if not s.title else f"{s.url} ({s.title[:30]})",
            str(counts[s.url]),
            _when(s.last_fetched, now),
            status,
            str(s.error_count),
            "never (parked)" if s.gone else _when(s.next_due, now) if s.next_due else "now",
        ))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None,
                        help="store file (default: $FEEDKIT_DB or ./feedkit.db)")


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

    add = sub.add_parser("add", help="add feed URLs (or files, OPML) to the store")
    add.add_argument("sources", nargs="+", metavar="URL")
    add.add_argument("--title", default=None, help="title to record for the source")
    _add_db(add)
    add.set_defaults(func=_cmd_add)

    imp = sub.add_parser("import", help="add every feed an OPML file lists")
    imp.add_argument("file", metavar="FILE.opml")
    _add_db(imp)
    imp.set_defaults(func=_cmd_import)

    rem = sub.add_parser("remove", help="forget sources and their items")
    rem.add_argument("sources", nargs="+", metavar="URL")
    _add_db(rem)
    rem.set_defaults(func=_cmd_remove)

    upd = sub.add_parser("update", help="fetch the due sources into the store")
    _add_db(upd)
    upd.add_argument("--workers", type=int, default=8, help="concurrent fetches")
    upd.add_argument("--per-host", type=int, default=2, help="concurrent fetches per host")
    upd.add_argument(
        "--processes",
        type=_non_negative,
        default=None,
        metavar="N",
        help="worker processes that parse and clean (0: none; default: one per CPU"
        " for large updates on Linux)",
    )
    upd.add_argument("--force", action="store_true", help="fetch every source, due or not")
    upd.add_argument("--no-link", action="store_true", help="skip duplicate/story linking")
    upd.set_defaults(func=_cmd_update)

    emit = sub.add_parser("emit", help="write the stored items as one feed")
    _add_db(emit)
    emit.add_argument("--format", choices=FORMATS, default="atom")
    emit.add_argument("-o", "--output", default="-", help="output file, or - for stdout")
    emit.add_argument("--title", default="feedkit aggregate", help="title of the emitted feed")
    emit.add_argument("--source", default=None, help="only this source's items")
    emit.add_argument("--limit", type=int, default=None, help="at most this many items")
    emit.add_argument("--keep-duplicates", action="store_true",
                      help="emit every copy instead of merging duplicates")
    emit.set_defaults(func=_cmd_emit)

    src = sub.add_parser("sources", help="show each source's status")
    _add_db(src)
    src.set_defaults(func=_cmd_sources)
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
