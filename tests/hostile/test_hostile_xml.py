"""Hostile XML: every attack is parsed in a subprocess, bounded in time and memory.

Each payload is written to a file and parsed by a fresh interpreter
(``python -c``) that reports, as JSON, the CPU time spent in ``parse_feed``
(and, with a looser bound that catches hangs, the wall time), its
peak RSS (``VmHWM`` from ``/proc/self/status``, falling back to
``resource.getrusage``, whose ``ru_maxrss`` on Linux includes the forking
parent's high-water mark), the outcome (result or exception type) and
the text of everything the result holds, so the test can assert that no file
content leaked.  Bounds: < 2 s of parsing and < 256 MB peak RSS.  The child
also gets a 1 GiB address-space limit and a wall-clock timeout, so a
regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from child_code import PEAK_MB

MAX_SECONDS = 2.0  # CPU seconds in parse_feed: immune to other load on the machine
MAX_WALL_SECONDS = 15.0  # catches hangs (a parser waiting on the network) without flaking
MAX_RSS_MB = 256

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
""" + PEAK_MB + r"""
from feedkit.parse import parse_feed
from feedkit.errors import FeedkitError
for args in json.loads(sys.argv[1]):
    data = open(args["path"], "rb").read()
    if args.get("as_str"):
        data = data.decode("utf-8", "surrogateescape")
    out = {}
    start = time.perf_counter()
    cpu_start = time.process_time()
    try:
        r = parse_feed(data, url=args.get("url"), headers=args.get("headers"),
                       parser=args.get("parser", "auto"))
        out["outcome"] = "ok"
        out["parser"] = r.parser
        out["items"] = len(r.items)
        out["warnings"] = list(r.warnings)
        out["text"] = repr((r.feed, r.items))[:5_000_000]
    except FeedkitError as exc:
        out["outcome"] = type(exc).__name__
        out["text"] = str(exc) + repr(getattr(exc, "warnings", ()))
        out["feed_links"] = list(getattr(exc, "feed_links", ()))
    except MemoryError:
        out["outcome"] = "MemoryError"
        out["text"] = ""
    out["seconds"] = time.process_time() - cpu_start
    out["wall_seconds"] = time.perf_counter() - start
    out["rss_mb"] = peak_mb()
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out), flush=True)
"""


