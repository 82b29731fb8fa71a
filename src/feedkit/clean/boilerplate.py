"""Rule-based boilerplate removal over HTML (pure).

:func:`strip_boilerplate_html` applies a :class:`~feedkit.clean.rules.RuleSet`
to one HTML fragment in three passes:

1. **structure**: elements whose class/id tokens, role or tag match a
   structural rule are removed whole (navigation blocks are first read for
   previous/next links);
2. **lines**: every line (:class:`~feedkit.clean.dom.Unit`) whose whole text
   is a known phrase is removed; a navigation label line ("Previous Article")
   also takes the short title line after it, captured as a
   :class:`~feedkit.model.NavLink`;
3. **inline**: links and short inline elements inside longer paragraphs
   whose whole text is an inline phrase ("Read more", "12 comments").

Then empty wrappers are dropped.  Every removal is returned so the caller can
record it (:mod:`feedkit.clean.explain`).  A block with long text is never
removed by a text rule, and a structural match whose text is long and not
mostly links is kept: the article itself is never eaten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from ..model import NavLink
from .dom import (
    BLOCK_TAGS,
    Fragment,
    SimpleBlock,
    Unit,
    drop_empty,
    element_text,
    iter_units,
    link_density,
    parse_fragment,
    plain_paragraphs,
    remove_unit,
    serialize_fragment,
    simple_paragraphs,
    text_shape,
    tokens_of,
)
from .rules import DEFAULT_RULES, Rule, RuleSet, normalize_text
from .template import MIN_WORDS, learnable, learnable_text

__all__ = [
    "FieldResult",
    "Hit",
    "capture_navigation",
    "match_lines",
    "merge_navigation",
    "split_label",
    "strip_boilerplate_html",
]

# A navigation title is a short line: at most this many characters / words.
MAX_TITLE_CHARS = 220
MAX_TITLE_WORDS = 24
# Structural matches longer than a rule's max_chars are still removed when they
# are mostly links (related-post lists) and not longer than this.
MAX_LINK_LIST_CHARS = 4000
MAX_ROUNDS = 4
# A structural match holding this many words outside links is prose: kept.
MAX_UNLINKED_WORDS = 25


@dataclass(frozen=True, slots=True)
class Hit:
    """One removal: the rule's kind and name and the text removed."""

    kind: str
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class FieldResult:
    """The outcome of cleaning one HTML field.

    ``blocks`` are ``(text, shape)`` of the learnable lines left (see
    :func:`feedkit.clean.template.learnable`), so that per-feed learning does
    not parse the field again.  ``fragment`` is the parsed field, when asked
    for (``keep_tree=True``), nothing was removed and the field was parsed at
    all (simply marked-up paragraphs are not), so that a later step need not
    parse it again.
    """

    html: str
    changed: bool
    hits: tuple[Hit, ...] = ()
    navigation: tuple[NavLink, ...] = ()
    blocks: tuple[tuple[str, str | None], ...] | None = None
    fragment: Fragment | None = field(default=None, compare=False, repr=False)


def split_label(
    text: str, rules: RuleSet, *, loose: bool = False
) -> tuple[str, str] | None:
    """Split ``"Previous Article: Title"`` into ``("previous", "Title")``."""
    regexes = rules.label_regexes
    if regexes is None:
        return None
    flat = " ".join(text.split())
    m = regexes[1 if loose else 0].match(flat)
    if m is None:
        return None
    rel = "previous" if m.group("prev") else "next"
    title = _clean_title(m.group("rest"))
    if not title or len(title) > MAX_TITLE_CHARS:
        return None
    return rel, title


def _clean_title(text: str) -> str:
    return " ".join(text.split()).strip(" :|»«→←›‹-–—<>")


def _looks_like_title(text: str, rules: RuleSet) -> bool:
    flat = " ".join(text.split())
    if not flat or len(flat) > MAX_TITLE_CHARS or len(flat.split()) > MAX_TITLE_WORDS:
        return False
    # A title does not hold several sentences, nor is it a long sentence ending in a period.
    if flat.count(". ") >= 2:
        return False
    return not (flat.endswith(".") and len(flat.split()) > 12)


def _rel_from_tokens(node: HtmlElement, stop: HtmlElement) -> str | None:
    cur: HtmlElement | None = node
    while cur is not None:
        for tok in tokens_of(cur):
            parts = set(re.split(r"[-_]", tok.casefold()))
            if parts & {"prev", "previous", "older"}:
                return "previous"
            if parts & {"next", "newer"}:
                return "next"
        if cur is stop:
            break
        cur = cur.getparent()
    return None


def capture_navigation(block: HtmlElement, rules: RuleSet) -> list[NavLink]:
    """Read previous/next links out of a navigation block (before it is removed)."""
    found: list[NavLink] = []
    pending: str | None = None
    for node in block.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == "a":
            href = node.get("href") or None
            text = " ".join(element_text(node).split())
            rel: str | None = None
            title: str | None = _clean_title(text) or None
            matched = rules.match_text(text)
            if matched is not None and matched.rel:
                rel, title = matched.rel, None
            else:
                split = split_label(text, rules, loose=True)
                if split is not None:
                    rel, title = split
            if rel is None:
                rel = _rel_from_tokens(node, block) or pending
            if rel is not None and (href or title):
                found.append(NavLink(rel=rel, url=href, title=title))
                pending = None
            continue
        own = node.text
        if own and own.strip() and len(own) < 80:
            matched = rules.match_text(own)
            if matched is not None and matched.rel:
                pending = matched.rel
        tail = node.tail
        if node is not block and tail and tail.strip() and len(tail) < 80:
            matched = rules.match_text(tail)
            if matched is not None and matched.rel:
                pending = matched.rel
    # a label pointing at the following link without title: merge "Previous" + url
    merged: dict[str, NavLink] = {}
    for nav in found:
        old = merged.get(nav.rel)
        if old is None:
            merged[nav.rel] = nav
        elif old.title is None or old.url is None:
            merged[nav.rel] = NavLink(nav.rel, old.url or nav.url, old.title or nav.title)
    return list(merged.values())


def _removable(el: HtmlElement, rule: Rule) -> bool:
    """Whether a structurally matched element may go: short, or mostly links, and no prose.

    Prose is :data:`MAX_UNLINKED_WORDS` words or more outside links, or a
    paragraph that long: a share box or a related list does not hold that, an
    article wrapped in ``class="social"`` (or swallowed by an unclosed
    ``<div class="share">``) does.
    """
    flat = " ".join(element_text(el).split())
    if len(flat) > MAX_LINK_LIST_CHARS:
        return False
    words = len(flat.split())
    if el.tag not in BLOCK_TAGS and words >= MAX_UNLINKED_WORDS:
        return False  # a link or span that long is a sentence of the article
    linked = sum(len(element_text(a).split()) for a in el.iter("a"))
    if words - linked >= MAX_UNLINKED_WORDS:
        return False
    for para in el.iter("p", "blockquote", "pre", "dd"):
        if len(element_text(para).split()) >= MAX_UNLINKED_WORDS:
            return False  # a paragraph of prose, even if a stray link wraps it
    return len(flat) <= rule.max_chars or link_density(el, len(flat)) >= 0.5


def _structural_pass(
    root: HtmlElement, rules: RuleSet, hits: list[Hit], navs: list[NavLink]
) -> None:
    stack: list[HtmlElement] = list(reversed(list(root)))
    tag_index = rules.tag_index
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str):
            continue
        get = el.get
        if get("class") is None and get("id") is None and get("role") is None:
            rule = tag_index.get(tag)  # what match_structure gives without tokens and role
        else:
            rule = rules.match_structure(tag, tokens_of(el), get("role"))
        if rule is not None and _removable(el, rule):
                if rule.kind == "navigation":
                    navs.extend(capture_navigation(el, rules))
                snippet = " ".join(" ".join(el.itertext()).split())
                hits.append(Hit(rule.kind, rule.name, snippet or f"<{el.tag}>"))
                el.drop_tree()
                continue
        stack.extend(reversed(list(el)))


