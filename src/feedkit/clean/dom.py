"""DOM helpers shared by the rule engine and the learned-template pass.

Content is parsed with ``lxml.html`` as a fragment under a synthetic ``<div>``
root.  The unit of matching is a *line* (:class:`Unit`): a leaf block
(``<p>``, ``<li>``, ``<h3>`` ... with no block inside), or a *run* of text and
inline elements delimited by ``<br>`` or by block siblings (so the lines of a
plain-text description converted to ``<p>line<br>line</p>`` are matched one by
one, exactly like the lines of plain text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

__all__ = [
    "BLOCK_TAGS",
    "LINK_MARK",
    "MAX_NESTING",
    "XML_INVALID",
    "Fragment",
    "SimpleBlock",
    "Unit",
    "drop_empty",
    "element_text",
    "flatten_deep",
    "has_text",
    "iter_units",
    "link_density",
    "parse_fragment",
    "plain_paragraphs",
    "remove_unit",
    "serialize_fragment",
    "simple_paragraphs",
    "text_shape",
    "tokens_of",
]

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "aside", "header", "footer", "nav", "main",
        "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
        "caption", "figure", "figcaption", "hr", "address", "details", "summary", "center",
        "hgroup",
    }
)
# Elements that are content even without text.
MEDIA_TAGS = frozenset(
    {"img", "video", "audio", "source", "picture", "iframe", "hr", "br", "track", "td", "th"}
)
_TOKEN_SPLIT = re.compile(r"\s+")
#: Stands for a link's text in :meth:`Unit.shape` (a private-use character).
LINK_MARK = "\ue000"
_FRAGMENT_PARSER = lxml.etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=True
)
# lxml.html's parser picks each element's Python class by tag name in Python code
# (a call every time lxml hands out an element, a tenth of the cleaning time);
# the rule engine uses nothing of the form/input/label classes, so every element
# is a plain HtmlElement, picked in C.
_FRAGMENT_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_TEXT_OF = lxml.etree.tostring
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE).match


#: Markup nested deeper than this is flattened (html5ever's scope checks make
#: very deep nesting quadratic in nh3, and libxml2 drops what is nested deeper
#: than its limit); no real article nests this deep.
MAX_NESTING = 256
#: Only documents with more tags than this are scanned for depth at all: below
#: it, nesting cannot be deep enough to cost anything.
SCAN_TAGS_ABOVE = 2000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*?(/?)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "keygen", "basefont", "frame"})
# Tags a browser closes implicitly when a sibling of the same name opens.
_AUTO_CLOSE = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody",
                         "tfoot", "rt", "rp"})


_TAG_LITE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")


def _depth_bound(html: str) -> int:
    """Nesting depth counted on elements that are neither void nor closed implicitly.

    Opens minus closes, so it does not undercount: the real depth is at most
    about twice this (one implicitly closed element, such as ``<li>``, between
    two counted ones), hence the ``limit // 2`` test of the caller.
    """
    depth = deepest = 0
    for closing, name in _TAG_LITE.findall(html):
        low = name.lower()
        if low in _VOID or low in _AUTO_CLOSE:
            continue
        if closing:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest


def flatten_deep(html: str, limit: int = MAX_NESTING) -> str:
    """Delete the tags nested deeper than ``limit`` (their text is kept).

    A tolerant tag scan, not a parser: it only ever *deletes* tag text, and the
    result still goes through nh3 / lxml, so it cannot make anything less safe.
    Documents with at most :data:`SCAN_TAGS_ABOVE` tags are returned as they are.
    """
    if html.count("<") <= SCAN_TAGS_ABOVE or _depth_bound(html) <= limit // 2:
        return html
    stack: list[tuple[str, bool]] = []
    out: list[str] = []
    pos = 0
    deep = False
    for m in _TAG.finditer(html):
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
        keep = True
        if closing:
            for i in range(len(stack) - 1, max(-1, len(stack) - 64), -1):
                if stack[i][0] == name:
                    keep = stack[i][1]
                    del stack[i:]
                    break
            else:
                keep = not deep
        elif name not in _VOID and not selfclose:
            if name in _AUTO_CLOSE:
                # <p>..<p>, <li>..<li>, <tr><td>..<tr>: close the previous one,
                # but never across another element (a nested <table>, a <ul>)
                for i in range(len(stack) - 1, max(-1, len(stack) - 4), -1):
                    if stack[i][0] == name:
                        del stack[i:]
                        break
                    if stack[i][0] not in _AUTO_CLOSE:
                        break
            keep = len(stack) < limit
            deep = deep or not keep
            stack.append((name, keep))
        if not keep:
            out.append(html[pos:m.start()])
            pos = m.end()
    if not deep:
        return html
    out.append(html[pos:])
    return "".join(out)


#: Characters XML (and so lxml) cannot hold: C0 controls but tab/LF/CR,
#: surrogates, U+FFFE/U+FFFF.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse_fragment(html: str) -> HtmlElement:
    """Parse an HTML fragment under a synthetic ``<div>`` root.

    Deep nesting is flattened and characters XML cannot hold are removed.
    """
    html = XML_INVALID.sub("", flatten_deep(html))
    if not _FULL_HTML(html):
        # lxml.html.fragment_fromstring(html, create_parent="div") step by step,
        # without its Python overhead: the <body> of <html><body>html</body></html>,
        # its children moved under a new <div> (its text only when not blank)
        doc = lxml.etree.fromstring(f"<html><body>{html}</body></html>", _FRAGMENT_PARSER)
        if doc is not None and len(doc) == 1 and doc[0].tag == "body":
            body = doc[0]
            root: HtmlElement = _FRAGMENT_PARSER.makeelement("div")
            text = body.text
            if text and text.strip():
                root.text = text
            root.extend(body)
            return root
    # a whole document ("<html>..."), or a tree of unexpected shape: lxml's own path
    root = lxml.html.fragment_fromstring(html, create_parent="div", parser=_FRAGMENT_PARSER)
    return root


# <p>text</p><p>text</p>...: no attribute, no other markup, no character reference,
# no character either parser or serializer would rewrite (CR, NBSP)
_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<>&\r\xa0]*</p>)+")


def plain_paragraphs(html: str) -> list[str] | None:
    """The texts of ``html`` when it is only plain paragraphs, else ``None``.

    Plain paragraphs are ``<p>text</p>`` one after the other, with nothing
    between them, no attribute, no markup and no character reference inside,
    no character XML cannot hold, carriage return or no-break space, and no
    blank paragraph: the form most feed summaries take.  For such HTML the
    parsed fragment is exactly one ``<p>`` per text (and serializing it gives
    ``html`` back), so the cleaning steps can skip the parser
    (``tests/test_clean_fastpath.py`` checks this against lxml and nh3).
    """
    if _PLAIN_PARAGRAPHS.fullmatch(html) is None or XML_INVALID.search(html) is not None:
        return None
    texts = html[3:-4].split("</p><p>")
    for text in texts:
        if not text or text.isspace():
            return None
    return texts


# Simply marked-up paragraphs (see simple_paragraphs): their pieces, tags and text.
_SIMPLE_SPLIT = re.compile(r"(<[^<>]*>)")
_SIMPLE_OPEN = {"<a>": "a", "<em>": "em", "<strong>": "strong", "<b>": "b", "<i>": "i"}
_SIMPLE_CLOSE = {"</a>": "a", "</em>": "em", "</strong>": "strong", "</b>": "b", "</i>": "i"}
# <a> and <img> with attributes of a short list, double-quoted, whose values are of
# characters libxml2 writes back as they are: for the URL attributes (which it
# URI-escapes but for these) and for the others (where it escapes &, <, >, quotes).
_SIMPLE_TAG = re.compile(
    r'<(a|img)((?: (?:href|src)="[A-Za-z0-9\-_.!~*\'()@/:=?;#%,+]*"'
    r'| (?:rel|title|target|alt|width|height|loading|hreflang|lang|dir)'
    r'="[A-Za-z0-9 \-_.!~*\'()@/:=?;#%,+]*")+)>'
)
_SIMPLE_DEPTH = 32  # inline elements open at once, at most (far below MAX_NESTING)
_SIMPLE_NAME = re.compile(r' ([a-z]+)=')
_SIMPLE_HREF = re.compile(r' href="([^"]*)"')
# what may not be in the text: a raw '>', CR, no-break space, C1 control, or a
# character reference but the four the sanitizer writes
_SIMPLE_BAD_TEXT = re.compile(r"[<>\r\xa0\x80-\x9f]|&(?!(?:amp|lt|gt|nbsp);)")


# a run of text between two tags that is blank (libxml2 may drop such a run)
_SIMPLE_BLANK = re.compile(r">(?:\s|&nbsp;)+<")


def _unescape_simple(text: str) -> str:
    if "&" not in text:
        return text
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\xa0")
            .replace("&amp;", "&"))


@dataclass(slots=True)
class SimpleBlock:
    """One paragraph of :func:`simple_paragraphs`: where it is, its text and its links."""

    start: int
    end: int
    text: str
    anchors: list[tuple[str | None, str]]
    media: bool


def simple_paragraphs(html: str) -> list[SimpleBlock] | None:
    """The paragraphs of ``html`` when it is only simply marked-up paragraphs, else ``None``.

    Simply marked-up paragraphs are ``<p>...</p>`` one after the other, with
    nothing between them and no attribute, holding text, the references
    ``&amp; &lt; &gt; &nbsp;`` and properly nested ``<a> <em> <strong> <b> <i>``
    (no link in a link) and ``<img>``, whose attributes are of a short list
    (``href``, ``src``, ``alt``, ``rel``, ``width`` ...), double-quoted, each at
    most once, with values of characters libxml2 writes back unchanged; every
    run of text between two tags holds a visible character and every element
    some text or an image; no character XML cannot hold, carriage return, raw
    no-break space or C1 control.  That is the form sanitized blog items take.

    For such HTML, :func:`parse_fragment` gives one leaf ``<p>`` per block,
    whose text (``text_content``) and links (``(href, text)`` of each ``<a>``)
    are the ones returned, no element would be dropped as empty, and
    serializing the fragment without some of the ``<p>`` gives ``html``
    without their ``html[start:end]``: the cleaning steps can skip the parser
    (``tests/test_clean_fastpath.py`` checks this against lxml).
    """
    if (not html.startswith("<p>") or not html.endswith("</p>")
            or XML_INVALID.search(html) is not None
            or _SIMPLE_BLANK.search(html) is not None):
        return None
    blocks: list[SimpleBlock] = []
    start = 0
    for inner in html[3:-4].split("</p><p>"):
        block = _simple_block(inner, start)
        if block is None:
            return None
        blocks.append(block)
        start = block.end
    return blocks


def _simple_block(inner: str, start: int) -> SimpleBlock | None:
    """One paragraph of :func:`simple_paragraphs` (``inner``: between ``<p>`` and ``</p>``).

    Blank runs were ruled out on the whole HTML already.  An element without
    text or image inside (dropped once something is removed) has an innermost
    such element, whose end tag follows its start tag with nothing between.
    """
    end = start + len(inner) + 7
    if "<" not in inner:
        if not inner or _SIMPLE_BAD_TEXT.search(inner) is not None:
            return None
        return SimpleBlock(start, end, _unescape_simple(inner), [], False)
    pieces = _SIMPLE_SPLIT.split(inner)
    runs = pieces[0::2]
    raw = "".join(runs)
    if _SIMPLE_BAD_TEXT.search(raw) is not None:
        return None
    anchors: list[tuple[str | None, str]] = []
    stack: list[str] = []  # names of the open elements
    link_at = -1  # index of the open <a>'s tag
    opened = -1  # index of the last start tag (not <img>)
    href: str | None = None
    image = False
    for k, tag in enumerate(pieces[1::2]):
        name = _SIMPLE_CLOSE.get(tag)
        if name is not None:
            if not stack or stack.pop() != name or (opened == k - 1 and not runs[k]):
                return None  # misnested, or an empty element
            if name == "a":
                anchors.append((href, _unescape_simple("".join(runs[link_at + 1:k + 1]))))
                link_at = -1
            continue
        name = _SIMPLE_OPEN.get(tag)
        link_href = None
        if name is None:
            m = _SIMPLE_TAG.fullmatch(tag)
            if m is None:
                return None
            attrs = m.group(2)
            names = _SIMPLE_NAME.findall(attrs)
            if len(set(names)) != len(names):
                return None  # a repeated attribute: the parser keeps the first only
            if m.group(1) == "img":
                image = True
                continue
            name = "a"
            found = _SIMPLE_HREF.search(attrs)
            link_href = found.group(1) if found is not None else None
        if name == "a":
            if link_at >= 0:
                return None  # a link in a link: the parser closes the first
            link_at, href = k, link_href
        if len(stack) >= _SIMPLE_DEPTH:
            return None  # deep nesting: the parser path flattens it (flatten_deep)
        stack.append(name)
        opened = k
    if stack or not (image or raw):
        return None
    return SimpleBlock(start, end, _unescape_simple(raw), anchors, image)


_HTML5_VOID_END = re.compile(r"</(?:source|track|wbr)>")


def serialize_fragment(root: HtmlElement) -> str:
    """Serialize the children of a synthetic root (inverse of :func:`parse_fragment`)."""
    out = str(lxml.html.tostring(root, encoding="unicode", method="html"))
    # strip the synthetic <div> ... </div>
    start = out.find(">") + 1
    end = out.rfind("</div>")
    # libxml2 does not know the HTML5 void elements below and writes end tags for them
    # and it writes U+00A0 raw where nh3 writes &nbsp;: same form as the sanitizer's
    return _HTML5_VOID_END.sub("", out[start:end].strip()).replace("\xa0", "&nbsp;")


def tokens_of(el: HtmlElement) -> list[str]:
    """The class and id tokens of an element."""
    toks: list[str] = []
    cls = el.get("class")
    if cls:
        toks.extend(t for t in _TOKEN_SPLIT.split(cls) if t)
    ident = el.get("id")
    if ident:
        toks.append(ident.strip())
    return toks


def element_text(el: HtmlElement) -> str:
    """The text of an element (without its tail).

    What ``el.text_content()`` gives (the string value of the element), read by
    libxml2's text serializer, which costs half of lxml.html's XPath call.
    """
    if not isinstance(el.tag, str):
        return str(el.text_content())  # a comment or PI: lxml.html's own answer (an error)
    return _TEXT_OF(el, method="text", encoding="unicode", with_tail=False)


def link_density(el: HtmlElement, text_len: int | None = None) -> float:
    """Share of the element's text that sits inside links (0.0 when it has no text)."""
    total = len(element_text(el).strip()) if text_len is None else text_len
    if total == 0:
        return 0.0
    linked = sum(len(element_text(a).strip()) for a in el.iter("a"))
    return min(1.0, linked / total)


def text_shape(text: str, anchors: list[tuple[str | None, str]]) -> str | None:
    """:meth:`Unit.shape` of a line of ``text`` with these ``(href, text)`` anchors."""
    changed = False
    for _href, ltext in anchors:
        if ltext.strip() and ltext in text:
            text = text.replace(ltext, LINK_MARK, 1)
            changed = True
    if not changed or not text.replace(LINK_MARK, "").strip():
        return None
    return text


@dataclass(slots=True)
class Unit:
    """One line of content.

    Either a whole leaf block (``element`` set), or a run inside ``parent``:
    the text after ``lead`` (``parent.text`` when ``lead`` is ``None``), then
    ``children`` (inline elements with their tails), ended by ``end`` (a
    ``<br>``, a block sibling, or ``None`` at the end of the parent).
    """

    parent: HtmlElement
    text: str
    element: HtmlElement | None = None
    lead: HtmlElement | None = None
    children: list[HtmlElement] = field(default_factory=list)
    end: HtmlElement | None = None
    removed: bool = False

    def nodes(self) -> list[HtmlElement]:
        """The elements inside the unit (for link and structure lookups)."""
        if self.element is not None:
            return [self.element]
        return list(self.children)

    def shape(self, anchors: list[tuple[str | None, str]] | None = None) -> str | None:
        """The text with each link's text replaced by :data:`LINK_MARK`, or ``None``.

        "Posted by <a>Ann</a> in <a>Harbour</a>" and "Posted by <a>Bob</a> in
        <a>Rail</a>" have the same shape: what per-feed learning calls the same
        structure with varying slugs.  ``None`` when the line has no link, or is
        one link and nothing else.  ``anchors``: :meth:`anchors`, when already read.
        """
        return text_shape(self.text, self.anchors() if anchors is None else anchors)

    def anchors(self) -> list[tuple[str | None, str]]:
        """``(href, text)`` of every ``<a>`` in the unit, in order, as they are in the tree."""
        element = self.element
        if element is not None:
            return [(a.get("href"), element_text(a)) for a in element.iter("a")]
        return [(a.get("href"), element_text(a)) for node in self.children for a in node.iter("a")]

    def links(self, anchors: list[tuple[str | None, str]] | None = None) -> list[tuple[str, str]]:
        """``(href, text)`` of the links in the unit, in order (``anchors``: :meth:`anchors`)."""
        return [(href, " ".join(text.split()))
                for href, text in (self.anchors() if anchors is None else anchors) if href]


