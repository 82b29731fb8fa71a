"""Allowlist HTML sanitizing (minimal first version; grown by the cleaning work).

Built on nh3 (the Rust ``ammonia`` sanitizer): it parses with html5ever, so
the browser's view of the markup is what gets filtered, and it is far faster
than a Python tree walk.  Only http(s) and mailto URLs survive in any URL
attribute; scripts, styles, iframes, objects, forms, SVG and MathML are
removed with their content; event handlers and ``style`` attributes are
dropped.  ``class`` and ``id`` are kept so that boilerplate rules can match
on them; :func:`sanitize_html` with ``keep_structure=False`` drops them too.
"""

from __future__ import annotations

from urllib.parse import urljoin

import nh3

__all__ = ["sanitize_html"]

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template",
     "svg", "math", "form", "textarea", "select", "button", "frameset", "frame",
     "applet", "title", "head", "meta", "link", "base"}
)
_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"map", "area"} | {
    "audio", "video", "source", "picture", "track", "section", "main", "u", "s"
}
_URL_ATTRS = frozenset({"href", "src", "poster", "cite", "longdesc"})


def _attributes(keep_structure: bool) -> dict[str, set[str]]:
    attrs: dict[str, set[str]] = {tag: set(v) for tag, v in nh3.ALLOWED_ATTRIBUTES.items()}
    attrs.pop("map", None)
    attrs.pop("area", None)
    attrs.setdefault("img", set()).update({"src", "alt", "title", "width", "height", "srcset"})
    attrs.setdefault("a", set()).update({"href", "title"})
    attrs["audio"] = {"src", "controls"}
    attrs["video"] = {"src", "controls", "poster", "width", "height"}
    attrs["source"] = {"src", "type", "srcset", "media"}
    attrs["track"] = {"src", "kind", "srclang", "label"}
    common = {"lang", "title", "dir"}
    if keep_structure:
        common |= {"class", "id", "role", "itemprop"}
    attrs["*"] = attrs.get("*", set()) | common
    return attrs


def _resolver(base_url: str | None):  # type: ignore[no-untyped-def]
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr in _URL_ATTRS:
            value = value.strip()
            if base_url and value:
                try:
                    value = urljoin(base_url, value)
                except ValueError:
                    return None
            return value
        if attr == "srcset":
            return None if "javascript:" in value.lower() else value
        return value

    return attribute_filter


def sanitize_html(
    html: str, *, base_url: str | None = None, keep_structure: bool = True
) -> str:
    """Return ``html`` with everything outside the allowlist removed.

    Relative URLs are made absolute against ``base_url`` when it is given.
    The result is safe to embed in a page: no script, event handler,
    ``javascript:``/``data:`` URL, style, frame, object or form survives.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=_attributes(keep_structure),
        attribute_filter=_resolver(base_url),
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )
