"""Text features for linking: plain text, tokens, shingles, keys.

Everything here is a pure function of its input and deterministic across
processes (hashes come from :func:`zlib.crc32` / :mod:`hashlib`, never from
the randomized built-in :func:`hash`), so features computed in one run can be
persisted in a :class:`~feedkit.link.index.LinkIndex` and compared later.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..normalize import canonical_url

__all__ = [
    "STOPWORDS",
    "Token",
    "content_hash",
    "html_to_text",
    "sample_shingles",
    "title_key",
    "tokenize",
    "url_key",
    "words",
]

_TAG = re.compile(r"<[^>]{0,4000}>")
_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|pre|hr)\b[^>]{0,4000}>",
    re.IGNORECASE,
)
_DROP = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_NL = re.compile(r"\s*\n\s*")
# A word: letters/digits, keeping inner apostrophes, dots and commas of numbers
# ("7.1", "3,500") and inner apostrophes ("don't") together.
_WORD = re.compile(r"[^\W_]+(?:(?:['’]|(?<=\d)[.,](?=\d))[^\W_]+)*")
# Sentence-ish chunks: a capital after one of these says nothing; phrases stop there.
_CHUNK = re.compile(r"[!?:;\"“”—–|()\[\]\n,]|\.(?!\d)|\s-\s")
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
# A run of two or more capitalized words: a multi-word name ("Iyad Ag Ghaly").
_CAPRUN = re.compile(
    rf"(?<![^\W_])[{_UPPER}][^\W_]*(?:['’][^\W_]+)?(?:[ \t]+[{_UPPER}][^\W_]*(?:['’][^\W_]+)?)+"
)

#: Function words ignored by story vectors (English; other languages rely on IDF).
_STOPWORDS_TEXT = """a about above after again against all also am an and any are aren't as at
    be because
    been before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i
    if in into is it it's its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves says said say new one two after over via amid will may
    might must shall us its get gets got make makes made like just than s t don't doesn't
    didn't won't can't isn't wasn't"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def html_to_text(markup: str | None) -> str:
    """Return the visible text of an HTML fragment, one line per block.

    A fast regex pass (the input is already sanitized by parsing): scripts and
    styles are dropped, block elements become line breaks, other tags vanish,
    entities are unescaped and whitespace is collapsed.  Plain text passes
    through unchanged apart from whitespace.
    """
    if not markup:
        return ""
    text = markup
    if "<" in text:
        text = _DROP.sub(" ", text)
        text = _BLOCK.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = _WS.sub(" ", text)
    return _NL.sub("\n", text).strip()


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text`` (NFKC-folded)."""
    if not text:
        return []
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _WORD.findall(text.lower())


class Token:
    """Namespace of token-kind flags returned by :func:`tokenize`."""

    WORD = 0
    ENTITY = 1
    #: Capitalized where capitalization says nothing (sentence start, a
    #: title-case headline): an entity if the term is usually capitalized
    #: elsewhere (see :func:`feedkit.link.stories.item_terms`).
    CAPITALIZED = 2


def tokenize(text: str, *, title: bool = False) -> list[tuple[str, int, str]]:
    """Return ``(term, kind, surface)`` triples for story vectors.

    ``term`` is lower-cased; ``kind`` is :attr:`Token.ENTITY` for
    named-entity-ish tokens (a capitalized word that does not start a sentence,
    an all-capitals acronym, a number) and for multi-word capitalized phrases
    (``"iyad ag ghaly"``), :attr:`Token.CAPITALIZED` for a capitalized word
    whose capital says nothing (it starts a sentence), else
    :attr:`Token.WORD`.  Stopwords are dropped.  ``surface`` is the text as
    written, used in human-readable reasons.

    With ``title=True`` the text is a headline: when most of its words are
    capitalized (title case) every capitalized word is
    :attr:`Token.CAPITALIZED` (only acronyms and numbers are entities) and no
    phrases are built.
    """
    if not text:
        return []
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    out: list[tuple[str, int, str]] = []
    title_case = False
    if title:
        ws = _WORD.findall(text)
        caps = sum(1 for w in ws if w[0].isupper())
        title_case = caps * 2 > len(ws)
    stop = STOPWORDS
    word_kind, entity_kind, cap_kind = Token.WORD, Token.ENTITY, Token.CAPITALIZED
    for chunk in _CHUNK.split(text):
        ws = _WORD.findall(chunk)
        if not ws:
            continue
        first = True
        for w in ws:
            if w.islower():  # the common case: a lower-case word
                first = False
                if w not in stop and len(w) > 1:
                    out.append((w, word_kind, w))
                continue
            low = w.lower()
            c0 = w[0]
            if c0.isdigit() or (w.isupper() and len(w) >= 2):
                kind = entity_kind
            elif not c0.isupper():
                kind = entity_kind if any(c.isupper() for c in w) else word_kind  # "iPhone"
            elif title_case or first:
                kind = cap_kind
            else:
                kind = entity_kind
            first = False
            if low in stop or (len(low) < 2 and not c0.isdigit()):
                continue
            out.append((low, kind, w))
        if not title_case and len(ws) > 1 and not chunk.islower():  # no capital: no run
            for run in _CAPRUN.findall(chunk):
                for parts in _capitalized_runs(run.split()):
                    while parts and parts[0].lower() in stop:
                        del parts[0]
                    if len(parts) >= 2:
                        surface = " ".join(parts)
                        out.append((surface.lower(), entity_kind, surface))
    return out


def _capitalized_runs(words: list[str]) -> Iterator[list[str]]:
    """Split a :data:`_CAPRUN` match at words that do not start with a capital.

    The pattern's letter ranges hold the lower-case letters of Latin
    Extended-A too ("świat", "žena"); a name is a run of words that really
    start with a capital.
    """
    run: list[str] = []
    for w in words:
        if w[0].isupper():
            run.append(w)
        else:
            if run:
                yield run
            run = []
    if run:
        yield run


def sample_shingles(tokens: Sequence[str], *, size: int = 4, modulus: int = 4) -> list[int]:
    """Return the sorted, de-duplicated sample of word-shingle hashes.

    Every run of ``size`` consecutive tokens is hashed (CRC-32); a hash is kept
    when ``hash % modulus == 0``.  Because the choice depends only on the
    shingle, two texts sharing a passage keep the *same* samples for it, so the
    sample estimates both Jaccard similarity and containment (a teaser cut of
    an article keeps a subset of the article's samples).  Texts shorter than
    ``size`` tokens give one shingle of all tokens.
    """
    if not tokens:
        return []
    if len(tokens) < size:
        return [zlib.crc32(" ".join(tokens).encode())]
    # the UTF-8 of "w1 w2 w3 w4", joined from each word's bytes (encoded once)
    enc = [t.encode() for t in tokens]
    grams = zip(*(enc[k:] for k in range(size)), strict=False)
    hashes = set(map(zlib.crc32, map(b" ".join, grams)))
    return sorted(h for h in hashes if h % modulus == 0)


def content_hash(tokens: Sequence[str]) -> str | None:
    """Return a hash of the normalized text, or ``None`` for short texts.

    Texts under 12 words (a one-line teaser, "Read more") are too generic to
    identify an article and give ``None``.
    """
    if len(tokens) < 12:
        return None
    return hashlib.blake2b(" ".join(tokens).encode(), digest_size=12).hexdigest()


def title_key(title: str | None) -> str | None:
    """Return a normalized title for matching (lower-case words), or ``None``."""
    if not title:
        return None
    toks = words(html.unescape(title))
    return " ".join(toks) or None


_AMP_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
_AMP_QUERY = frozenset({"amp", "outputtype", "amp_js_v", "usqp", "_gsa", "amp_gsa"})


def url_key(url: str | None) -> str | None:
    """Return the duplicate key of a URL, or ``None`` when it cannot identify an article.

    Starts from :func:`feedkit.normalize.canonical_url` (tracking parameters,
    fragment and default port removed) and further folds: the scheme
    (http = https), a leading ``www.`` / ``m.`` / ``amp.`` host label, a
    trailing slash, AMP variants (``/amp``, ``/amp/``, ``.amp.html``,
    ``?amp``, ``?amp=1``, ``outputType=amp``) and query-parameter order.
    A site's home page (empty path, no query) gives ``None``: feeds that link
    every item to their home page must not collapse into one duplicate.
    """
    canon = canonical_url(url)
    if not canon:
        return None
    try:
        parts = urlsplit(canon)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return canon
    host = (parts.hostname or "").lower()
    for prefix in _AMP_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    low = path.lower()
    if low.endswith(".amp.html"):
        path = path[: -len(".amp.html")] + ".html"
    elif low.endswith(".amp"):
        path = path[: -len(".amp")]
    path = path.rstrip("/")
    if path.lower().endswith("/amp"):
        path = path[: -len("/amp")]
    if path.lower().startswith("/amp/"):
        path = path[len("/amp") :]
    path = path.rstrip("/")
    query = ""
    if parts.query:
        pairs = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _AMP_QUERY
        ]
        query = urlencode(sorted(pairs))
    if not path and not query:
        return None
    return f"{host}{path}" + (f"?{query}" if query else "")


def guid_key(guid: str | None, feed_url: str) -> str | None:
    """Return the duplicate key of a GUID, or ``None``.

    A GUID that looks globally unique (a URL, a ``tag:``/``urn:`` URI, or a
    long opaque token such as a UUID) is compared across feeds; a short one
    ("1234") only identifies an item within its own feed, so it is scoped by
    ``feed_url``.  URL GUIDs are folded like links (:func:`url_key`).
    """
    if not guid:
        return None
    g = guid.strip()
    if not g:
        return None
    low = g.lower()
    if low.startswith(("http://", "https://")):
        key = url_key(g)
        return f"u:{key}" if key else None
    if low.startswith(("tag:", "urn:")) or (len(g) >= 20 and any(c.isdigit() for c in g)):
        return f"g:{g}"
    return f"f:{feed_url}\0{g}"


def join_nonempty(parts: Iterable[str | None], sep: str = "\n") -> str:
    """Join the non-empty strings of ``parts`` with ``sep``."""
    return sep.join(p for p in parts if p)
