"""OPML import and export of source lists (pure: bytes in, data out).

:func:`parse_opml` reads an OPML 1.0/2.0 subscription list into
:class:`OpmlOutline` records; :func:`emit_opml` writes them back.  Folders
(outlines without ``xmlUrl`` that contain outlines) become the ``category``
of the feeds inside them; nested folders are joined with ``/``.

Round trip: ``parse_opml(emit_opml(outlines))`` gives back the same
outlines, regrouped folder by folder (a folder is emitted once, where its
category first appears; order inside a folder is kept).  For a list already
in that order — any list :func:`parse_opml` returned from a document without
repeated folder names — it is equal.  Fields must already be normal:
whitespace collapsed, no control characters, categories written ``"A/B"``.

Malformed input raises :class:`~feedkit.errors.SourceError` (an OPML file is
a list of sources; it is not a feed, so ``ParseError`` is not used).  The
XML parser is hardened: no entity expansion, no DTD loading, no network, no
huge-tree mode; a document that declares entities is refused outright.

Nothing here filters URLs: an outline may carry any ``xmlUrl`` string.
Callers that act on them (:func:`feedkit.fetch.sources.expand_sources`) keep
only http(s) URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..errors import SourceError

__all__ = ["OpmlOutline", "emit_opml", "parse_opml"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class OpmlOutline:
    """One feed listed in an OPML file.

    ``url`` is the feed (``xmlUrl``), ``title`` its name, ``html_url`` the
    site (``htmlUrl``), ``category`` the enclosing folder path (``"Tech/Python"``)
    or, without folders, the outline's own ``category`` attribute.
    """

    url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
    return value or None


def _attr(element: etree._Element, name: str) -> str | None:
    """Attribute lookup that tolerates ``xmlurl`` / ``XMLURL`` spellings."""
    value = element.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in element.attrib.items():
            if isinstance(key, str) and key.lower() == lowered:
                return str(val)
    return value


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_opml(data: bytes | str) -> list[OpmlOutline]:
    """Return the feeds an OPML document lists, in document order.

    Raises :class:`~feedkit.errors.SourceError` when ``data`` is not a
    well-formed OPML document.  Pure: ``data`` is document bytes, never a
    path or URL.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise SourceError("empty OPML document")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"malformed OPML: {exc}") from exc
    if root is None:
        raise SourceError("malformed OPML: no root element")
    docinfo = root.getroottree().docinfo
    dtd: Any = docinfo.internalDTD  # lxml-stubs lacks DTD.iterentities
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SourceError("OPML with entity declarations is refused")
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise SourceError(f"not an OPML document (root element {root.tag!r})")
    body = next((c for c in root if _local(c) == "body"), None)
    if body is None:
        raise SourceError("OPML without a <body>")
    return list(_walk(body, (), 0))


def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname.lower()


def _walk(parent: etree._Element, folders: tuple[str, ...], depth: int) -> Iterator[OpmlOutline]:
    if depth > _MAX_DEPTH:
        raise SourceError(f"OPML outlines nested deeper than {_MAX_DEPTH}")
    for element in parent:
        if _local(element) != "outline":
            continue
        url = _clean(_attr(element, "xmlUrl"))
        text = _clean(_attr(element, "text"))
        title = _clean(_attr(element, "title"))
        if url:
            name = title or (text if text != url else None)
            category = "/".join(folders) if folders else None
            if category is None:
                own = _clean(_attr(element, "category"))
                if own:
                    category = own.split(",")[0].strip().strip("/") or None
            yield OpmlOutline(
                url=url,
                title=name,
                html_url=_clean(_attr(element, "htmlUrl")),
                category=category,
            )
            continue
        folder = title or text
        yield from _walk(element, (*folders, folder) if folder else folders, depth + 1)


def emit_opml(outlines: Iterable[OpmlOutline], *, title: str = "feedkit sources") -> bytes:
    """Serialise ``outlines`` as an OPML 2.0 document (UTF-8 bytes).

    Outlines with a ``category`` are grouped in folder outlines (``"A/B"``
    becomes a folder ``B`` inside ``A``), in order of first appearance.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _clean(title) or "feedkit sources"
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}

    def folder(path: tuple[str, ...]) -> etree._Element:
        if path not in folders:
            parent = folder(path[:-1])
            folders[path] = etree.SubElement(parent, "outline", text=path[-1], title=path[-1])
        return folders[path]

    for outline in outlines:
        url = _clean(outline.url)
        if not url:
            raise SourceError("an OPML outline needs a URL")
        name = _clean(outline.title)
        category = _clean(outline.category)
        path = tuple(p for p in (s.strip() for s in (category or "").split("/")) if p)
        attrs = {"type": "rss", "text": name or url}
        if name:
            attrs["title"] = name
        attrs["xmlUrl"] = url
        html_url = _clean(outline.html_url)
        if html_url:
            attrs["htmlUrl"] = html_url
        etree.SubElement(folder(path), "outline", attrs)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