def match_lines(
    texts: list[str],
    rules: RuleSet,
    *,
    title: str | None = None,
    links: list[list[tuple[str, str]]] | None = None,
) -> tuple[dict[int, Rule], list[NavLink]]:
    """Match lines against the text rules.

    Returns the indexes to remove (with the rule that matched) and the
    navigation links captured.  ``links[i]`` are the ``(href, text)`` pairs
    of line ``i`` (HTML); for plain text there are none and URLs stay unknown.
    Shared by the HTML and the plain-text paths so both behave the same.
    """
    remove: dict[int, Rule] = {}
    navs: list[NavLink] = []
    title_norm = normalize_text(title) if title else None
    longest = min(600, 4 * rules.max_text_chars)  # longer: what match_text matches nothing
    for i, raw in enumerate(texts):
        if i in remove:
            continue
        flat = " ".join(raw.split())
        if not flat:
            continue
        line_links = links[i] if links else []
        rule = None
        if len(flat) <= longest:
            # match_text(flat, ...) with flat normalized once (also for the link test)
            norm = normalize_text(flat)
            is_link = len(line_links) == 1 and normalize_text(line_links[0][1]) == norm
            rule = rules.match_normalized(norm, title=title, is_link=is_link,
                                          title_norm=title_norm)
        if rule is not None and len(flat) > rule.max_chars:
            rule = None
        if rule is not None:
            remove[i] = rule
            if rule.rel:
                nav = _title_after(i, texts, rules, links, remove, rule, title)
                if nav is not None:
                    navs.append(nav)
            continue
        split = split_label(flat, rules) if len(flat) <= MAX_TITLE_CHARS + 40 else None
        if split is None and line_links and len(flat) <= MAX_TITLE_CHARS + 40:
            split = _label_plus_link(flat, line_links, rules)
        if split is not None:
            rel, nav_title = split
            url = _url_for(links[i] if links else [], nav_title)
            remove[i] = _label_rule(rules, rel)
            navs.append(NavLink(rel=rel, url=url, title=nav_title))
    return remove, navs


def _label_plus_link(
    flat: str, links: list[tuple[str, str]], rules: RuleSet
) -> tuple[str, str] | None:
    """``<span>Previous Article</span><a>Title</a>``: a label plus one link's text."""
    for _href, ltext in links:
        if not ltext or ltext not in flat:
            continue
        residual = flat.replace(ltext, " ", 1).strip()
        if residual.endswith((".", "!", "?", ",")):
            continue  # "Previous <a>musings on the topic</a>." is a sentence, not navigation
        rule = rules.match_text(residual)
        if rule is not None and rule.rel:
            return rule.rel, _clean_title(ltext)
    return None


def _label_rule(rules: RuleSet, rel: str) -> Rule:
    for rule in rules:
        if rule.rel == rel:
            return rule
    raise LookupError(rel)  # pragma: no cover - split_label only returns known rels


def _url_for(links: list[tuple[str, str]], title: str | None) -> str | None:
    if not links:
        return None
    if title:
        want = normalize_text(title)
        for href, text in links:
            if normalize_text(text) == want or (want and want in normalize_text(text)):
                return href
    return links[-1][0] if len(links) == 1 else None


def _title_after(
    i: int,
    texts: list[str],
    rules: RuleSet,
    links: list[list[tuple[str, str]]] | None,
    remove: dict[int, Rule],
    rule: Rule,
    title: str | None,
) -> NavLink | None:
    """The title line after a navigation label (removed with it)."""
    assert rule.rel is not None
    j = i + 1
    while j < len(texts) and not texts[j].strip():
        j += 1
    if j >= len(texts):
        # a label alone whose own line has a link: "<a href>Previous Article</a>"
        url = _url_for(links[i] if links else [], None)
        return NavLink(rel=rule.rel, url=url) if url else None
    nxt = " ".join(texts[j].split())
    other = rules.match_text(nxt, title=title)
    label_url = _url_for(links[i] if links else [], None)
    if other is not None:
        return NavLink(rel=rule.rel, url=label_url) if label_url else None
    if not _looks_like_title(nxt, rules):
        return NavLink(rel=rule.rel, url=label_url) if label_url else None
    if len(normalize_text(texts[i]).split()) == 1 and not (links and links[j]):
        # a bare "Next" / "Weiter" only takes the following line when it is a link
        return NavLink(rel=rule.rel, url=label_url) if label_url else None
    remove[j] = rule
    url = _url_for(links[j] if links else [], nxt) or label_url
    return NavLink(rel=rule.rel, url=url, title=_clean_title(nxt))