@dataclass(slots=True)
class Fragment:
    """A parsed fragment handed from one cleaning step to the next.

    ``root`` is exactly what :func:`parse_fragment` returns for the HTML it
    was kept under (nothing changed it); ``lines`` are its learnable lines in
    document order (see :func:`feedkit.clean.template.learnable`), each with
    its :meth:`Unit.shape`.  Whoever takes it over may change the tree.
    """

    root: HtmlElement
    lines: list[tuple[Unit, str | None]]


def has_text(root: HtmlElement) -> bool:
    """Whether a fragment holds any non-blank text (what would make its plain text non-empty).

    Same answer as ``bool(html_to_text(serialize_fragment(root)))`` without
    serializing and parsing again: the text of every element and tail counts.
    """
    for el in root.iter():
        text = el.text
        if text and isinstance(el.tag, str) and not text.isspace():
            return True
        if el is not root:
            tail = el.tail
            if tail and not tail.isspace():
                return True
    return False


def _block_containers(root: HtmlElement) -> set[HtmlElement]:
    """Elements that have a block element somewhere below them."""
    marked: set[HtmlElement] = set()
    for el in root.iter():
        if el is root or not isinstance(el.tag, str) or el.tag not in BLOCK_TAGS:
            continue
        for anc in el.iterancestors():
            if anc in marked:
                break
            marked.add(anc)
    return marked


