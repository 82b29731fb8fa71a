"""The store-backed CLI: add, import, update, sources, emit, remove."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from feedkit.cli import default_db, main
from test_update import FeedServer, rss, server, versioned

__all__ = ["server"]  # the fixture, re-used from test_update


def test_add_update_sources_emit(server: FeedServer, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    server.routes["/a.xml"] = versioned(lambda: rss("a", [(1, "Alpha one"), (2, "Alpha two")]),
                                        lambda: '"a1"')
    server.routes["/b.xml"] = versioned(lambda: rss("b", [(3, "Bravo three")]), lambda: '"b1"')
    server.routes["/gone.xml"] = lambda h: (410, {}, b"")
    db = str(tmp_path / "s.db")
    urls = [server.url(p) for p in ("/a.xml", "/b.xml", "/gone.xml")]
    assert main(["add", *urls, "--db", db]) == 0
    assert main(["add", "ftp://nope.example/", "--db", db]) == 1
    capsys.readouterr()

    assert main(["update", "--db", db, "--workers", "4"]) == 1  # the 410 counts as a failure
    err = capsys.readouterr().err
    assert f"ok    {urls[0]}: 2 new, 0 updated, 0 unchanged" in err
    assert f"gone  {urls[2]}: GoneError" in err
    assert "3 of 3 sources updated (1 failed): 3 new" in err

    assert main(["update", "--db", db]) == 0  # nothing due: nothing to fail
    assert "0 of 3 sources updated" in capsys.readouterr().err
    assert main(["update", "--db", db, "--force"]) == 0
    assert err.count("not modified") == 0
    assert capsys.readouterr().err.count("not modified") == 2

    assert main(["sources", "--db", db]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["SOURCE", "ITEMS", "LAST", "FETCH", "STATUS", "ERRORS", "NEXT",
                                "DUE"]
    gone_row = next(line for line in table if "gone.xml" in line)
    assert "parked (gone)" in gone_row
    assert "never (parked)" in gone_row
    a_row = next(line for line in table if "a.xml" in line)
    assert "(a news)" in a_row
    assert " 304 " in a_row

    out = tmp_path / "out.atom"
    assert main(["emit", "--db", db, "--format", "atom", "-o", str(out)]) == 0
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0
    assert {e.title for e in parsed.entries} == {"Alpha one", "Alpha two", "Bravo three"}
    capsys.readouterr()
    assert main(["emit", "--db", db, "--format", "json", "--source", urls[1]]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [it["title"] for it in doc["items"]] == ["Bravo three"]

    assert main(["remove", urls[1], "--db", db]) == 0
    assert main(["remove", urls[1], "--db", db]) == 1


def test_import_opml_and_default_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        "<?xml version='1.0'?><opml version='2.0'><head/><body>"
        "<outline text='A' xmlUrl='https://a.example/feed'/>"
        "<outline text='B' xmlUrl='https://b.example/feed'/></body></opml>"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FEEDKIT_DB", raising=False)
    assert default_db() == "feedkit.db"
    assert main(["import", str(opml)]) == 0
    assert (tmp_path / "feedkit.db").exists()
    monkeypatch.setenv("FEEDKIT_DB", str(tmp_path / "env.db"))
    assert main(["import", str(opml)]) == 0
    assert (tmp_path / "env.db").exists()
    capsys.readouterr()
    assert main(["sources"]) == 0
    assert "https://b.example/feed" in capsys.readouterr().out


def test_bad_db_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 50)
    assert main(["sources", "--db", str(bad)]) == 1
    assert "StoreError" in capsys.readouterr().err


def test_update_with_worker_processes_and_bad_process_count(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = []
    for n in range(3):
        server.routes[f"/p{n}.xml"] = versioned(
            lambda n=n: rss(f"p{n}", [(n * 10 + i, f"Story {i} of {n}") for i in range(2)]),
            lambda n=n: f'"p{n}"',
        )
        urls.append(server.url(f"/p{n}.xml"))
    db = str(tmp_path / "p.db")
    assert main(["add", *urls, "--db", db]) == 0
    capsys.readouterr()
    assert main(["update", "--db", db, "--processes", "2", "--no-link"]) == 0
    assert "3 of 3 sources updated (0 failed): 6 new" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["update", "--db", db, "--processes", "-1"])
    assert exit_info.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err
