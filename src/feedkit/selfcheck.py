"""Run the whole pipeline over a directory of feed files and report what broke.

::

    python -m feedkit.selfcheck ../shared/data/feeds-dev

For every file: parse → clean → link → emit (Atom, RSS, JSON Feed), then
re-parse each emitted XML feed with feedparser and count bozo results.  It
prints files, items, typed errors by class, uncaught exceptions (anything
that is not a :class:`~feedkit.errors.FeedkitError` — must be 0), emitted
feeds with bozo set (must be 0), and the slowest file and the largest peak
memory of one file.  Exit status 1 when uncaught exceptions or bozo feeds
were found.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FeedkitError

__all__ = ["CheckReport", "check_file", "main", "run"]


@dataclass
class CheckReport:
    """Totals of a self-check run."""

    files: int = 0
    items: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    uncaught: list[tuple[str, str]] = field(default_factory=list)
    bozo: list[tuple[str, str, str]] = field(default_factory=list)
    max_seconds: tuple[float, str] = (0.0, "")
    max_peak_bytes: tuple[int, str] = (0, "")

    def lines(self) -> list[str]:
        """The report as printable lines."""
        out = [
            f"files: {self.files}",
            f"items: {self.items}",
            "errors by type: "
            + (", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"),
            f"uncaught exceptions: {len(self.uncaught)}",
        ]
        out += [f"  {name}: {msg}" for name, msg in self.uncaught[:20]]
        out.append(f"emitted feeds with bozo: {len(self.bozo)}")
        out += [f"  {name} [{fmt}]: {msg}" for name, fmt, msg in self.bozo[:20]]
        out.append(f"max time per file: {self.max_seconds[0] * 1000:.1f} ms ({self.max_seconds[1]})")
        out.append(
            f"max peak memory per file: {self.max_peak_bytes[0] / 2**20:.1f} MiB "
            f"({self.max_peak_bytes[1]})"
        )
        return out


def _bozo_message(data: bytes) -> str | None:
    from .parse.fp import reparse_bozo

    return reparse_bozo(data)


def check_file(path: Path, report: CheckReport) -> None:
    """Run the pipeline over one file and add what happened to ``report``."""
    from .clean import clean_items
    from .emit import emit_feed
    from .link import link_items
    from .parse import parse_feed

    name = path.name
    report.files += 1
    data = path.read_bytes()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        parsed = parse_feed(data, url=f"https://selfcheck.invalid/{name}")
        items = clean_items(parsed.items)
        links = link_items(items)
        report.items += len(parsed.items)
        for fmt in ("atom", "rss", "json"):
            out = emit_feed(items, format=fmt, title=f"selfcheck {name}", links=links)  # type: ignore[arg-type]
            if fmt != "json":
                problem = _bozo_message(out)
                if problem is not None:
                    report.bozo.append((name, fmt, problem))
            else:
                import json

                json.loads(out)
    except FeedkitError as exc:
        report.errors[type(exc).__name__] += 1
    except Exception as exc:  # noqa: BLE001 - the point is to count what escapes
        report.uncaught.append((name, f"{type(exc).__name__}: {exc}"))
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if elapsed > report.max_seconds[0]:
        report.max_seconds = (elapsed, name)
    if peak > report.max_peak_bytes[0]:
        report.max_peak_bytes = (peak, name)


def run(directory: Path) -> CheckReport:
    """Check every regular file below ``directory`` (sorted, recursive)."""
    report = CheckReport()
    skip = {"SOURCES.md", "LICENSES", "README.md"}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.name in skip or path.parent.name == "LICENSES":
            continue
        check_file(path, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m feedkit.selfcheck", description=__doc__)
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"selfcheck: not a directory: {args.directory}", file=sys.stderr)
        return 2
    report = run(args.directory)
    for line in report.lines():
        print(line)
    return 1 if report.uncaught or report.bozo else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
