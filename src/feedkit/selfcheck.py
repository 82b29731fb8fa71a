"""Run the whole pipeline over a directory of feed files and report what broke.

::

    python -m feedkit.selfcheck ../shared/data/feeds-dev

For every file: parse → clean → link → emit (Atom, RSS, JSON Feed), then
re-parse each emitted XML feed with feedparser and count bozo results, load
the JSON Feed with :mod:`json`, and check that no item went missing (items
parsed = items kept + items the cleaners dropped and reported; every emitted
format has one entry per kept item, after merging duplicates).

It prints files, items, typed errors by class (with the files), uncaught
exceptions (anything that is not a :class:`~feedkit.errors.FeedkitError` —
must be 0), emitted feeds with bozo set (must be 0), items lost silently
(must be 0), and the slowest file and the largest peak memory of one file.
Exit status 1 when uncaught exceptions, bozo feeds or lost items were found.

Where the platform can ``fork`` (Linux, macOS), each file runs in a forked
child: one pathological file cannot take the run down, a file that runs past
``--timeout`` is killed and counted as uncaught, and the memory figure is the
child's peak resident set size over what it had when it started (so memory
allocated by lxml/libxml2 in C is counted too).  Elsewhere files run in
process and memory is not measured.

The functions are importable so that tests agree with the command::

    from feedkit.selfcheck import check_bytes
    outcome = check_bytes(data, name="feed.xml")
    assert outcome.uncaught is None and not outcome.bozo
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .errors import FeedkitError

if TYPE_CHECKING:
    from .emit import EmitFormat

__all__ = [
    "SKIP_NAMES",
    "CheckReport",
    "FileOutcome",
    "check_bytes",
    "check_file",
    "check_path",
    "corpus_files",
    "main",
    "run",
]

#: Files and directories below the checked directory that are not feeds.
SKIP_NAMES = frozenset({"SOURCES.md", "README.md", "LICENSES"})
_FORMATS = ("atom", "rss", "json")
_ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"


@dataclass
class FileOutcome:
    """What happened to one file.

    ``items`` were parsed, ``kept`` survived cleaning, ``dropped`` were
    dropped by a cleaner *and reported*; ``lost`` is ``items - kept -
    dropped`` plus any kept item missing from an emitted format (must be 0).
    ``error`` is the :class:`~feedkit.errors.FeedkitError` class name when the
    file was refused on purpose, ``uncaught`` ``"Type: message"`` for
    anything else.  ``bozo`` lists ``(format, message)`` for emitted feeds
    feedparser flagged.  ``peak_rss`` is the peak resident memory the file
    added, in bytes (``None`` when not measured).
    """

    name: str
    items: int = 0
    kept: int = 0
    dropped: int = 0
    lost: int = 0
    error: str | None = None
    error_message: str = ""
    uncaught: str | None = None
    bozo: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss: int | None = None


@dataclass
class CheckReport:
    """Totals of a self-check run."""

    files: int = 0
    items: int = 0
    kept: int = 0
    dropped: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    error_files: list[tuple[str, str, str]] = field(default_factory=list)
    uncaught: list[tuple[str, str]] = field(default_factory=list)
    bozo: list[tuple[str, str, str]] = field(default_factory=list)
    lost: list[tuple[str, int]] = field(default_factory=list)
    total_seconds: float = 0.0
    max_seconds: tuple[float, str] = (0.0, "")
    max_peak_bytes: tuple[int, str] | None = None

    def add(self, outcome: FileOutcome) -> None:
        """Add one file's outcome to the totals."""
        self.files += 1
        self.items += outcome.items
        self.kept += outcome.kept
        self.dropped += outcome.dropped
        if outcome.error is not None:
            self.errors[outcome.error] += 1
            self.error_files.append((outcome.name, outcome.error, outcome.error_message))
        if outcome.uncaught is not None:
            self.uncaught.append((outcome.name, outcome.uncaught))
        self.bozo += [(outcome.name, fmt, msg) for fmt, msg in outcome.bozo]
        if outcome.lost:
            self.lost.append((outcome.name, outcome.lost))
        self.total_seconds += outcome.seconds
        if outcome.seconds > self.max_seconds[0]:
            self.max_seconds = (outcome.seconds, outcome.name)
        if outcome.peak_rss is not None and (
            self.max_peak_bytes is None or outcome.peak_rss > self.max_peak_bytes[0]
        ):
            self.max_peak_bytes = (outcome.peak_rss, outcome.name)

    @property
    def ok(self) -> bool:
        """True when nothing escaped, no emitted feed is bozo and nothing was lost."""
        return not (self.uncaught or self.bozo or self.lost)

    def lines(self) -> list[str]:
        """The report as printable lines."""
        out = [
            f"files: {self.files}",
            f"items: {self.items} parsed, {self.kept} kept after cleaning, "
            f"{self.dropped} dropped by cleaners (reported)",
            "errors by type: "
            + (", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"),
        ]
        out += [f"  {name}: {kind}: {msg[:120]}" for name, kind, msg in self.error_files[:20]]
        out.append(f"uncaught exceptions: {len(self.uncaught)}")
        out += [f"  {name}: {msg[:300]}" for name, msg in self.uncaught[:20]]
        out.append(f"emitted feeds with bozo: {len(self.bozo)}")
        out += [f"  {name} [{fmt}]: {msg[:300]}" for name, fmt, msg in self.bozo[:20]]
        out.append(f"items lost silently: {sum(n for _, n in self.lost)}")
        out += [f"  {name}: {n}" for name, n in self.lost[:20]]
        out.append(
            f"max time per file: {self.max_seconds[0] * 1000:.1f} ms ({self.max_seconds[1]})"
            f"; total {self.total_seconds:.1f} s"
        )
        if self.max_peak_bytes is None:
            out.append("max memory per file: not measured (no fork on this platform)")
        else:
            out.append(
                f"max memory per file: {self.max_peak_bytes[0] / 2**20:.1f} MiB peak RSS "
                f"({self.max_peak_bytes[1]})"
            )
        return out