def iter_units(root: HtmlElement) -> list[Unit]:
    """All lines of the fragment in document order (empty lines skipped).

    Iterative (an explicit stack), so arbitrarily deep markup is fine.
    """
    containers = _block_containers(root)
    units: list[Unit] = []
    stack: list[_Frame] = [_Frame(root, recurse=True)]
    while stack:
        frame = stack[-1]
        child = next(frame.it, None)
        if child is None:
            frame.flush(None, units)
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str):
            tag = ""
        if tag == "br" or tag in BLOCK_TAGS or child in containers:
            frame.flush(child, units)
            frame.lead = child  # the next run starts after this child
            frame.text_parts = [child.tail or ""]
            frame.children = []
            if frame.recurse and tag != "br":
                inner = _enter(child, tag, containers, units)
                if inner is not None:
                    stack.append(inner)
        else:
            frame.children.append(child)
            frame.text_parts.append(element_text(child))
            frame.text_parts.append(child.tail or "")
    return units


class _Frame:
    """A container being split into runs."""

    __slots__ = ("children", "it", "lead", "parent", "recurse", "text_parts")

    def __init__(self, parent: HtmlElement, *, recurse: bool) -> None:
        self.parent = parent
        self.it = iter(parent)
        self.recurse = recurse
        self.lead: HtmlElement | None = None
        self.text_parts: list[str] = [parent.text or ""]
        self.children: list[HtmlElement] = []

    def flush(self, end: HtmlElement | None, units: list[Unit]) -> None:
        """Add the run read so far as a unit when it has text or media (its lists move over)."""
        parts = self.text_parts
        text = parts[0] if len(parts) == 1 else "".join(parts)
        children = self.children
        if text.strip() or (children and any(
            c.tag in MEDIA_TAGS or next(c.iter("img"), None) is not None for c in children
        )):
            units.append(Unit(self.parent, text, None, self.lead, children, end))