def run_many(tmp_path: Path, cases: list[tuple[bytes, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Parse each payload in one child interpreter; assert time and memory bounds for each.

    The peak RSS is the child's peak so far, so every case is held to the bound.
    """
    specs = []
    for index, (payload, options) in enumerate(cases):
        path = tmp_path / f"payload-{index}.xml"
        path.write_bytes(payload)
        specs.append({"path": str(path), **options})
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(specs)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results: list[dict[str, Any]] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(cases)
    for result in results:
        assert result["outcome"] != "MemoryError"
        assert result["seconds"] < MAX_SECONDS, result["seconds"]
        assert result["wall_seconds"] < MAX_WALL_SECONDS, result["wall_seconds"]
        assert result["rss_mb"] < MAX_RSS_MB, result["rss_mb"]
    return results


def run_bounded(tmp_path: Path, payload: bytes, **options: Any) -> dict[str, Any]:
    """Parse one payload in a child interpreter; assert the time and memory bounds."""
    return run_many(tmp_path, [(payload, options)])[0]


def rss(item_xml: str = "", *, prolog: str = "", channel: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}'
        f'<rss version="2.0"><channel><title>Hostile</title>'
        f"<link>https://hostile.example/</link>{channel}{item_xml}</channel></rss>"
    ).encode()


PARSERS = ["auto", "feedparser"]


# --------------------------------------------------------------------------- entities

BILLION_LAUGHS = (
    '<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)


@pytest.mark.parametrize("parser", PARSERS)
def test_billion_laughs(tmp_path: Path, parser: str) -> None:
    doc = rss("<item><title>&lol9;</title><link>https://h.example/1</link></item>",
              prolog=BILLION_LAUGHS)
    result = run_bounded(tmp_path, doc, parser=parser)
    assert "lollol" not in result["text"]
    if result["outcome"] == "ok":
        assert any("DOCTYPE" in w for w in result["warnings"])


@pytest.mark.parametrize("parser", PARSERS)
def test_quadratic_blowup(tmp_path: Path, parser: str) -> None:
    big = "x" * 50_000
    prolog = f'<!DOCTYPE rss [<!ENTITY a "{big}">]>\n'
    doc = rss(f"<item><title>q</title><description>{'&a;' * 10_000}</description></item>",
              prolog=prolog)
    assert len(doc) < 200_000  # ~200 kB of XML that would expand to 500 MB
    result = run_bounded(tmp_path, doc, parser=parser)
    assert "x" * 1000 not in result["text"]


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-MARKER-4711\n")
    return path


@pytest.mark.parametrize("parser", PARSERS)
def test_xxe_file(tmp_path: Path, secret_file: Path, parser: str) -> None:
    prolog = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
    doc = rss("<item><title>a &xxe; b</title><description>&xxe;</description></item>",
              prolog=prolog)
    result = run_bounded(tmp_path, doc, parser=parser)
    assert "TOP-SECRET-MARKER" not in result["text"]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - per-class record, reset by the fixture

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = b'<!ENTITY leak "LEAKED-OVER-HTTP">'
        self.send_response(200)
        self.send_header("Content-Type", "application/xml-dtd")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_spy() -> Iterator[tuple[str, list[str]]]:
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/entity">]>\n',
        '<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{base}/param.dtd"> %ext;]>\n',
        '<!DOCTYPE rss SYSTEM "{base}/external.dtd">\n',
        '<!DOCTYPE rss PUBLIC "-//X//DTD X//EN" "{base}/public.dtd">\n',
    ],
    ids=["entity", "parameter-entity", "external-dtd", "public-dtd"],
)
def test_xxe_http_and_dtd_fetch(
    tmp_path: Path, http_spy: tuple[str, list[str]], prolog: str
) -> None:
    base, hits = http_spy
    doc = rss("<item><title>t &xxe; &leak;</title><link>https://h.example/1</link></item>",
              prolog=prolog.format(base=base))
    for result in run_many(tmp_path, [(doc, {"parser": parser}) for parser in PARSERS]):
        assert "LEAKED-OVER-HTTP" not in result["text"]
    assert hits == []


def test_bytes_that_look_like_a_path_or_url_are_not_opened(
    tmp_path: Path, secret_file: Path, http_spy: tuple[str, list[str]]
) -> None:
    base, hits = http_spy
    payloads = (str(secret_file).encode(), b"/etc/passwd", f"file://{secret_file}".encode(),
                f"{base}/feed.xml".encode())
    cases = [(p, {"parser": parser}) for p in payloads for parser in PARSERS]
    cases.append((str(secret_file).encode(), {"as_str": True}))  # a str is a document too
    for result in run_many(tmp_path, cases):
        assert result["outcome"] == "ParseError", result
        assert "TOP-SECRET-MARKER" not in result["text"]
        assert "root:" not in result["text"]
    assert hits == []


# --------------------------------------------------------------------------- ReDoS

@pytest.mark.parametrize(
    "field",
    [
        "<author>{}</author>",
        "<dc:creator>{}</dc:creator>",
        "<author><![CDATA[{}]]></author>",
        "<managingEditor>{}</managingEditor>",
    ],
)
def test_author_email_redos(tmp_path: Path, field: str) -> None:
    # kurtmckee/feedparser#562: feedparser's e-mail regex is quadratic on long
    # author strings (a 32 kB field took 10.7 s)
    evil = "a" * 16_000 + "@" + "a." * 8_000
    item = "<item><title>r</title><link>https://h.example/r</link>" + field.format(evil)
    doc = rss(item + "</item>").replace(
        b'<rss version="2.0">',
        b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    )
    for result in run_many(tmp_path, [(doc, {"parser": parser}) for parser in PARSERS]):
        assert result["outcome"] == "ok"
        assert result["items"] == 1


def test_author_redos_in_ill_formed_document(tmp_path: Path) -> None:
    """The fallback screen also runs when the fast path declines on its own."""
    doc = rss("<item><title>&nbsp;</title><author>" + "a" * 32_000 + "</author></item>")
    result = run_bounded(tmp_path, doc)
    assert result["parser"] == "feedparser"
    assert any("author" in w for w in result["warnings"])


# --------------------------------------------------------------------------- encodings

def _latin1_doc(declared: str | None) -> bytes:
    decl = f' encoding="{declared}"' if declared else ""
    return (f'<?xml version="1.0"{decl}?><rss version="2.0"><channel><title>Caf\xe9</title>'
            '<item><title>cr\xe8me</title><link>https://h.example/c</link></item>'
            "</channel></rss>").encode("latin-1")


CHARSET_CASES: list[tuple[bytes, dict[str, str] | None, str | None]] = [
        # lying declaration: says UTF-8, bytes are Latin-1
        (_latin1_doc("utf-8"), None, None),
        # lying header: says UTF-8, document declares and is Latin-1
        (_latin1_doc("iso-8859-1"), {"Content-Type": "text/xml; charset=utf-8"}, None),
        # missing charset and declaration, Latin-1 bytes
        (_latin1_doc(None), None, None),
        # honest Latin-1 both ways
        (_latin1_doc("iso-8859-1"), {"Content-Type": "text/xml; charset=iso-8859-1"}, "Café"),
        # BOM says UTF-8, declaration says Latin-1
        (b"\xef\xbb\xbf" + _latin1_doc("iso-8859-1").replace(b"Caf\xe9", "Café".encode()),
         None, None),
        # UTF-16 with BOM
        ('<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Café'
         "</title></channel></rss>".encode("utf-16"), None, "Café"),
        # UTF-16-LE without BOM
        ('<?xml version="1.0"?><rss version="2.0"><channel><title>Café</title></channel>'
         "</rss>".encode("utf-16-le"), None, "Café"),
        # an encoding nobody knows
        (_latin1_doc("x-no-such-charset"), None, None),
        # NUL bytes inside text and markup
        (rss("<item><title>nul\x00here</title><link>https://h.example/\x00</link></item>"),
         None, None),
        # invalid UTF-8 sequences
        (rss("<item><title>bad</title></item>").replace(b"bad", b"b\xff\xfe\xc3(d"), None, None),
        # a lone surrogate encoded in CESU style
        (rss("<item><title>sur</title></item>").replace(b"sur", b"s\xed\xa0\x80r"), None, None),
    ]
CHARSET_IDS = ["lying-declaration", "lying-header", "missing", "honest", "bom-vs-declaration",
         "utf16-bom", "utf16-no-bom", "unknown-charset", "nul-bytes", "invalid-utf8",
         "surrogate"]


def test_charsets(tmp_path: Path) -> None:
    results = run_many(tmp_path, [(payload, {"headers": headers})
                                  for payload, headers, _ in CHARSET_CASES])
    for name, result, (_, _, expected_title) in zip(CHARSET_IDS, results, CHARSET_CASES,
                                                    strict=True):
        assert result["outcome"] in ("ok", "ParseError"), name
        if expected_title is not None:
            assert result["outcome"] == "ok", name
            assert f"title={expected_title!r}" in result["text"], name


# --------------------------------------------------------------------------- size & shape

def test_deep_nesting_100k(tmp_path: Path) -> None:
    depth = 100_000
    item = ("<item><title>deep</title><link>https://h.example/d</link><description>"
            + "<x>" * depth + "bottom" + "</x>" * depth + "</description></item>")
    result = run_bounded(tmp_path, rss(item))
    assert result["outcome"] in ("ok", "ParseError")


def test_deep_nesting_100k_escaped_html(tmp_path: Path) -> None:
    depth = 100_000
    html = "&lt;div&gt;" * depth + "bottom" + "&lt;/div&gt;" * depth
    item = (f"<item><title>deep</title><link>https://h.example/d</link>"
            f"<description>{html}</description></item>")
    result = run_bounded(tmp_path, rss(item))
    assert result["outcome"] == "ok"


def test_50000_items(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://h.example/{i}</link>"
        f"<guid>g{i}</guid><pubDate>Mon, 02 Mar 2026 08:30:00 GMT</pubDate></item>"
        for i in range(50_000)
    )
    result = run_bounded(tmp_path, rss(items))
    assert result["outcome"] == "ok"
    assert result["items"] == 50_000
    assert result["parser"] == "fast"


@pytest.mark.parametrize("parser", PARSERS)
def test_html_served_as_feed(tmp_path: Path, parser: str) -> None:
    page = (b"<!DOCTYPE html><html><head><title>Shop</title>"
            b'<link rel="alternate" type="application/atom+xml" href="/atom.xml">'
            b"</head><body>" + b"<div><p>buy things</p></div>" * 40_000 + b"</body></html>")
    result = run_bounded(tmp_path, page, parser=parser, url="https://shop.example/")
    assert result["outcome"] == "NotAFeedError"
    assert result["feed_links"] == ["https://shop.example/atom.xml"]


@pytest.mark.parametrize("parser", PARSERS)
def test_ten_megabyte_title(tmp_path: Path, parser: str) -> None:
    title = "T" * (10 * 1024 * 1024)
    result = run_bounded(tmp_path, rss(f"<item><title>{title}</title>"
                                       "<link>https://h.example/t</link></item>"), parser=parser)
    assert result["outcome"] in ("ok", "ParseError")
    assert len(result["text"]) < 1_000_000  # titles are capped


def test_oversized_document_is_refused(tmp_path: Path) -> None:
    result = run_bounded(tmp_path, rss("<item><title>x</title></item>") + b" " * (33 << 20))
    assert result["outcome"] == "ParseError"
