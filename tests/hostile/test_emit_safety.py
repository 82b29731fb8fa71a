"""Emitted output is safe: no XSS vector survives into Atom, RSS, JSON Feed or the HTML digest.

Every vector is placed at once in an item's title, link, summary, content, author
name/email/uri, enclosure URL/type, categories, feed title/URL, language and id,
in the feed title/description, and in the linking result (group ids, reasons,
relation targets).  For each format the output is parsed and checked:

* XML formats are well-formed, re-parse with feedparser with bozo = 0, and
  contain only the elements feedkit writes (no markup injected through text);
* every ``href``/``src``/``url`` attribute and link is an absolute http(s) URL;
* HTML-bearing fields (Atom ``type="html"``, RSS ``description``,
  ``content:encoded``, JSON ``content_html``, the digest's body) contain no
  script, handler or ``javascript:``/``data:`` URL (``find_script``);
* plain-text fields (titles, names, categories) contain no markup at all even
  when a careless reader renders them as HTML.

The vectors come from ``xss_vectors.py`` (the cleaning suite) when it is
present, plus a fallback list of our own aimed at text fields and URLs.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedkit.emit import FEEDKIT_NS, emit_feed
from feedkit.model import Author, Enclosure, Group, Item, Relation

UPDATED = datetime(2024, 5, 4, 12, 0, tzinfo=timezone.utc)

OWN_VECTORS: list[str] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "x <img src=x onerror=alert(1)//",
    "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" jAvAsCrIpT:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<object data="javascript:alert(1)"></object>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "]]><script>alert(1)</script><![CDATA[",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)//-->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "\x00<scr\x00ipt>alert(1)</script>\x0b",
]


def _load_suite() -> tuple[list[str], Callable[[str], list[str]] | None]:
    path = Path(__file__).resolve().parent / "xss_vectors.py"
    if not path.is_file():
        return [], None
    spec = importlib.util.spec_from_file_location("_emit_xss_vectors", path)
    if spec is None or spec.loader is None:
        return [], None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.XSS_VECTORS), getattr(module, "find_script", None)


SUITE_VECTORS, SUITE_FIND_SCRIPT = _load_suite()
VECTORS = list(dict.fromkeys([*SUITE_VECTORS, *OWN_VECTORS]))

_BAD_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "base", "meta",
             "link", "style", "frame", "frameset", "applet", "template", "noscript"}
_URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "cite", "srcset",
              "background", "xlink:href"}
_BAD_URL = re.compile(r"^(?:javascript|vbscript|livescript|data|mocha):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _own_find_script(fragment: str) -> list[str]:
    """Fallback checker (used only when the cleaning suite's is absent)."""
    problems: list[str] = []
    if not fragment.strip():
        return problems
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in _BAD_TAGS:
            problems.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            low = name.lower()
            if low.startswith("on") or low == "style":
                problems.append(f"{name}= on <{el.tag}>")
            elif low in _URL_ATTRS and _BAD_URL.match(_INVISIBLE.sub("", value).lower()):
                problems.append(f"{name}={value!r}")
    return problems


def find_script(fragment: str) -> list[str]:
    """Both checkers: the cleaning suite's (when present) and ours."""
    found = _own_find_script(fragment)
    if SUITE_FIND_SCRIPT is not None:
        found += SUITE_FIND_SCRIPT(fragment)
    return found


def assert_no_markup(text: str | None, where: str) -> None:
    """A plain-text field stays inert even if a reader renders it as HTML."""
    if not text or not text.strip():
        return
    root = lxml.html.fragment_fromstring(text, create_parent="div")
    assert len(root) == 0, f"{where}: markup in plain text {text[:80]!r}"


def assert_safe_url(url: str | None, where: str) -> None:
    assert url is None or re.match(r"^https?://[^\s\"'<>`]+$", url), f"{where}: {url!r}"


@dataclass
class Links:
    duplicates: list[Group] = field(default_factory=list)
    stories: list[Group] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


def hostile_items(v: str) -> tuple[list[Item], Links]:
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    evil = Item(
        id=v,
        feed_url=v,
        feed_title=v,
        title=v,
        link=v,
        published=t,
        authors=(Author(name=v, email=v, uri=v),),
        summary=v,
        content_html=f"<p>intro</p>{v}<p>outro</p>",
        categories=(v, "plain"),
        enclosures=(Enclosure(url=v, type=v, length=3), Enclosure(url="https://ok.example/a.mp3")),
        language=v,
        guid=v,
    )
    quoted = Item(
        id="fk1:quoted",
        feed_url="https://feed.example/rss",
        title="fine title",
        link="https://ok.example/p?q=" + v,
        summary=v,
        authors=(Author(name="ok", uri="https://ok.example/u?" + v),),
    )
    plain = Item(id="fk1:plain", feed_url="https://feed.example/rss", title=v,
                 link="https://ok.example/plain", published=t)
    links = Links(
        duplicates=[Group(v, (v, "fk1:quoted"), v), Group("g2", ("fk1:plain",))],
        stories=[Group(v, (v, "fk1:quoted", "fk1:plain"), v)],
        relations=[Relation("previous", "fk1:plain", v, 0.5, v),
                   Relation(v, "fk1:plain", "fk1:quoted", 1.0, v),
                   Relation("next", v, "javascript:alert(1)", 1.0, v)],
    )
    return [evil, quoted, plain], links


def emit_all(v: str) -> Iterator[tuple[str, bool, bytes]]:
    items, links = hostile_items(v)
    for merge in (True, False):
        for fmt in ("atom", "rss", "json", "html"):
            out = emit_feed(items, format=fmt, title=v, description=v, links=links,  # type: ignore[arg-type]
                            merge_duplicates=merge, updated=UPDATED)
            yield fmt, merge, out


ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_TAGS = {f"{ATOM}{t}" for t in (
    "feed", "id", "title", "updated", "author", "name", "email", "uri", "generator", "link",
    "subtitle", "entry", "content", "summary", "category", "published", "source")}
RSS_TAGS = {"rss", "channel", "title", "link", "description", "docs", "generator",
            "lastBuildDate", "item", "guid", "category", "enclosure", "pubDate", "source",
            f"{ATOM}link", "{http://purl.org/rss/1.0/modules/content/}encoded",
            "{http://purl.org/dc/elements/1.1/}creator"}
FK_TAGS = {f"{{{FEEDKIT_NS}}}{t}" for t in ("source", "story", "relation")}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def check_xml(out: bytes, fmt: str) -> None:
    parsed = feedparser.parse(out)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = etree.fromstring(out, PARSER)
    allowed = (ATOM_TAGS if fmt == "atom" else RSS_TAGS) | FK_TAGS
    for el in root.iter():
        assert isinstance(el.tag, str), "comment or PI injected"
        assert el.tag in allowed, f"unexpected element {el.tag}"
        for name in ("href", "src", "url"):
            assert_safe_url(el.get(name), f"{el.tag}@{name}")
        if el.tag in FK_TAGS:
            assert_safe_url(el.get("link") or None, f"{el.tag}@link")
        local = etree.QName(el).localname
        text = el.text or ""
        if fmt == "atom":
            if local in ("content", "summary"):
                assert el.get("type") == "html"
                assert find_script(text) == [], text
            elif local in ("title", "subtitle"):
                assert el.get("type") in (None, "text")
                assert_no_markup(text, local)
            elif local in ("name", "email"):
                assert_no_markup(text, local)
            elif local == "category":
                assert_no_markup(el.get("term"), "category@term")
        else:
            if local in ("description", "encoded"):
                assert find_script(text) == [], text
            elif local == "title":
                # many readers render RSS titles as HTML: that must show text only
                assert_no_markup(text, "title")
                assert find_script(text) == []
            elif local in ("creator", "category", "source"):
                assert_no_markup(text, local)
            elif local == "link" and el.tag == "link":
                assert text == "about:blank" or re.match(r"^https?://", text), text
    for entry in parsed.entries:
        if entry.get("title_detail", {}).get("type") == "text/html":
            assert find_script(entry.title) == []
        assert_safe_url(entry.get("link") if str(entry.get("link", "")).startswith(
            ("http:", "https:")) else None, "feedparser link")
        link = str(entry.get("link") or "")
        assert not _BAD_URL.match(_INVISIBLE.sub("", link).lower()), link
        for ln in entry.get("links", []):
            assert_safe_url(ln.get("href"), "feedparser links")


_JSON_URL_KEYS = {"url", "home_page_url", "feed_url", "external_url", "image", "banner_image",
                  "icon", "favicon", "avatar"}
_JSON_TEXT_KEYS = {"title", "summary", "content_text", "name", "feed_title", "description",
                   "reason"}


def _walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def check_json(out: bytes) -> None:
    assert b"<" not in out  # escaped as \u003c
    assert b">" not in out
    doc = json.loads(out)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    for key, value in _walk(doc):
        if key in _JSON_URL_KEYS:
            assert_safe_url(value, f"json {key}")
        elif key == "content_html":
            assert find_script(value) == [], value
        elif key in _JSON_TEXT_KEYS or key == "tags":
            assert_no_markup(value, f"json {key}")


def check_html(out: bytes) -> None:
    page = out.decode("utf-8")
    body = page[page.index("<body>") + len("<body>"): page.index("</body>")]
    assert find_script(body) == [], body[:400]
    doc = lxml.html.document_fromstring(out)
    assert doc.xpath("//script") == []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), name
            if name in ("href", "src"):
                assert not _BAD_URL.match(_INVISIBLE.sub("", value).lower()), value
                in_content = any(a.get("class") == "content" for a in el.iterancestors())
                if not in_content:  # URLs the digest writes itself: http(s) or in-page
                    assert value.startswith("#item-") or re.match(r"^https?://", value), value
    head_tags = [el.tag for el in doc.head]
    assert head_tags == ["meta", "meta", "meta", "meta", "meta", "title", "style"]
    assert "default-src 'none'" in doc.head[1].get("content")


