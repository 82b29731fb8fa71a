"""Update throughput: feedkit vs lemon24/reader over 2,000 local feeds.

A local HTTP server (127.0.0.1 only, asyncio, in its own process so it does
not compete with the clients for the GIL) serves ``--feeds`` generated RSS
feeds, each answered after ``--latency`` seconds, with ETags and 304s.  Each
tool runs in a fresh subprocess with the same worker count and does:

* a **cold** update: every feed fetched, parsed and stored in a new database;
* a **warm** update: every feed fetched again conditionally (all 304).

Printed: feeds/s for each phase, the feedkit/reader ratios, each tool's
peak RSS (and its largest child process's), and sanity counts (items
stored, 200s and 304s served).

    python benchmarks/update.py [--feeds 2000] [--items 25] [--workers 128] [--latency 0.05]

feedkit runs twice: its default pipeline (fast parse, sanitize, boilerplate
cleaning with per-feed learning, SQLite store; with 2,000 due sources it
uses one shard process per CPU) and with ``clean=False`` (parse + sanitize
+ store: the work reader does, plus sanitizing).  ``--link`` adds story
linking.  reader runs ``update_feeds(workers=N, scheduled=False)``.  Both
use the same worker count (feedkit's is the total over its shard
processes) and no per-host limit.  The default is 128 workers, so the
latency bound (128 / 0.05 s = 2,560 feeds/s) sits above what either tool
does on the warm update: with 64 (1,280 feeds/s) or fewer the run measures
the server's latency, not the clients.  Runs alternate between tools and
the best of ``--repeat`` is kept; CPU time per feed (the client and its
child processes, user + system) is printed too because wall-clock ratios
move with the machine's load.  Needs ``reader`` (the ``bench`` extra);
exits with a message when it is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "harbor", "council", "tram", "line", "ferry", "storm", "coastal", "road", "bakery",
    "market", "festival", "vote", "budget", "school", "hospital", "bridge", "river", "police",
    "court", "election", "minister", "report", "study", "weather", "train", "station",
    "museum", "library", "housing", "energy", "wind", "solar", "fishing", "port", "tourism",
    "university", "research", "science", "climate", "water", "health", "police", "fire",
    "museum", "culture", "sport",
)


# -- the feed server ---------------------------------------------------------------


def make_feed(index: int, items: int) -> bytes:
    """One generated RSS feed, its items marked up the way blog platforms write them:
    paragraphs with a link, an entity, emphasis, an image and a "The post ...
    appeared first on ..." footer (so sanitizers and cleaners meet real markup)."""
    rng = random.Random(index)
    site = f"https://site{index}.example"
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel>",
        f"<title>Generated feed {index}</title><link>{site}/</link>",
        f"<description>Feed number {index}</description>",
    ]
    for n in range(items):
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        first = " ".join(rng.choice(WORDS) for _ in range(40))
        second = " ".join(rng.choice(WORDS) for _ in range(30))
        topic, other = rng.choice(WORDS), rng.choice(WORDS)
        day = 1 + (n % 28)
        body = (
            f'<p>{first.capitalize()} <a href="{site}/topic/{topic}?utm_source=rss">{topic}'
            f" {other}</a>.</p><p><em>{other.capitalize()}</em> &amp; {second}.</p>"
            f'<p><img src="{site}/img/{n}.jpg" alt="{topic}" width="600" height="400"></p>'
            f'<p>The post <a href="{site}/news/{n}">{title} {index}-{n}</a> appeared first on'
            f' <a href="{site}/">Site {index}</a>.</p>'
        )
        escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append(
            f"<item><title>{title} {index}-{n}</title>"
            f"<link>{site}/news/{n}</link>"
            f"<guid isPermaLink='false'>site{index}-{n}</guid>"
            f"<pubDate>Sun, {day:02d} Nov 2026 {n % 24:02d}:{n % 60:02d}:00 GMT</pubDate>"
            f"<description>{escaped}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(port_file: str, feeds: int, items: int, latency: float) -> None:
    """Run the asyncio feed server until killed; writes its port to ``port_file``."""
    bodies = [make_feed(i, items) for i in range(feeds)]
    stats = {"200": 0, "304": 0, "404": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                await asyncio.sleep(latency)
                status, extra, body = 404, "", b"not found"
                if path == "/stats":
                    status, body = 200, json.dumps(stats).encode()
                elif path.startswith("/feed/") and path.endswith(".xml"):
                    try:
                        index = int(path[6:-4])
                    except ValueError:
                        index = -1
                    if 0 <= index < feeds:
                        etag = f'"f{index}-v1"'
                        extra = f"ETag: {etag}\r\nContent-Type: application/rss+xml\r\n"
                        if headers.get("if-none-match") == etag:
                            status, body = 304, b""
                        else:
                            status, body = 200, bodies[index]
                stats[str(status)] += 1
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: {len(body)}\r\n"
                    f"Connection: keep-alive\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        Path(port_file).write_text(str(port))
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# -- the clients (each in its own process) ---------------------------------------------


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children
    (feedkit's parse-and-clean worker processes are reaped when an update ends)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run_feedkit(base: str, feeds: int, workers: int, db: str, clean: bool, link: bool) -> dict:
    from feedkit.aggregator import Aggregator
    from feedkit.fetch.http import Fetcher
    from feedkit.store import SQLiteStore

    store = SQLiteStore(db)
    agg = Aggregator(store=store, workers=workers, per_host=None, clean=clean, link=link,
                     fetcher=Fetcher(retries=0))
    for i in range(feeds):
        agg.add_source(f"{base}/feed/{i}.xml")
    out = {}
    for phase in ("cold", "warm"):
        cpu = _cpu()
        started = time.perf_counter()
        results = list(agg.update(force=True))
        out[phase] = time.perf_counter() - started
        out[f"{phase}_cpu"] = _cpu() - cpu
        out[f"{phase}_errors"] = sum(1 for r in results if not r.ok)
        out[f"{phase}_sample_error"] = next((str(r.error) for r in results if not r.ok), "")
    out["items"] = store.count_items()
    store.close()
    return out


def run_reader(base: str, feeds: int, workers: int, db: str) -> dict:
    from reader import make_reader

    reader = make_reader(db)
    for i in range(feeds):
        reader.add_feed(f"{base}/feed/{i}.xml")
    out = {}
    for phase in ("cold", "warm"):
        cpu = _cpu()
        started = time.perf_counter()
        reader.update_feeds(workers=workers, scheduled=False)
        out[phase] = time.perf_counter() - started
        out[f"{phase}_cpu"] = _cpu() - cpu
        out[f"{phase}_errors"] = sum(1 for f in reader.get_feeds() if f.last_exception)
    out["items"] = reader.get_entry_counts().total
    reader.close()
    return out


def child(args: argparse.Namespace) -> None:
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")
        if args.tool.startswith("feedkit"):
            clean = args.tool != "feedkit-noclean"
            out = run_feedkit(base, args.feeds, args.workers, db, clean, args.link)
        else:
            out = run_reader(base, args.feeds, args.workers, db)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the largest finished child (feedkit's shard / worker processes; 0 for reader)
    out["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))


# -- orchestration -----------------------------------------------------------------------

#: feedkit's default pipeline; feedkit without boilerplate cleaning; reader.
CONFIGS = ("feedkit", "feedkit-noclean", "reader")


def _stats(port: int) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as r:
        return json.loads(r.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=25, help="items per feed")
    parser.add_argument("--workers", type=int, default=128)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--link", action="store_true", help="feedkit: also link (stories)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per tool; best is kept")
    parser.add_argument("--only", choices=CONFIGS,
                        help="run one configuration")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--tool", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.feeds, args.items, args.latency)
        return 0
    if args.tool:
        child(args)
        return 0

    tools = [args.only] if args.only else list(CONFIGS)
    if "reader" in tools:
        try:
            import reader  # noqa: F401
        except ImportError:
            print("benchmarks/update.py: reader is not installed (pip install 'feedkit[bench]')")
            return 0

    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        me = [sys.executable, __file__, "--feeds", str(args.feeds), "--items", str(args.items),
              "--latency", str(args.latency), "--workers", str(args.workers)]
        server = subprocess.Popen([*me, "--serve", port_file])
        try:
            for _ in range(600):
                if os.path.exists(port_file) and Path(port_file).read_text():
                    break
                time.sleep(0.05)
            port = int(Path(port_file).read_text())
            print(f"feeds: {args.feeds} x {args.items} items, latency {args.latency * 1000:.0f} ms,"
                  f" workers: {args.workers}, server: 127.0.0.1:{port} (asyncio, own process)")
            results: dict[str, dict] = {}
            for round_ in range(args.repeat):
                for tool in tools if round_ % 2 == 0 else tools[::-1]:
                    before = _stats(port)
                    extra = ["--link"] if args.link else []
                    proc = subprocess.run([*me, "--tool", tool, "--port", str(port), *extra],
                                          capture_output=True, text=True, check=False)
                    if proc.returncode != 0:
                        print(f"{tool} failed:\n{proc.stderr[-2000:]}")
                        return 1
                    run = json.loads(proc.stdout.strip().splitlines()[-1])
                    after = _stats(port)
                    run["served_304"] = after["304"] - before["304"]
                    run["served_200"] = after["200"] - before["200"]
                    best = results.setdefault(tool, run)
                    for key in ("cold", "warm", "cold_cpu", "warm_cpu"):
                        best[key] = min(best[key], run[key])
                    for key in ("peak_rss_mb", "child_rss_mb"):
                        best[key] = max(best[key], run[key])
        finally:
            server.kill()
            with contextlib.suppress(Exception):
                server.wait(timeout=5)

    print(f"\nbest of {args.repeat} runs per tool (alternating order); CPU = client and child"
          f" processes' user+sys time per feed")
    print(f"{'tool':<16} {'cold s':>7} {'cold f/s':>9} {'cold CPU ms':>11} {'warm s':>7}"
          f" {'warm f/s':>9} {'warm CPU ms':>11} {'peak RSS MB':>11} {'child MB':>8}"
          f" {'items':>6} {'200s':>5}"
          f" {'304s':>5} {'errors':>6}")
    for tool, r in results.items():
        print(f"{tool:<16} {r['cold']:>7.2f} {args.feeds / r['cold']:>9.1f}"
              f" {r['cold_cpu'] / args.feeds * 1000:>11.2f} {r['warm']:>7.2f}"
              f" {args.feeds / r['warm']:>9.1f} {r['warm_cpu'] / args.feeds * 1000:>11.2f}"
              f" {r['peak_rss_mb']:>11.0f} {r['child_rss_mb']:>8.0f}"
              f" {r['items']:>6} {r['served_200']:>5}"
              f" {r['served_304']:>5} {r['cold_errors'] + r['warm_errors']:>6}")
    if "reader" in results:
        rd = results["reader"]
        print()
        for tool in CONFIGS[:-1]:
            if tool in results:
                fk = results[tool]
                print(f"{tool} / reader: feeds/s cold {rd['cold'] / fk['cold']:.2f}x,"
                      f" warm {rd['warm'] / fk['warm']:.2f}x (target >= 3x);"
                      f" CPU per feed cold {rd['cold_cpu'] / fk['cold_cpu']:.2f}x less,"
                      f" warm {rd['warm_cpu'] / fk['warm_cpu']:.2f}x less;"
                      f" peak RSS {fk['peak_rss_mb'] / rd['peak_rss_mb']:.2f}x")
    print(f"latency bound with {args.workers} workers: {args.workers / args.latency:.0f} feeds/s;"
          f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f};"
          f" feedkit {'with' if args.link else 'without'} linking")
    for tool, r in results.items():
        if r.get("cold_sample_error"):
            print(f"{tool} sample error: {r['cold_sample_error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