def _enter(
    el: HtmlElement, tag: str, containers: set[HtmlElement], units: list[Unit]
) -> _Frame | None:
    if el in containers:
        return _Frame(el, recurse=True)
    if tag in BLOCK_TAGS:
        if el.find("br") is not None:  # a <br> child (not a deeper one)
            return _Frame(el, recurse=False)
        text = element_text(el)
        if text.strip() or next(el.iter("img"), None) is not None:
            units.append(Unit(el, text, el))
    return None


def remove_unit(unit: Unit) -> None:
    """Remove a unit from the tree (call in reverse document order for several)."""
    unit.removed = True
    if unit.element is not None:
        if unit.element.getparent() is not None:
            unit.element.drop_tree()
        return
    parent = unit.parent
    if unit.lead is None:
        parent.text = None
    else:
        unit.lead.tail = None
    for child in unit.children:
        if child.getparent() is parent:
            parent.remove(child)
    lead_is_br = unit.lead is not None and unit.lead.tag == "br"
    if lead_is_br and unit.lead is not None and unit.lead.getparent() is parent:
        parent.remove(unit.lead)
    elif (
        unit.end is not None and unit.end.tag == "br" and unit.end.getparent() is parent
    ):
        unit.end.drop_tree()


def has_content(el: HtmlElement) -> bool:
    """True when the element has text or media somewhere inside."""
    if element_text(el).strip():
        return True
    return any(isinstance(d.tag, str) and d.tag in MEDIA_TAGS and d.tag != "br"
               for d in el.iter())


_KEEP_EMPTY = frozenset({"br", "hr", "img", "video", "audio", "source", "track", "iframe",
                         "td", "th", "tr", "picture"})


def drop_empty(root: HtmlElement) -> int:
    """Remove elements left without text or media (bottom-up); return how many."""
    dropped = 0
    for el in reversed(list(root.iterdescendants())):
        if not isinstance(el.tag, str) or el.tag in _KEEP_EMPTY:
            continue
        if el.getparent() is None:
            continue
        has_text = bool(el.text and el.text.strip())
        if has_text or len(el):
            # only children and no text: empty when every child is a bare <br>
            if not has_text and all(
                c.tag == "br" and not (c.tail and c.tail.strip()) for c in el
            ):
                el.drop_tree()
                dropped += 1
            continue
        el.drop_tree()
        dropped += 1
    return dropped


def iter_elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Elements below ``root`` (comments and processing instructions skipped)."""
    for el in root.iterdescendants():
        if isinstance(el.tag, str):
            yield el


def is_parse_error(exc: BaseException) -> bool:
    """True when ``exc`` is an lxml parse failure (empty or unparseable document)."""
    return isinstance(exc, (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError))
