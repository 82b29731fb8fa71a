"""A standalone HTML digest page: items listed, grouped by story when linked.

Safety: every text value is escaped with :func:`html.escape`; item HTML is the
re-sanitized content (no script, handler, style, frame, form, or non-http(s)
URL survives); every ``href``/``src`` this module writes went through
:func:`~feedkit.emit._common.safe_http_url`.  As a second line of defence the
page carries a Content-Security-Policy that forbids scripts altogether, and
sends no referrer.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ._common import (
    EmitEntry,
    FeedMeta,
    clean_text,
    fallback_title,
    plain_text,
    safe_http_url,
    utc,
)

__all__ = ["emit_html"]

_CSP = (
    "default-src 'none'; img-src http: https:; media-src http: https:; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
header{border-bottom:1px solid #ccc;margin-bottom:1.5rem}
.story{border-left:3px solid #8ab;padding-left:1rem;margin:2rem 0}
.story>h2{font-size:1.1rem;color:#456}
article{margin:1.5rem 0}
article h3{margin:.2rem 0}
.meta,.sources,.nav,.tags{font-size:.85rem;color:#666;margin:.3rem 0}
.content img,.content video{max-width:100%;height:auto}
"""


def _e(value: str | None) -> str:
    return escape(clean_text(value), quote=True)


def _a(href: str | None, label: str) -> str:
    """An anchor when ``href`` is a safe http(s) URL, else just the escaped label."""
    url = safe_http_url(href)
    if not url:
        return _e(label)
    return f'<a href="{_e(url)}" rel="noopener noreferrer nofollow">{_e(label)}</a>'


def _article(entry: EmitEntry, index: int, entries: Sequence[EmitEntry]) -> str:
    item = entry.item
    parts = [f'<article id="item-{index}">']
    parts.append(f"<h3>{_a(item.link, fallback_title(item))}</h3>")
    meta: list[str] = []
    feed_title = plain_text(item.feed_title)
    if feed_title or item.feed_url:
        meta.append(_a(item.feed_url, feed_title or plain_text(item.feed_url)))
    when = utc(item.published) or utc(item.updated)
    if when is not None:
        meta.append(f'<time datetime="{when.isoformat()}">{when:%Y-%m-%d %H:%M} UTC</time>')
    names = [plain_text(a.name or a.email) for a in item.authors]
    names = [n for n in names if n]
    if names:
        meta.append("by " + ", ".join(_e(n) for n in names))
    if meta:
        parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    content = entry.content_html or entry.summary_html
    if content:
        parts.append(f'<div class="content">{content}</div>')
    if entry.sources:
        also = [
            _a(src.link, plain_text(src.feed_title) or plain_text(src.feed_url))
            for src in entry.sources
        ]
        parts.append(f'<p class="sources">Also published by: {", ".join(also)}</p>')
    nav: list[str] = []
    shown: set[tuple[str, str]] = set()
    for ln in entry.links:
        key = (ln.rel, f"#{ln.target_entry}" if ln.target_entry is not None else ln.target)
        if ln.kind in ("same_story", "duplicate") or key in shown:
            continue
        if ln.target_entry is None and not ln.href:
            continue  # an item outside this page with no URL: nothing to link to
        shown.add(key)
        label = ln.title
        if label is None and ln.target_entry is not None:
            label = fallback_title(entries[ln.target_entry].item)
        target = f"#item-{ln.target_entry}" if ln.target_entry is not None else None
        text = _e(label or ln.href or ln.target)
        if target is not None:
            link_html = f'<a href="{target}">{text}</a>'
        else:
            link_html = _a(ln.href, label or ln.href or ln.target)
        nav.append(f"{_e(ln.rel.capitalize())}: {link_html}")
    if nav:
        parts.append(f'<p class="nav">{" · ".join(nav)}</p>')
    encl = [_a(e.url, clean_text(e.url)) for e in item.enclosures if safe_http_url(e.url)]
    if encl:
        parts.append(f'<p class="sources">Attachments: {", ".join(encl)}</p>')
    tags = [plain_text(c) for c in item.categories]
    tags = [t for t in tags if t]
    if tags:
        parts.append(f'<p class="tags">{", ".join(_e(t) for t in tags)}</p>')
    parts.append("</article>")
    return "\n".join(parts)


def emit_html(entries: Sequence[EmitEntry], meta: FeedMeta) -> bytes:
    """Render prepared entries as one standalone HTML5 page (UTF-8 bytes).

    When entries carry stories (``emit_feed(..., links=...)``), entries of the
    same story are shown together, in the order of the story's first entry,
    under a heading taken from that entry's title; single-entry stories and
    unlinked items are listed as they come.
    """
    groups: list[list[int]] = []
    by_story: dict[str, int] = {}
    for i, entry in enumerate(entries):
        key = entry.story.id if entry.story is not None and entry.story_size > 1 else None
        if key is None:
            groups.append([i])
        elif key in by_story:
            groups[by_story[key]].append(i)
        else:
            by_story[key] = len(groups)
            groups.append([i])
    n_stories = sum(1 for g in groups if len(g) > 1)
    out = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="feedkit">',
        f"<title>{_e(meta.title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_a(meta.link, meta.title)}</h1>",
    ]
    if meta.description:
        out.append(f"<p>{_e(meta.description)}</p>")
    summary = f"{len(entries)} item{'' if len(entries) == 1 else 's'}"
    if n_stories:
        summary += f", {n_stories} stor{'y' if n_stories == 1 else 'ies'} told by several sources"
    out.append(
        f'<p class="meta">Updated <time datetime="{meta.updated.isoformat()}">'
        f"{meta.updated:%Y-%m-%d %H:%M} UTC</time> · {summary}</p>"
    )
    out.append("</header>")
    out.append("<main>")
    for group in groups:
        if len(group) > 1:
            head = fallback_title(entries[group[0]].item)
            out.append(f'<section class="story" id="story-{group[0]}">')
            out.append(f"<h2>{_e(head)} — {len(group)} reports</h2>")
            out.extend(_article(entries[i], i, entries) for i in group)
            out.append("</section>")
        else:
            out.append(_article(entries[group[0]], group[0], entries))
    out.append("</main>")
    out.append("</body>")
    out.append("</html>")
    return ("\n".join(out) + "\n").encode("utf-8")
