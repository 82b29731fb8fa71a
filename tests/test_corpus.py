"""The real-world corpus (../shared/data/feeds-dev) through the whole pipeline.

Every file parses or raises a FeedkitError subclass (nothing else escapes),
and what it gives re-emits as Atom and RSS that feedparser reads with
bozo = 0, without losing an item.  The checks are feedkit.selfcheck's own
(:func:`feedkit.selfcheck.check_bytes`), so this test and
``python -m feedkit.selfcheck DIR`` cannot disagree.

The second half tests the selfcheck command itself on three small files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from feedkit.selfcheck import CheckReport, check_bytes, corpus_files, main, run

FEEDS_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds-dev"
CORPUS = corpus_files(FEEDS_DEV) if FEEDS_DEV.is_dir() else []


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS, reason="../shared/data/feeds-dev is not available")
def test_corpus_is_the_whole_directory() -> None:
    names = {p.name for p in CORPUS}
    assert len(CORPUS) >= 200
    assert "SOURCES.md" not in names
    assert not any("LICENSES" in p.parts for p in CORPUS)


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_file_parses_and_reemits_cleanly(path: Path) -> None:
    outcome = check_bytes(path.read_bytes(), path.name, formats=("atom", "rss"))
    assert outcome.uncaught is None, outcome.uncaught
    assert outcome.bozo == [], outcome.bozo
    assert outcome.lost == 0
    if outcome.error is None:
        assert outcome.items == outcome.kept + outcome.dropped


if not CORPUS:  # keep one visible skip when the corpus is absent

    @pytest.mark.skip(reason="../shared/data/feeds-dev is not available")
    def test_corpus_file_parses_and_reemits_cleanly_skipped() -> None:
        """Placeholder so the skip is reported."""


# --- the selfcheck command on a directory of our own -------------------------

GOOD = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Good</title><link>https://example.org/</link>
<item><title>One</title><link>https://example.org/1</link><guid>g1</guid>
<description>&lt;p&gt;First &lt;b&gt;post&lt;/b&gt;&lt;/p&gt;</description></item>
<item><title>Two</title><link>https://example.org/2</link><guid>g2</guid>
<description>Second post</description></item>
<item><title>Three</title><link>https://example.org/3</link><guid>g3</guid></item>
</channel></rss>
"""
JUNK = bytes(range(256)) * 4
HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Home</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
<body><p>Not a feed.</p></body></html>"""


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    (tmp_path / "good.xml").write_bytes(GOOD)
    (tmp_path / "junk.bin").write_bytes(JUNK)
    (tmp_path / "page.html").write_bytes(HTML_PAGE)
    (tmp_path / "SOURCES.md").write_text("# not a feed, skipped\n")
    (tmp_path / "LICENSES").mkdir()
    (tmp_path / "LICENSES" / "x.txt").write_text("skipped too\n")
    return tmp_path


def _report_lines(out: str) -> dict[str, str]:
    return {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip()
        for line in out.splitlines()
        if not line.startswith(" ") and ":" in line
    }


@pytest.mark.parametrize("in_process", [False, True])
def test_selfcheck_prints_counts(
    small_dir: Path, capsys: pytest.CaptureFixture[str], in_process: bool
) -> None:
    if not in_process and not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    argv = [str(small_dir)] + (["--in-process"] if in_process else [])
    status = main(argv)
    out = capsys.readouterr().out
    lines = _report_lines(out)
    assert status == 0, out
    assert lines["files"] == "3"
    assert lines["items"].startswith("3 parsed, 3 kept")
    assert lines["errors by type"] == "NotAFeedError=1, ParseError=1"
    assert "page.html: NotAFeedError" in out
    assert "junk.bin: ParseError" in out
    assert lines["uncaught exceptions"] == "0"
    assert lines["emitted feeds with bozo"] == "0"
    assert lines["items lost silently"] == "0"
    assert re.fullmatch(
        r"[\d.]+ ms \((good\.xml|junk\.bin|page\.html)\); total [\d.]+ s",
        lines["max time per file"],
    )
    memory = lines["max memory per file"]
    if in_process:
        assert memory.startswith("not measured")
    else:
        assert re.fullmatch(r"[\d.]+ MiB peak RSS \((good\.xml|junk\.bin|page\.html)\)", memory)


def test_selfcheck_counts_an_uncaught_exception(
    small_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import feedkit.link

    def broken(items: object, **options: object) -> object:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(feedkit.link, "link_items", broken)
    status = main([str(small_dir), "--in-process"])
    out = capsys.readouterr().out
    assert status == 1
    assert "uncaught exceptions: 1" in out
    assert "good.xml: ZeroDivisionError: planted" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_selfcheck_child_timeout_and_memory_are_measured(
    small_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedkit.clean

    real = feedkit.clean.clean_batch

    def hungry(items: object, **options: object) -> object:
        block = bytearray(64 * 2**20)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
        return real(items, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(feedkit.clean, "clean_batch", hungry)
    report = run(small_dir)
    assert report.max_peak_bytes is not None
    peak, name = report.max_peak_bytes
    assert name == "good.xml"
    assert peak >= 60 * 2**20

    def stuck(items: object, **options: object) -> object:
        import time

        time.sleep(30)
        raise AssertionError("not reached")

    monkeypatch.setattr(feedkit.clean, "clean_batch", stuck)
    report = run(small_dir, timeout=1.0)
    assert [name for name, _ in report.uncaught] == ["good.xml"]
    assert report.uncaught[0][1].startswith("Timeout")
    assert not report.ok


def test_report_lines_without_files() -> None:
    lines = CheckReport().lines()
    assert lines[0] == "files: 0"
    assert "uncaught exceptions: 0" in lines