def _inline_pass(root: HtmlElement, rules: RuleSet, title: str | None,
                 hits: list[Hit], navs: list[NavLink]) -> None:
    # Links only: a bold "Comments" inside a sentence is the article's word, a
    # "Read more" link at the end of an excerpt is furniture.
    for el in list(root.iter("a")):
        if el.getparent() is None:
            continue
        text = " ".join(element_text(el).split())
        if not text or len(text) > 200:
            continue
        rule = rules.match_text(text, title=title, is_link=True)
        if rule is not None and rule.rel:
            navs.append(NavLink(rel=rule.rel, url=el.get("href") or None))
        elif rule is None:
            split = split_label(text, rules)
            if split is None:
                continue
            rel, nav_title = split
            navs.append(NavLink(rel=rel, url=el.get("href") or None, title=nav_title))
            rule = _label_rule(rules, rel)
        elif rule is None or not rule.inline or len(text) > rule.max_chars:
            continue
        elif rule.links_only and not _at_block_end(el):
            continue  # "you can <a>read more about X</a> in the docs" is the article's sentence
        hits.append(Hit(rule.kind, rule.name, text))
        el.drop_tree()


_TRAILING = " \t\r\n\xa0.,;:!?)]}»›→…|-–—"


def _at_block_end(el: HtmlElement) -> bool:
    """True when nothing but punctuation follows ``el`` up to the end of its block."""
    cur: HtmlElement | None = el
    while cur is not None and cur.tag not in BLOCK_TAGS:
        if (cur.tail or "").strip(_TRAILING):
            return False
        for sib in cur.itersiblings():
            if element_text(sib).strip(_TRAILING) or (sib.tail or "").strip(_TRAILING):
                return False
        parent = cur.getparent()
        if parent is None or parent.getparent() is None:
            break
        cur = parent
    return True


def strip_boilerplate_html(
    html: str,
    rules: RuleSet = DEFAULT_RULES,
    *,
    title: str | None = None,
    keep_tree: bool = False,
) -> FieldResult:
    """Remove boilerplate from one HTML fragment.

    ``title`` is the item's own title (lets ``Continue reading {title}``
    patterns match, and is never removed by itself).  Returns the new HTML
    (unchanged text when nothing matched), the removals and the navigation
    links captured from removed navigation blocks.  ``keep_tree=True`` also
    returns the parsed fragment in ``FieldResult.fragment`` when nothing
    matched and the field was parsed (for the learned-boilerplate step, which
    then does not parse the field again).

    Plain paragraphs (:func:`~feedkit.clean.dom.plain_paragraphs`) and simply
    marked-up ones (:func:`~feedkit.clean.dom.simple_paragraphs`) are read
    without the parser; the result is the same.
    """
    if not html or not html.strip():
        return FieldResult(html, False)
    plain = plain_paragraphs(html)
    if plain is not None and rules.match_structure("p", (), None) is None:
        # Plain paragraphs: the lines are the texts, nothing structural or
        # inline can match, and when no line matches either the field stays as
        # it is; no tree is needed.  (When a line matches, the DOM path below
        # does the removing.)
        remove, _navs = match_lines(plain, rules, title=title, links=[[] for _ in plain])
        if not remove:
            return FieldResult(html, False, blocks=tuple(
                (text, None) for text in plain if len(text.split()) >= MIN_WORDS
            ))
    structural = rules.may_match_structure(html)
    if not structural:
        simple = simple_paragraphs(html)
        if simple is not None:
            done = _strip_simple(html, simple, rules, title)
            if done is not None:
                return done
    root = parse_fragment(html)
    hits: list[Hit] = []
    navs: list[NavLink] = []
    # Removing lines can shrink a block that the prose safeguard kept under the
    # thresholds of a structural rule: repeat until a round removes nothing, so
    # that cleaning is idempotent (at most MAX_ROUNDS rounds).
    for _round in range(MAX_ROUNDS):
        before = len(hits)
        if structural:
            _structural_pass(root, rules, hits, navs)
        struck = len(hits) > before
        units = iter_units(root)
        texts = [u.text for u in units]
        anchors = [u.anchors() for u in units]
        links = [u.links(a) for u, a in zip(units, anchors, strict=True)]
        remove, line_navs = match_lines(texts, rules, title=title, links=links)
        navs.extend(line_navs)
        # Whether this round's removals were only whole top-level blocks (see below);
        # decided before removing, on the tree the units were read from.
        settled = not struck and bool(remove) and _top_blocks_only(root, units, remove)
        for idx in sorted(remove):
            rule = remove[idx]
            hits.append(Hit(rule.kind, rule.name, " ".join(units[idx].text.split())))
        for idx in sorted(remove, reverse=True):
            unit: Unit = units[idx]
            remove_unit(unit)
        before_inline = len(hits)
        _inline_pass(root, rules, title, hits, navs)
        if len(hits) == before:
            break
        if settled and len(hits) == before_inline:
            # Only whole top-level blocks went: every element left has the subtree,
            # text and tokens it had when this round's passes judged it, the lines
            # left are the same lines, and the inline pass already saw this very
            # tree; another round would remove nothing and read these units.
            kept = [i for i, u in enumerate(units) if not u.removed]
            units = [units[i] for i in kept]
            anchors = [anchors[i] for i in kept]
            links = [links[i] for i in kept]
            break
    else:
        units = iter_units(root)
        anchors = [u.anchors() for u in units]
        links = [u.links(a) for u, a in zip(units, anchors, strict=True)]
    lines = [(u, u.shape(a)) for u, a, ln in zip(units, anchors, links, strict=True)
             if learnable(u, links=ln)]
    blocks = tuple((u.text, shape) for u, shape in lines)
    if not hits:
        return FieldResult(html, False, blocks=blocks,
                           fragment=Fragment(root, lines) if keep_tree else None)
    drop_empty(root)
    return FieldResult(serialize_fragment(root), True, tuple(hits),
                       tuple(merge_navigation(navs)), blocks)


