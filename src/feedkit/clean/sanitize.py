"""Allowlist HTML sanitizing for feed content.

Built on nh3 (the Rust ``ammonia`` sanitizer): it parses with html5ever, so
the browser's view of the markup is what gets filtered, and it is several
times faster than a Python tree walk (``benchmarks/clean.py`` measures it
against a hand-written BeautifulSoup pass).

What :func:`sanitize_html` guarantees:

* only allowlisted elements and attributes survive; scripts, styles, frames,
  objects, embeds, forms, SVG, MathML, ``<base>`` and ``<meta>`` are removed
  with their content; event handlers and ``style`` attributes are dropped;
* every URL attribute (``href``, ``src``, ``srcset`` candidates, ``poster``,
  ``cite``, lazy-loading ``data-src`` ...) is checked *after* browser-style
  normalization (tabs/newlines/control characters removed, entities decoded)
  and kept only for ``http``, ``https`` and ``mailto``; relative URLs are made
  absolute against ``base_url`` when it is given;
* lazy-loaded images are fixed: ``data-src``, ``data-lazy-src``,
  ``data-original``, ``data-srcset`` ... become ``src``/``srcset``;
* tracking pixels are removed: 1×1 (or 0×0) images and images served by
  known trackers (FeedBurner ``~r/``/``~ff/``, ``pixel.wp.com``,
  ``stats.wordpress.com``, Google Analytics, DoubleClick, ...), and
  FeedBurner "feedflare" links;
* wrappers left without text or media (``<div></div>``, ``<p>&nbsp;</p>``)
  are dropped;
* control characters, surrogates and other characters XML cannot hold are
  removed (the output must fit in an Atom/RSS document);
* markup nested deeper than :data:`MAX_NESTING` levels is flattened first
  (hostile input: html5ever is quadratic in nesting depth);
* ``class``, ``id``, ``role`` and ``itemprop`` are kept so that boilerplate
  rules can match on them; ``keep_structure=False`` drops them too (use that
  for final output).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from html import unescape as html_unescape
from urllib.parse import urljoin, urlsplit

import nh3

from .dom import (
    MAX_NESTING,
    XML_INVALID,
    drop_empty,
    flatten_deep,
    parse_fragment,
    plain_paragraphs,
    serialize_fragment,
)

__all__ = ["MAX_NESTING", "TRACKER_PATTERNS", "is_tracker_url", "safe_url", "sanitize_html"]

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template",
     "svg", "math", "form", "textarea", "select", "button", "frameset", "frame",
     "applet", "title", "head", "meta", "link", "base", "noembed", "noframes",
     "xmp", "plaintext", "portal", "dialog", "canvas", "param"}
)
_TAGS = (frozenset(nh3.ALLOWED_TAGS) - {"map", "area"}) | {
    "audio", "video", "source", "picture", "track", "section", "main", "u", "s",
    "figure", "figcaption", "nav", "aside", "header", "footer", "article", "time", "mark",
}
_URL_ATTRS = frozenset({"href", "src", "poster", "cite", "longdesc"})
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url",
             "data-orig-file", "data-hi-res-src", "data-full-src")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
_LAZY_ATTRS = frozenset(_LAZY_SRC + _LAZY_SRCSET)
_STRUCTURE_ATTRS = frozenset({"class", "id", "role", "itemprop"})

#: Regular expressions (searched in a lower-cased absolute URL) of tracking
#: pixels and tracker links.
TRACKER_PATTERNS: tuple[str, ...] = (
    r"^https?://feeds\.feedburner\.com/~(?:r|ff|a|f|fc|i)/",
    r"^https?://feeds2?\.feedburner\.com/~(?:ff|a|f|fc|i)/",
    r"^https?://feedproxy\.google\.com/~(?:r|ff|a|f|fc|i)/.*(?:/~4/|\?[di]=)",
    r"^https?://feeds\.feedburner\.com/~r/.*/~4/",
    r"^https?://pixel\.wp\.com/",
    r"^https?://stats\.wordpress\.com/",
    r"^https?://(?:www\.|ssl\.)?google-analytics\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*doubleclick\.net/",
    r"^https?://(?:[a-z0-9-]+\.)*googlesyndication\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*feedsportal\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*scorecardresearch\.com/",
    r"^https?://pixel\.quantserve\.com/",
    r"^https?://(?:www\.)?facebook\.com/tr[/?]",
    r"^https?://bat\.bing\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*feedblitz\.com/~/i/",
    r"^https?://(?:[a-z0-9-]+\.)*list-manage\.com/track/",
    r"^https?://(?:[a-z0-9-]+\.)*mailchimp\.com/track/",
    r"^https?://ct\.pinterest\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*chartbeat\.(?:net|com)/",
    r"^https?://(?:[a-z0-9-]+\.)*parsely\.com/",
    r"^https?://(?:[a-z0-9-]+\.)*matomo\.cloud/matomo\.php",
    r"^https?://[^/]+/(?:[^?#]*/)?(?:piwik|matomo)\.php\?",
    r"^https?://medium\.com/_/stat\?",
    r"^https?://[^/]+/wf/open\?upn=",
)
_TRACKER_RE = re.compile("|".join(f"(?:{p})" for p in TRACKER_PATTERNS))
_FEEDFLARE_HREF = re.compile(r"^https?://feeds2?\.feedburner\.com/~(?:ff|a|f)/")
_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_FAST_SCHEMES = ("http://", "https://", "mailto:")
_SRCSET_SPLIT = re.compile(r",\s+|,(?=\S+\s)")
_SPACER = re.compile(r"(?:blank|spacer|pixel|placeholder|transparent|lazy|loading|1x1)"
                     r"[^/]*\.(?:gif|png|svg|jpg)", re.IGNORECASE)
# Cheap check: is a DOM post-pass needed at all?  Searched in nh3's output,
# whose tag names and entities are lower-case, so the search is case-sensitive
# (a third faster than with re.IGNORECASE, same matches).
_EMPTY_WRAPPER = re.compile(
    r"<(div|span|p|section|article|aside|header|footer|figure|blockquote|li|ul|ol|strong|em|b|i|a"
    r"|h[1-6]|center|font)(?:\s[^>]*)?>(?:\s|&nbsp;|&#160;|<br>)*</\1>"
)


def is_tracker_url(url: str) -> bool:
    """True when ``url`` is a known tracking pixel / tracker link."""
    return bool(_TRACKER_RE.search(url.strip().lower()))


def safe_url(value: str, base_url: str | None = None) -> str | None:
    """The URL to keep for an attribute value, or ``None`` when it is unsafe.

    Tabs, newlines and other control characters are removed first (browsers
    ignore them, so ``java\\tscript:`` is ``javascript:``); only ``http``,
    ``https`` and ``mailto`` survive; relative URLs are joined to ``base_url``.
    """
    v = (value if value.isprintable() else _CTRL.sub("", value)).strip()
    if not v:
        return None
    if v.isascii() and "[" not in v and "]" not in v and v[:8].lower().startswith(_FAST_SCHEMES):
        # Hot path: an absolute http(s)/mailto URL.  For ASCII text without
        # IPv6 brackets urlsplit cannot raise and reads exactly this scheme,
        # so the general path below would return ``v`` as well.
        return v
    try:
        parts = urlsplit(v)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme:
        if scheme not in _URL_SCHEMES:
            return None
        return v
    if ":" in v.split("/", 1)[0] and not v.startswith(("/", "?", "#")):
        return None  # something like "javascript&colon;..." that urlsplit did not read
    if base_url:
        try:
            joined = urljoin(base_url, v)
        except ValueError:
            return None
        if urlsplit(joined).scheme.lower() not in _URL_SCHEMES:
            return None
        return joined
    return v


def _safe_srcset(value: str, base_url: str | None) -> str | None:
    out: list[str] = []
    for candidate in _SRCSET_SPLIT.split(value.strip()):
        bits = candidate.strip().split()
        if not bits:
            continue
        url = safe_url(bits[0], base_url)
        if url is None:
            return None  # one bad candidate poisons the attribute
        out.append(" ".join([url, *bits[1:]]))
    return ", ".join(out) or None


def _attributes(keep_structure: bool) -> dict[str, set[str]]:
    attrs: dict[str, set[str]] = {tag: set(v) for tag, v in nh3.ALLOWED_ATTRIBUTES.items()}
    attrs.pop("map", None)
    attrs.pop("area", None)
    attrs.setdefault("img", set()).update(
        {"src", "alt", "title", "width", "height", "srcset", "sizes", *_LAZY_ATTRS}
    )
    attrs.setdefault("a", set()).update({"href", "title"})
    attrs["audio"] = {"src", "controls"}
    attrs["video"] = {"src", "controls", "poster", "width", "height"}
    attrs["source"] = {"src", "type", "srcset", "media", "sizes", *_LAZY_ATTRS}
    attrs["track"] = {"src", "kind", "srclang", "label"}
    attrs["time"] = {"datetime"}
    common = {"lang", "title", "dir"}
    if keep_structure:
        common |= _STRUCTURE_ATTRS
    attrs["*"] = attrs.get("*", set()) | common
    return attrs


# The base URL of the current call.  nh3 cleaners are built once (building
# one per call costs ~15x the cleaning of a short field); the attribute filter
# reads the base URL from this context variable, which sanitize_html sets and
# resets around each call, so it is per call and per thread, never shared.
_BASE_URL: ContextVar[str | None] = ContextVar("feedkit_sanitize_base_url", default=None)


# What the attribute filter does with each attribute it looks at; every other
# attribute passes unchanged (one dict lookup: the filter runs per attribute).
_URL, _SRCSET, _DIMENSION = 1, 2, 3
_FILTERED: dict[str, int] = {
    **dict.fromkeys(_URL_ATTRS | frozenset(_LAZY_SRC), _URL),
    **dict.fromkeys(("srcset", *_LAZY_SRCSET), _SRCSET),
    **dict.fromkeys(("width", "height"), _DIMENSION),
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    kind = _FILTERED.get(attr)
    if kind is None:
        return value
    if kind == _URL:
        return safe_url(value, _BASE_URL.get())
    if kind == _SRCSET:
        return _safe_srcset(value, _BASE_URL.get())
    v = value.strip()
    return v if v.replace("%", "").replace("px", "").isdigit() else None


def _cleaner(keep_structure: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=_attributes(keep_structure),
        attribute_filter=_attribute_filter,
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


_CLEANERS = {True: _cleaner(True), False: _cleaner(False)}


def _dimension(value: str | None) -> int | None:
    if value is None:
        return None
    v = value.strip().lower().removesuffix("px")
    return int(v) if v.isdigit() else None


def _post_pass(html: str, *, drop_trackers: bool, fix_lazy: bool, drop_empty_: bool,
               removed: list[tuple[str, str]] | None) -> str:
    root = parse_fragment(html)
    changed = False
    if fix_lazy:
        for el in list(root.iter("img", "source")):
            for attr in _LAZY_SRC:
                lazy = el.get(attr)
                if lazy:
                    src = el.get("src")
                    if not src or _SPACER.search(src) or src == lazy:
                        el.set("src", lazy)
                    break
            for attr in _LAZY_SRCSET:
                lazy = el.get(attr)
                if lazy and not el.get("srcset"):
                    el.set("srcset", lazy)
                    break
            for attr in _LAZY_ATTRS:
                if attr in el.attrib:
                    del el.attrib[attr]
                    changed = True
    if drop_trackers:
        for a in list(root.iter("a")):
            href = a.get("href") or ""
            if _FEEDFLARE_HREF.search(href.lower()):
                if removed is not None:
                    removed.append(("feedflare", href))
                a.drop_tree()
                changed = True
        for img in list(root.iter("img")):
            src = img.get("src")
            w, h = _dimension(img.get("width")), _dimension(img.get("height"))
            tiny = w is not None and h is not None and w <= 1 and h <= 1
            if not src or tiny or is_tracker_url(src):
                if removed is not None and src:
                    removed.append(("tracking-pixel", src))
                img.drop_tree()
                changed = True
    if drop_empty_ and drop_empty(root):
        changed = True
    return serialize_fragment(root) if changed else html


# --- deciding, on nh3's output, whether the lxml post-pass can change anything.
# nh3 serializes canonically: lower-case names, every attribute as name="value"
# with &, ", <, > and U+00A0 escaped, every non-void element closed in order,
# and "<" in text escaped.  So the regular expressions below read its output
# exactly; anything that does not have that shape sends the fragment to the DOM.
_ATTR = r'(?:\s[^\s="<>/]+(?:="[^"]*")?)'
_IMG_TAG = re.compile(rf"<img({_ATTR}*)\s*/?>")
_ATTR_VALUE = re.compile(r'\s([^\s="<>/]+)(?:="([^"]*)")?')
_KEEP_EMPTY = "br|hr|img|video|audio|source|track|iframe|td|th|tr|picture"
# An element (not one drop_empty keeps) holding only blanks and <br>s, or a void
# element drop_empty would remove.
_MAYBE_EMPTY = re.compile(
    rf"<(?!(?:{_KEEP_EMPTY})[\s/>])[a-z][a-z0-9]*{_ATTR}*\s*>(?:\s|&nbsp;|<br{_ATTR}*\s*/?>)*</"
    r"|<(?:wbr|col)[\s/>]"
)
# libxml2's HTML parser closes these open elements when the key element starts
# (HTML5 does not): re-parsing such markup splits it and can leave empty
# wrappers behind for drop_empty.  Measured over every pair of allowed tags.
_H = ("h1", "h2", "h3", "h4", "h5", "h6")
_LIBXML_CLOSES: dict[str, frozenset[str]] = {
    "center": frozenset({"b", "i"}),
    "dd": frozenset({"pre"}),
    "dl": frozenset({"dt", "pre"}),
    "dt": frozenset({"pre"}),
    "li": frozenset({"dl", "li", "pre", *_H}),
    "p": frozenset({"b", "i", "s", "small", "strike", "tt", "u", *_H}),
    "pre": frozenset({"ul"}),
    "table": frozenset({"a", "pre", *_H}),
    "ul": frozenset({"pre"}),
}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "keygen", "basefont", "frame"})
_TAG_SCAN = re.compile(r"<(/?)([a-z][a-z0-9]*)")


def _image_to_drop(out: str) -> bool:
    """Whether the tracker pass would drop an image of nh3 output ``out``.

    The same tests as :func:`_post_pass` (no ``src``, 1×1, tracker URL) on the
    attributes read from the serialized tags; ``True`` when unsure.
    """
    count = 0
    for tag in _IMG_TAG.finditer(out):
        count += 1
        attrs: dict[str, str] = {}
        for attr in _ATTR_VALUE.finditer(tag.group(1)):
            value = attr.group(2) or ""
            attrs.setdefault(attr.group(1), html_unescape(value) if "&" in value else value)
        src = attrs.get("src")
        w, h = _dimension(attrs.get("width")), _dimension(attrs.get("height"))
        if not src or (w is not None and h is not None and w <= 1 and h <= 1) \
                or is_tracker_url(src):
            return True
    return count != out.count("<img")


def _maybe_empty(out: str) -> bool:
    """Whether nh3 output ``out`` may hold an element drop_empty removes."""
    return _MAYBE_EMPTY.search(out) is not None


def _reparse_differs(out: str) -> bool:
    """Whether lxml may read nh3 output ``out`` as a different tree.

    A stack scan of the tags; ``True`` on any start tag libxml2 closes an open
    ancestor for, and on anything not nested as nh3 writes it.
    """
    stack: list[str] = []
    for closing, name in _TAG_SCAN.findall(out):
        if closing:
            if not stack or stack[-1] != name:
                return True
            stack.pop()
        elif name not in _VOID:
            closes = _LIBXML_CLOSES.get(name)
            if closes is not None and not closes.isdisjoint(stack):
                return True
            stack.append(name)
    return bool(stack)


def sanitize_html(
    html: str,
    *,
    base_url: str | None = None,
    keep_structure: bool = True,
    drop_trackers: bool = True,
    fix_lazy_images: bool = True,
    drop_empty_wrappers: bool = True,
    removed: list[tuple[str, str]] | None = None,
) -> str:
    """Return ``html`` with everything outside the allowlist removed.

    Relative URLs are made absolute against ``base_url`` when it is given.
    The result is safe to embed in a page: no script, event handler,
    ``javascript:``/``data:`` URL, style, frame, object or form survives.
    ``keep_structure=False`` also drops ``class``/``id``/``role``/``itemprop``
    (for final output).  The three flags turn off tracker removal, lazy-image
    fixing and empty-wrapper removal (all on by default).  ``removed``, when
    given, receives ``(what, url)`` for every tracking pixel (``"tracking-pixel"``)
    and FeedBurner flare link (``"feedflare"``) dropped, for explain output.
    """
    if not html:
        return ""
    if plain_paragraphs(html) is not None:
        # nothing to remove, rewrite or resolve: nh3 and the post-pass give it back as it is
        return html
    return _sanitize(html, base_url=base_url, keep_structure=keep_structure,
                     drop_trackers=drop_trackers, fix_lazy_images=fix_lazy_images,
                     drop_empty_wrappers=drop_empty_wrappers, removed=removed)


def _sanitize(
    html: str,
    *,
    base_url: str | None,
    keep_structure: bool,
    drop_trackers: bool,
    fix_lazy_images: bool,
    drop_empty_wrappers: bool,
    removed: list[tuple[str, str]] | None,
) -> str:
    """:func:`sanitize_html` without its plain-paragraphs shortcut."""
    html = XML_INVALID.sub("", flatten_deep(html))
    token = _BASE_URL.set(base_url)
    try:
        out: str = _CLEANERS[keep_structure].clean(html)
    finally:
        _BASE_URL.reset(token)
    # nh3 decodes character references, so "&#x1;" comes out as a raw control
    # character that XML cannot hold: strip those again on the way out.
    out = XML_INVALID.sub("", out)
    lower = out.lower()
    needs_dom = (
        (fix_lazy_images and "data-" in lower)
        or (drop_trackers and "feedburner" in lower)
        or (drop_empty_wrappers and _EMPTY_WRAPPER.search(out) is not None)
    )
    if not needs_dom and drop_trackers and "<img" in lower:
        # Images alone: the DOM pass changes nothing unless an image goes, or
        # (when it runs at all) drop_empty finds something in lxml's reading.
        needs_dom = _image_to_drop(out) or (
            drop_empty_wrappers and (_maybe_empty(out) or _reparse_differs(out))
        )
    if not needs_dom:
        return out
    return _post_pass(out, drop_trackers=drop_trackers, fix_lazy=fix_lazy_images,
                      drop_empty_=drop_empty_wrappers, removed=removed)