def _count_xml_entries(data: bytes, fmt: str) -> int:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(data, parser)
    if fmt == "atom":
        return sum(1 for _ in root.iter(_ATOM_ENTRY))
    return sum(1 for _ in root.iter("item"))


def _expected_entries(items: Sequence[Any], duplicates: Sequence[Any]) -> int:
    """How many entries emit_feed makes: items merged by id and duplicate group."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ids = {it.id for it in items}
    for it in items:
        find(it.id)
    for group in duplicates:
        present = [x for x in group.item_ids if x in ids]
        for other in present[1:]:
            a, b = find(present[0]), find(other)
            if a != b:
                parent[b] = a
    return len({find(x) for x in ids})


def check_bytes(
    data: bytes, name: str = "document", *, formats: Sequence[str] = _FORMATS
) -> FileOutcome:
    """Run parse → clean → link → emit over ``data`` in this process.

    Never raises (except :class:`KeyboardInterrupt` and the like): what went
    wrong is in the returned :class:`FileOutcome`.  ``formats`` are the
    formats emitted and checked.
    """
    from .clean import clean_batch
    from .emit import emit_feed
    from .link import link_items
    from .parse import parse_feed
    from .parse.fp import reparse_bozo

    outcome = FileOutcome(name=name)
    start = time.perf_counter()
    try:
        parsed = parse_feed(data, url=f"https://selfcheck.invalid/{name}")
        outcome.items = len(parsed.items)
        cleaned = clean_batch(parsed.items)
        outcome.kept, outcome.dropped = len(cleaned.items), len(cleaned.dropped)
        outcome.lost = outcome.items - outcome.kept - outcome.dropped
        links = link_items(cleaned.items)
        expected = _expected_entries(cleaned.items, links.duplicates)
        for fmt in formats:
            out = emit_feed(
                cleaned.items,
                format=cast("EmitFormat", fmt),
                title=f"selfcheck {name}",
                links=links,
            )
            if fmt == "json":
                doc = json.loads(out)
                if doc.get("version") != "https://jsonfeed.org/version/1.1":
                    outcome.bozo.append((fmt, f"wrong JSON Feed version {doc.get('version')!r}"))
                emitted = len(doc.get("items", []))
            else:
                problem = reparse_bozo(out)
                if problem is not None:
                    outcome.bozo.append((fmt, problem))
                emitted = _count_xml_entries(out, fmt)
            outcome.lost += max(0, expected - emitted)
    except FeedkitError as exc:
        outcome.error = type(exc).__name__
        outcome.error_message = str(exc)
    except Exception as exc:  # the point is to count what escapes
        outcome.uncaught = f"{type(exc).__name__}: {exc}"
    outcome.seconds = time.perf_counter() - start
    return outcome


def _peak_rss_bytes() -> int:
    import resource  # POSIX only, like fork

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _check_forked(path: Path, timeout: float) -> FileOutcome:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read_fd)
            base = _peak_rss_bytes()
            outcome = check_bytes(path.read_bytes(), path.name)
            outcome.peak_rss = max(0, _peak_rss_bytes() - base)
            payload = json.dumps(asdict(outcome)).encode()
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # the child must always exit
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([pipe], [], [], left)
            if not ready:
                continue
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return FileOutcome(
            name=path.name, uncaught=f"Timeout: still running after {timeout:g} s", seconds=timeout
        )
    if not chunks:
        how = (
            f"killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.WEXITSTATUS(status)}"
        )
        return FileOutcome(name=path.name, uncaught=f"ChildCrashed: {how}")
    fields = json.loads(b"".join(chunks))
    fields["bozo"] = [tuple(pair) for pair in fields["bozo"]]
    return FileOutcome(**fields)


def check_path(path: Path, *, isolate: bool | None = None, timeout: float = 120.0) -> FileOutcome:
    """Check one file; in a forked child when ``isolate`` (default: where fork exists)."""
    if isolate is None:
        isolate = hasattr(os, "fork")
    if isolate:
        return _check_forked(path, timeout)
    return check_bytes(path.read_bytes(), path.name)


def check_file(path: Path, report: CheckReport, *, isolate: bool | None = None) -> None:
    """Run the pipeline over one file and add what happened to ``report``."""
    report.add(check_path(path, isolate=isolate))


def corpus_files(directory: Path) -> list[Path]:
    """The files :func:`run` checks: every regular file below ``directory``, sorted,
    except :data:`SKIP_NAMES` and anything inside a directory named in it."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and not SKIP_NAMES.intersection(p.relative_to(directory).parts)
    )


def run(directory: Path, *, isolate: bool | None = None, timeout: float = 120.0) -> CheckReport:
    """Check every file of :func:`corpus_files` and return the totals."""
    report = CheckReport()
    for path in corpus_files(directory):
        report.add(check_path(path, isolate=isolate, timeout=timeout))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m feedkit.selfcheck",
        description="Run parse, clean, link and emit over every file of DIRECTORY.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds one file may take before it is killed (default 120)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="do not fork a child per file (no memory figure, no timeout)",
    )
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"selfcheck: not a directory: {args.directory}", file=sys.stderr)
        return 2
    report = run(args.directory, isolate=False if args.in_process else None, timeout=args.timeout)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