def test_vectors_are_loaded() -> None:
    assert len(VECTORS) >= len(OWN_VECTORS) >= 20


def test_checkers_are_not_vacuous() -> None:
    assert find_script('<a href="javascript:alert(1)">x</a>')
    assert find_script("<img src=x onerror=alert(1)>")
    assert find_script("<p>fine</p>") == []
    with pytest.raises(AssertionError):
        assert_no_markup("<b>x</b>", "probe")
    with pytest.raises(AssertionError):
        assert_safe_url("javascript:alert(1)", "probe")


@pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_no_script_survives_in_any_format(vector: str) -> None:
    seen = set()
    for fmt, merge, out in emit_all(vector):
        seen.add((fmt, merge))
        if fmt in ("atom", "rss"):
            check_xml(out, fmt)
        elif fmt == "json":
            check_json(out)
        else:
            check_html(out)
    assert len(seen) == 8


def test_escaping_is_visible_in_raw_bytes() -> None:
    items, links = hostile_items("<script>alert(1)</script><b>x</b> & y")
    for fmt in ("atom", "rss", "html"):
        out = emit_feed(items, format=fmt, links=links, updated=UPDATED)  # type: ignore[arg-type]
        assert b"<script" not in out.lower()
        if fmt != "html":  # the digest shows sanitized content, which may keep <b>
            assert b"<b>" not in out
            assert b"&lt;b&gt;" in out
    out = emit_feed(items, format="json", links=links, updated=UPDATED)
    assert b"<" not in out
    assert b"\\u003cb\\u003e" in out
