"""The `feedkit` command and the example script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer

from conftest import ROOT, SAMPLES
from feedkit.cli import main


def test_aggregate_writes_file_and_says_where(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "agg.atom"
    status = main(["aggregate", str(SAMPLES / "harbor-gazette.rss.xml"),
                   str(SAMPLES / "coastal-wire.atom.xml"), "-o", str(out)])
    assert status == 0
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0
    assert len(parsed.entries) >= 5
    assert str(out.resolve()) in capsys.readouterr().err


def test_aggregate_to_stdout_as_json(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status = main(["aggregate", str(SAMPLES / "night-desk.json"), "-o", "-", "--format", "json"])
    assert status == 0
    doc = json.loads(capsysbinary.readouterr().out)
    assert {it["title"] for it in doc["items"]} == {
        "Harbor pool reopens after renovation", "Late-night vote backs east harbor tram"}


def test_failed_source_gives_exit_1_and_one_line_reason(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data("", status=410)
    status = main(["aggregate", httpserver.url_for("/gone.xml"),
                   str(SAMPLES / "night-desk.json"), "-o", str(tmp_path / "o.xml")])
    assert status == 1
    err = capsys.readouterr().err
    reason = [line for line in err.splitlines() if "gone.xml" in line]
    assert len(reason) == 1
    assert "GoneError" in reason[0]
    assert (tmp_path / "o.xml").exists()  # the good source was still emitted


def test_opml_source_expands_to_its_feeds(httpserver: HTTPServer, tmp_path: Path) -> None:
    outlines = []
    for name in ("harbor-gazette.rss.xml", "coastal-wire.atom.xml", "night-desk.json"):
        httpserver.expect_request(f"/{name}").respond_with_data((SAMPLES / name).read_bytes())
        outlines.append(f'<outline type="rss" text="{name}" xmlUrl="{httpserver.url_for(name)}"/>')
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head>'
                    f'<body><outline text="News">{"".join(outlines)}</outline></body></opml>')
    out = tmp_path / "o.json"
    assert main(["aggregate", str(opml), "-o", str(out), "--format", "json"]) == 0
    feeds = {it["_feedkit"]["feed_title"] for it in json.loads(out.read_text())["items"]}
    assert feeds == {"Harbor Gazette", "Coastal Wire", "Night Desk"}


def test_stories_and_explain_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["aggregate", str(SAMPLES / "harbor-gazette.rss.xml"),
                   str(SAMPLES / "coastal-wire.atom.xml"), "-o", str(tmp_path / "o.xml"),
                   "--stories", "--explain"])
    assert status == 0
    err = capsys.readouterr().err
    assert "story" in err
    assert "Kelp Street gets green light" in err
    assert "appeared first on" in err  # the explain report names the removed footer


def test_example_script_runs_offline(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "aggregate.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "multi-source stories" in proc.stdout
    for name in ("aggregate.atom", "aggregate.json", "digest.html"):
        assert (tmp_path / "out" / name).stat().st_size > 500
    assert feedparser.parse((tmp_path / "out" / "aggregate.atom").read_bytes()).bozo == 0


def test_example_script_is_short() -> None:
    assert len((ROOT / "examples" / "aggregate.py").read_text().splitlines()) < 100


def test_linking_shows_progress_after_the_sources(tmp_path: Path) -> None:
    import io

    from feedkit import Aggregator
    from feedkit.cli import Progress

    agg = Aggregator(sorted(str(p) for p in SAMPLES.iterdir()))
    calls: list[tuple[int, int]] = []
    results = list(agg.update(link_progress=lambda done, total: calls.append((done, total))))
    new = sum(r.new for r in results)
    assert new > 0
    assert calls[-1] == (new, new)  # every new item linked, once the sources are done
    out = io.StringIO()
    bar = Progress(len(results), out, enabled=True)
    bar.linking(12, 48)
    assert "linking 12/48 new items" in out.getvalue()
    assert "[######------------------]" in out.getvalue()
    quiet = io.StringIO()
    Progress(1, quiet).linking(1, 2)  # not a terminal: nothing drawn
    assert quiet.getvalue() == ""
