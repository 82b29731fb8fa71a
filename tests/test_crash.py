"""Crash safety with real processes: SIGKILL mid-update, two writers at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from feedkit.store import SQLiteStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

# The child writes one source update per transaction (20 items with large
# bodies so a kill usually lands inside a write), then reports the commit.
CHILD = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from feedkit.model import Item
    from feedkit.store import SQLiteStore

    path, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = SQLiteStore(path)
    sources = [f"https://shared.example/feed{k}.xml" for k in range(3)]
    for url in sources:
        store.add_source(url)
    body = "<p>" + "lorem ipsum " * 2000 + "</p>"
    for n in range(rounds):
        url = sources[n % 3]
        state = store.get_source(url)
        items = [
            Item(id=f"{tag}-{n}-{k}", feed_url=url, title=f"{tag} {n} {k}", content_html=body)
            for k in range(20)
        ]
        store.record_update(replace(state, etag=f'"{n}"', last_status=200), items)
        print(f"committed {n}", flush=True)
    store.close()
    """
)


def _child(tmp_path: Path, db: Path, tag: str, rounds: int) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), str(db), tag, str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _expected_ids(tag: str, rounds: list[int]) -> set[str]:
    return {f"{tag}-{n}-{k}" for n in rounds for k in range(20)}


def test_sigkill_mid_update_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    proc = _child(tmp_path, db, "a", 100_000)
    assert proc.stdout is not None
    committed: list[int] = []
    for line in proc.stdout:
        committed.append(int(line.split()[1]))
        if len(committed) >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # lines the child printed before it died were committed too
    committed.extend(int(line.split()[1]) for line in proc.stdout.read().splitlines())
    assert proc.returncode == -signal.SIGKILL

    with SQLiteStore(db) as store:
        assert store.integrity_check() == "ok"
        ids = {s.id for s in store.items()}
        assert _expected_ids("a", committed) <= ids
        # no half-written update: every round present has all its 20 items
        rounds = {i.rsplit("-", 1)[0] for i in ids}
        assert all(sum(1 for i in ids if i.startswith(r + "-")) == 20 for r in rounds)
        last = max(committed)
        state = store.get_source(f"https://shared.example/feed{last % 3}.xml")
        assert state is not None
        assert state.etag is not None
        assert int(state.etag.strip('"')) >= last
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_two_processes_update_one_store(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    SQLiteStore(db).close()  # create the schema first
    procs = {tag: _child(tmp_path, db, tag, 30) for tag in ("x", "y")}
    outputs = {tag: proc.communicate(timeout=60)[0] for tag, proc in procs.items()}
    for tag, proc in procs.items():
        assert proc.returncode == 0, outputs[tag]
        assert outputs[tag].count("committed") == 30
    with SQLiteStore(db) as store:
        assert store.integrity_check() == "ok"
        ids = {s.id for s in store.items()}
        assert ids == _expected_ids("x", list(range(30))) | _expected_ids("y", list(range(30)))
        assert len(store.sources()) == 3  # both processes wrote the same sources


AGG_CHILD = textwrap.dedent(
    """
    import os, sys
    from feedkit.aggregator import Aggregator
    from feedkit.store import SQLiteStore

    db, folder, processes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    agg = Aggregator(store=SQLiteStore(db), link=False, workers=4, processes=processes)
    paths = [os.path.join(folder, f"feed{k}.xml") for k in range(4)]
    body = "lorem ipsum " * 300
    for n in range(100_000):
        for k, path in enumerate(paths):
            items = "".join(
                f"<item><title>r{n} f{k} i{i}</title><guid>r{n}-f{k}-i{i}</guid>"
                f"<link>https://f{k}.example/{n}/{i}</link><description>{body}</description></item>"
                for i in range(10)
            )
            with open(path, "w") as fh:
                fh.write(f"<rss version='2.0'><channel><title>f{k}</title>{items}</channel></rss>")
            os.utime(path, (n + 1_000_000, n + 1_000_000))  # a new Last-Modified each round
            if n == 0:
                agg.add_source(path)
        results = list(agg.update(force=True))
        assert all(r.ok for r in results), [str(r.error) for r in results]
        print(f"committed {n}", flush=True)
    """
)


@pytest.mark.parametrize(
    "processes",
    [0, pytest.param(2, marks=pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="shard processes are forked on Linux"))],
)
def test_sigkill_during_aggregator_update(tmp_path: Path, processes: int) -> None:
    # processes=2: the sources are updated by two forked shard processes, each
    # writing through its own connection; the parent is the one killed
    # (its orphaned shards notice and stop)
    db = tmp_path / "agg.db"
    folder = tmp_path / "feeds"
    folder.mkdir()
    script = tmp_path / "agg_child.py"
    script.write_text(AGG_CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(db), str(folder), str(processes)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    rounds: list[int] = []
    for line in proc.stdout:
        rounds.append(int(line.split()[1]))
        if len(rounds) >= 6:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    rounds.extend(int(line.split()[1]) for line in proc.stdout.read().splitlines())
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    with SQLiteStore(db) as store:
        assert store.integrity_check() == "ok"
        titles = {s.item.title for s in store.items()}
        for n in rounds:
            for k in range(4):
                assert {f"r{n} f{k} i{i}" for i in range(10)} <= titles
        per_source = [store.count_items(s.url) for s in store.sources()]
        assert all(count % 10 == 0 for count in per_source)  # whole documents only