def _strip_simple(
    html: str, paragraphs: list[SimpleBlock], rules: RuleSet, title: str | None
) -> FieldResult | None:
    """:func:`strip_boilerplate_html` of simply marked-up paragraphs, without a tree.

    ``paragraphs`` are :func:`~feedkit.clean.dom.simple_paragraphs` of ``html``
    and no structural rule can match (no ``class``/``id``/``role``, no rule's
    tag).  Each paragraph is a line; whole lines go by cutting them out of
    ``html`` (which is what serializing the tree without them gives).  ``None``
    when the tree is needed after all: a link the inline pass would take (or
    read navigation from).  No tree is built, so none is kept (``keep_tree``):
    a later step that needs one parses the field itself (same tree).
    """
    texts = [p.text for p in paragraphs]
    links = [[(href, " ".join(text.split())) for href, text in p.anchors if href]
             for p in paragraphs]
    remove, navs = match_lines(texts, rules, title=title, links=links)
    for i, para in enumerate(paragraphs):
        if i in remove:
            continue
        for _href, raw in para.anchors:  # the inline pass, over the links left
            text = " ".join(raw.split())
            if not text or len(text) > 200:
                continue
            rule = rules.match_text(text, title=title, is_link=True)
            if rule is None:
                if split_label(text, rules) is not None:
                    return None
            elif rule.rel or (rule.inline and len(text) <= rule.max_chars):
                return None
    blocks = tuple(
        (para.text, text_shape(para.text, para.anchors))
        for i, para in enumerate(paragraphs)
        if i not in remove and learnable_text(para.text, links[i])
    )
    if not remove:
        return FieldResult(html, False, blocks=blocks)
    hits = tuple(Hit(remove[i].kind, remove[i].name, " ".join(texts[i].split()))
                 for i in sorted(remove))
    kept = "".join(html[p.start:p.end] for i, p in enumerate(paragraphs) if i not in remove)
    return FieldResult(kept, True, hits, tuple(merge_navigation(navs)), blocks)


def _top_blocks_only(root: HtmlElement, units: list[Unit], remove: dict[int, Rule]) -> bool:
    """True when ``remove`` are whole blocks right under ``root`` and ``root`` holds blocks only.

    With no text of its own (bar whitespace), no inline child and blank tails,
    ``root`` makes no line of its own, so removing some of its block children
    changes no other line, no other element's text and no link's surroundings.
    """
    text = root.text
    if text and not text.isspace():
        return False
    for child in root:
        tag = child.tag
        if not isinstance(tag, str) or tag not in BLOCK_TAGS:
            return False
        tail = child.tail
        if tail and not tail.isspace():
            return False
    for idx in remove:
        el = units[idx].element
        if el is None or el.getparent() is not root:
            return False
    return True


def merge_navigation(*groups: list[NavLink] | tuple[NavLink, ...]) -> list[NavLink]:
    """Merge navigation links by ``rel``: the first with a URL wins, titles fill gaps.

    Pass the HTML-derived links first so they win over plain-text ones.
    """
    order: list[str] = []
    best: dict[str, NavLink] = {}
    for group in groups:
        for nav in group:
            old = best.get(nav.rel)
            if old is None:
                best[nav.rel] = nav
                order.append(nav.rel)
                continue
            url = old.url or nav.url
            title_ = old.title or nav.title
            best[nav.rel] = NavLink(nav.rel, url, title_)
    return [best[r] for r in order]
